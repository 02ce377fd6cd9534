/**
 * What the analytics read models count: sparse counters per cell (a store-local hour, topic,
 * language, associate and channel), and fixed histogram buckets for times, so percentiles come
 * from counts and cells add up. Counts only: no names, notes or comments.
 */
export type Counters = Record<string, number>;

/** Upper bounds of the time buckets, in seconds; a time falls in the first bound above it. */
export const BUCKETS_SEC = [
  15, 30, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200,
] as const;

/**
 * The measured times kept as histograms: waits, service and wrap-up times, and how far a served
 * customer's wait fell above (`quoteOver`) or below (`quoteUnder`) the range they were quoted.
 */
export type Timed = "wait" | "service" | "wrapUp" | "quoteOver" | "quoteUnder";

/** Adds `by` to counter `name`. */
export function bump(counters: Counters, name: string, by = 1): void {
  counters[name] = (counters[name] ?? 0) + by;
}

/** Counts one measured time into `kind`'s histogram (bucket counts, count and sum in ms). */
export function observe(counters: Counters, kind: Timed, ms: number): void {
  const sec = Math.max(0, ms) / 1000;
  let bucket = BUCKETS_SEC.findIndex((bound) => sec < bound);
  if (bucket < 0) bucket = BUCKETS_SEC.length;
  bump(counters, `${kind}.b${bucket}`);
  bump(counters, `${kind}.n`);
  bump(counters, `${kind}.ms`, Math.round(ms));
}

/** Adds every counter of `from` into `into`. */
export function addInto(into: Counters, from: Counters): Counters {
  for (const [name, value] of Object.entries(from)) bump(into, name, value);
  return into;
}

/**
 * The `p` quantile (0..1) of `kind`'s histogram in seconds, interpolated inside its bucket
 * (the open last bucket answers its lower bound); undefined with nothing measured.
 */
export function percentile(counters: Counters, kind: Timed, p: number): number | undefined {
  const n = counters[`${kind}.n`] ?? 0;
  if (n === 0) return undefined;
  const rank = p * n;
  let seen = 0;
  for (let i = 0; i <= BUCKETS_SEC.length; i++) {
    const inBucket = counters[`${kind}.b${i}`] ?? 0;
    if (inBucket > 0 && seen + inBucket >= rank) {
      const low = i === 0 ? 0 : (BUCKETS_SEC[i - 1] as number);
      const high = BUCKETS_SEC[i];
      if (high === undefined) return low;
      return Math.round(low + ((high - low) * (rank - seen)) / inBucket);
    }
    seen += inBucket;
  }
  return BUCKETS_SEC.at(-1);
}
