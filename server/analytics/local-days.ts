import { localDayHour } from "../domain/local-time.js";

/** Every offset and every change of it falls on a UTC quarter hour, so local midnight does too. */
const QUARTER_HOUR_MS = 15 * 60_000;
/** Longer than any store-local day (25 h with a clock change). */
const LONGEST_DAY_MS = 27 * 60 * 60_000;

/**
 * The store-local day of `at` in `timeZone` as UTC instants: `start`, its local midnight, and
 * `end`, the next day's. Found by bisecting quarter hours (a dozen look-ups), so it is meant for
 * once a day, not once a commit.
 */
export function localDayBounds(at: number, timeZone: string): { start: number; end: number } {
  const { day } = localDayHour(at, timeZone);
  const quarter = Math.floor(at / QUARTER_HOUR_MS);
  const span = LONGEST_DAY_MS / QUARTER_HOUR_MS;
  const onDayOrLater = (q: number) => localDayHour(q * QUARTER_HOUR_MS, timeZone).day >= day;
  const afterDay = (q: number) => localDayHour(q * QUARTER_HOUR_MS, timeZone).day > day;
  return {
    start: firstQuarter(quarter - span, quarter, onDayOrLater) * QUARTER_HOUR_MS,
    end: firstQuarter(quarter, quarter + span, afterDay) * QUARTER_HOUR_MS,
  };
}

/** The first quarter in (`low`, `high`] where `holds` (false at `low`, true at `high`, monotone). */
function firstQuarter(low: number, high: number, holds: (quarter: number) => boolean): number {
  let below = low;
  let at = high;
  while (at - below > 1) {
    const mid = Math.floor((below + at) / 2);
    if (holds(mid)) at = mid;
    else below = mid;
  }
  return at;
}
