import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { drawArrivals } from "../../server/simulation/arrivals.js";
import { runEngineDay } from "../../server/simulation/engine-day.js";
import { type Profile, loadProfile } from "../../server/simulation/profile.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { runIdealDay } from "./ideal-day.js";
import { estimateWaits as legacyEstimateWaits } from "./legacy-estimator.js";
import { HEADER, type SeededDay, figuresOf, hours, line, rowsOf } from "./report.js";

/**
 * `npm run simulate -- [--profile FILE] [--seed N | --seeds K]`: whole store days through the
 * real engine (a discrete-event simulation; no sockets), compared with an ideal dispatcher on
 * the same customers. Without --profile, every shipped profile; without --seed, seeds 1..K
 * (default 5). Prints per hour and for the day, pooled over the seeds, then each seed's day.
 */

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    profile: { type: "string" },
    seed: { type: "string" },
    seeds: { type: "string", default: "5" },
  },
});

const profiles: Array<{ path: string; profile: Profile }> = values.profile
  ? [{ path: values.profile, profile: loadProfile(values.profile) }]
  : readdirSync(join(here, "profiles"))
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => ({
        path: join(here, "profiles", f),
        profile: loadProfile(join(here, "profiles", f)),
      }));
const seeds = values.seed
  ? [Number(values.seed)]
  : Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
if (seeds.some((s) => !Number.isInteger(s)))
  throw new Error("--seed and --seeds take whole numbers");

for (const { path, profile } of profiles) {
  const started = process.hrtime.bigint();
  const settings = storeSettingsSchema.parse({
    name: profile.name,
    timezone: "UTC",
    languages: ["en"],
    topics: [],
    ...profile.settings,
  });
  const days: SeededDay[] = seeds.map((seed) => {
    const arrivals = drawArrivals(profile, seed);
    return {
      seed,
      day: runEngineDay(profile, arrivals, seed, { compareWith: legacyEstimateWaits }),
      ideal: runIdealDay(profile, arrivals, settings),
    };
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = rowsOf(days);
  const busy = days.flatMap((d) => d.day.busy);
  const shifts = days.flatMap((d) => d.day.shifts);
  console.log(`\n${profile.name} (${path}), seeds ${seeds.join(", ")}: ${profile.description}`);
  console.log(HEADER);
  for (const window of hours(profile.open, profile.close)) {
    const inWindow = rows.filter(
      (r) => r.served.presentAt >= window[0] && r.served.presentAt < window[1],
    );
    console.log(line(label(window), figuresOf(inWindow, busy, shifts, window)));
  }
  const whole: [number, number] = [0, 48 * 3_600_000];
  const day = figuresOf(rows, busy, shifts, whole);
  console.log(line("day", day));
  for (const d of days) {
    const f = figuresOf(rowsOf([d]), d.day.busy, d.day.shifts, whole);
    console.log(line(`  seed ${d.seed}`, f));
  }
  const skips = days.reduce((n, d) => n + d.day.unfairSkips, 0);
  const declines = days.reduce((n, d) => n + d.day.declines, 0);
  const expiries = days.reduce((n, d) => n + d.day.expiries, 0);
  const ratio = day.idealMeanWaitMin > 0 ? day.meanWaitMin / day.idealMeanWaitMin : 1;
  console.log(
    `unfair skips ${skips}; declines ${declines}, expired offers ${expiries}; mean wait ${(100 * (ratio - 1)).toFixed(1)}% vs ideal; ${(seconds / seeds.length).toFixed(1)} s per day`,
  );
}

function label([from, to]: [number, number]): string {
  const hhmm = (ms: number) => {
    const m = Math.round(ms / 60_000);
    return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  };
  return `${hhmm(from)}-${hhmm(to)}`;
}
