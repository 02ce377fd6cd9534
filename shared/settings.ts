import { z } from "zod";

/** Ids of stores, topics, associates, visits: short, URL-safe, case-sensitive. */
export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '-' and '_' only");

/** An associate's PIN: 4 to 8 digits. The one rule for it, wherever a PIN is set. */
export const pinSchema = z.string().regex(/^\d{4,8}$/, "4 to 8 digits");

/** A BCP 47-ish language tag: "en", "uk", "es", "pt-BR". */
/** Names languages the Unicode data knows; an unknown code ("xx") has no name. */
const languageNames = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });

export const languageSchema = z
  .string()
  .min(2)
  .max(12)
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, "a language tag such as en or pt-BR")
  .refine((code) => {
    try {
      return languageNames.of(code) !== undefined;
    } catch {
      return false;
    }
  }, "a language that exists, such as en, uk or pt-BR");

const minutes = (max: number) => z.number().int().min(0).max(max);
const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

export const topicSchema = z
  .object({
    id: idSchema,
    name: z.string().trim().min(1).max(40),
    /** The letter that starts this topic's visit codes ("P" for P-017). */
    letter: z.string().regex(/^[A-Z]$/, "one capital letter"),
    /** The skill an associate needs to take this topic. */
    skill: idSchema,
    /** What a visit usually takes, used until measured service times exist. */
    expectedServiceMin: z.number().int().min(1).max(240).default(5),
    /** Where the customer meets their associate, per language ("at the phone counter"). */
    meetAt: z.record(languageSchema, z.string().trim().min(1).max(80)).default({}),
    /**
     * The topic's name per language ("uk": "Телефони"); `name` where a language has none.
     * Optional (not defaulted), so topics written before it, and made by the CLI, stay as they were.
     */
    names: z.record(languageSchema, z.string().trim().min(1).max(40)).optional(),
    /** What to bring, per language ("your receipt"); shown to call-ahead customers. */
    bring: z.record(languageSchema, z.string().trim().min(1).max(120)).optional(),
  })
  // A misspelt field is refused, not silently dropped (the store would run without it).
  .strict();
export type Topic = z.infer<typeof topicSchema>;

export const storeSettingsSchema = z
  .object({
    name: z.string().trim().min(1).max(80),
    /** IANA time zone; visit codes restart each local day. */
    timezone: z.string().min(1).max(64).refine(isTimeZone, "an IANA time zone such as Europe/Kyiv"),
    languages: z.array(languageSchema).min(1).max(20),
    topics: z.array(topicSchema).max(50),
    offerTimeoutSec: seconds(5, 600).default(30),
    disconnectGraceSec: seconds(0, 600).default(15),
    /** After this long waiting, a visit may go to any available associate (no starvation). */
    wideningMin: minutes(24 * 60).default(10),
    /** Per-skill override of wideningMin. */
    wideningMinBySkill: z.record(idSchema, minutes(24 * 60)).default({}),
    wrapUpSec: seconds(0, 1800).default(30),
    /** A visit waiting longer raises an SLA alert and an apology hint. */
    slaWaitMin: minutes(24 * 60).default(15),
    /** How long a call-ahead visit keeps its place past the time it said it would arrive. */
    callAheadHoldMin: minutes(24 * 60).default(30),
    /**
     * After everyone available who could serve a visit declined it, and nobody else is
     * available, a decliner may be offered it again after this long.
     */
    declineCooldownSec: seconds(0, 3600).default(60),
    /**
     * A visit served on a tablet gone this long (counted from the drop, never before the
     * disconnect grace ends) goes back to the line in its place, unless a manager acted.
     */
    orphanedVisitMin: z.number().int().min(1).max(240).default(5),
    /**
     * Days a closed visit's personal data (name, note, handover notes, feedback comment) is
     * kept; then it is erased from every copy the server holds (docs/STORES.md, "Retention").
     */
    retentionDays: z.number().int().min(1).max(365).default(30),
    /**
     * The share (%) of served customers the store means to serve inside the wait it quoted
     * them; analytics marks the days below it.
     */
    quoteTargetPct: z.number().int().min(1).max(100).default(80),
    /**
     * The service level the staffing advisor plans for: `serviceLevelPct` % of customers served
     * (their offer accepted) within `serviceLevelSec` of arriving.
     */
    serviceLevelPct: z.number().int().min(1).max(99).default(80),
    serviceLevelSec: z.number().int().min(30).max(3600).default(300),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    const letters = new Set<string>();
    for (const t of s.topics) {
      if (ids.has(t.id)) ctx.addIssue({ code: "custom", message: `topic id ${t.id} is repeated` });
      if (letters.has(t.letter))
        ctx.addIssue({ code: "custom", message: `topic letter ${t.letter} is repeated` });
      ids.add(t.id);
      letters.add(t.letter);
    }
    if (new Set(s.languages).size !== s.languages.length)
      ctx.addIssue({ code: "custom", message: "languages are repeated" });
  });
export type StoreSettings = z.infer<typeof storeSettingsSchema>;
export type StoreSettingsInput = z.input<typeof storeSettingsSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
