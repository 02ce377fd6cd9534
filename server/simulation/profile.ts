import { readFileSync } from "node:fs";
import { z } from "zod";
import { idSchema, languageSchema } from "../../shared/settings.js";

/**
 * A simulated store day: when customers come and what for, how long serving them takes, who
 * works when, and how people behave (declines, missed offers, leaving, browsing). Times of day
 * are "HH:MM" in the store's day; durations are lognormal (median and spread of ln).
 */

const clock = z.string().regex(/^\d{2}:\d{2}$/, "HH:MM");
const share = z.number().min(0).max(1);
const logNormal = z.object({ medianMin: z.number().positive(), sigma: z.number().min(0).max(2) });

export const profileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(""),
    open: clock,
    close: clock,
    /** Arrivals per hour, by period (Poisson within a period). */
    periods: z
      .array(z.object({ from: clock, to: clock, arrivalsPerHour: z.number().min(0) }))
      .min(1),
    topics: z
      .array(
        z.object({
          id: idSchema,
          name: z.string().min(1),
          letter: z.string().regex(/^[A-Z]$/),
          skill: idSchema,
          /** What the store configured (the estimator's prior). */
          expectedServiceMin: z.number().int().min(1),
          /** Share of arrivals. */
          share,
          /** The real service time. */
          service: logNormal,
        }),
      )
      .min(1),
    /** Languages customers ask for; the rest ask for none. */
    languages: z.array(z.object({ code: languageSchema, share })).default([]),
    associates: z
      .array(
        z.object({
          id: idSchema,
          name: z.string().min(1),
          skills: z.array(idSchema).min(1),
          languages: z.array(languageSchema).min(1),
          shifts: z.array(z.tuple([clock, clock])).min(1),
        }),
      )
      .min(1),
    behaviour: z
      .object({
        /** Time from an offer to the associate's answer. */
        answer: logNormal.default({ medianMin: 0.15, sigma: 0.6 }),
        declineShare: share.default(0.04),
        /** Offers nobody answers (the tablet is in a pocket): they expire, the associate goes away. */
        missShare: share.default(0.02),
        /** How long an associate whose offer expired stays away. */
        awayAfterMissMin: z.number().min(0).default(3),
        /** How long a customer waits at most before leaving (lognormal). */
        patience: logNormal.default({ medianMin: 40, sigma: 0.5 }),
        /** Customers who say "I'm browsing" once, for a while. */
        pauseShare: share.default(0.05),
        pause: logNormal.default({ medianMin: 4, sigma: 0.5 }),
        /** Customers who call ahead, and in how many minutes they say they come. */
        callAheadShare: share.default(0.05),
        callAheadInMin: z.number().int().min(0).default(20),
        /** Call-ahead customers come this much after their time (lognormal, can be early: ±). */
        callAheadLateness: logNormal.default({ medianMin: 3, sigma: 0.8 }),
      })
      .default({
        answer: { medianMin: 0.15, sigma: 0.6 },
        declineShare: 0.04,
        missShare: 0.02,
        awayAfterMissMin: 3,
        patience: { medianMin: 40, sigma: 0.5 },
        pauseShare: 0.05,
        pause: { medianMin: 4, sigma: 0.5 },
        callAheadShare: 0.05,
        callAheadInMin: 20,
        callAheadLateness: { medianMin: 3, sigma: 0.8 },
      }),
    /** Store settings besides topics and languages (offer timeout, widening, wrap-up …). */
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type Profile = z.infer<typeof profileSchema>;

export function loadProfile(path: string): Profile {
  const parsed = profileSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Minutes since midnight of "HH:MM". */
export function minutesOf(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
