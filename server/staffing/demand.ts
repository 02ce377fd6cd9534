import type { Counters } from "../analytics/counters.js";
import { type DayModel, cellOf } from "../analytics/fold.js";

/**
 * What the analytics read models measured, per hour of the week: arrivals by topic and language
 * (the mean over the weeks counted), hours signed in, and service times by topic.
 */

/** One store-local hour of one weekday (ISO: 1 = Monday … 7 = Sunday). */
export interface HourDemand {
  weekday: number;
  hour: number;
  /** Mean arrivals in this weekday-hour, by topic and the language asked for ("" for none). */
  arrivals: Array<{ topicId: string; language: string; perHour: number }>;
  /** Mean associates signed in (hours signed in per hour); null when none was measured. */
  signedIn: number | null;
}

export interface Measured {
  hours: HourDemand[];
  /** Service times measured per topic over the range: count and total. */
  service: Map<string, { n: number; ms: number }>;
  /** How many of each weekday (index 1..7) the range counted. */
  daysCounted: number[];
}

/** ISO weekday of a calendar date (YYYY-MM-DD). */
export function weekdayOf(day: string): number {
  const utc = new Date(`${day}T12:00:00Z`).getUTCDay();
  return utc === 0 ? 7 : utc;
}

const ARRIVALS = ["arrivals.kiosk", "arrivals.remote", "arrivals.staff"] as const;

/**
 * Means per weekday-hour over `range` (every date asked for, saved or not): a date before
 * `countedSince` (analytics started later) is not a week with no customers, so it is left out
 * of its weekday's mean rather than counted as zero.
 */
export function measure(
  days: readonly DayModel[],
  range: readonly string[],
  countedSince: string | undefined,
): Measured {
  const daysCounted = Array.from({ length: 8 }, () => 0);
  for (const day of range) {
    if (countedSince === undefined || day < countedSince) continue;
    const weekday = weekdayOf(day);
    daysCounted[weekday] = (daysCounted[weekday] ?? 0) + 1;
  }
  const inRange = new Set(range);
  const arrivals = new Map<string, number>();
  const staffedMs = new Map<string, number>();
  const service = new Map<string, { n: number; ms: number }>();
  for (const model of days) {
    if (!inRange.has(model.day)) continue;
    const weekday = weekdayOf(model.day);
    for (const [key, counters] of Object.entries(model.cells)) {
      const cell = cellOf(key);
      const at = `${weekday}|${cell.hour}`;
      const came = sumOf(counters, ARRIVALS);
      if (came > 0) {
        const k = `${at}|${cell.topicId}|${cell.language}`;
        arrivals.set(k, (arrivals.get(k) ?? 0) + came);
      }
      const staffed = counters["staffed.ms"] ?? 0;
      if (staffed > 0) staffedMs.set(at, (staffedMs.get(at) ?? 0) + staffed);
      const n = counters["service.n"] ?? 0;
      if (n > 0 && cell.topicId) {
        const s = service.get(cell.topicId) ?? { n: 0, ms: 0 };
        s.n += n;
        s.ms += counters["service.ms"] ?? 0;
        service.set(cell.topicId, s);
      }
    }
  }
  const hours = new Map<string, HourDemand>();
  const hourOf = (at: string): HourDemand => {
    const [weekday, hour] = at.split("|").map(Number) as [number, number];
    let h = hours.get(at);
    if (!h) {
      h = { weekday, hour, arrivals: [], signedIn: null };
      hours.set(at, h);
    }
    return h;
  };
  for (const [k, count] of arrivals) {
    const [weekday, hour, topicId = "", language = ""] = k.split("|");
    const weeks = daysCounted[Number(weekday)] || 1;
    hourOf(`${weekday}|${hour}`).arrivals.push({ topicId, language, perHour: count / weeks });
  }
  for (const [at, ms] of staffedMs) {
    const weeks = daysCounted[Number(at.split("|")[0])] || 1;
    hourOf(at).signedIn = ms / 3_600_000 / weeks;
  }
  const sorted = [...hours.values()].sort((a, b) => a.weekday - b.weekday || a.hour - b.hour);
  return { hours: sorted, service, daysCounted };
}

function sumOf(counters: Counters, names: readonly string[]): number {
  let sum = 0;
  for (const name of names) sum += counters[name] ?? 0;
  return sum;
}
