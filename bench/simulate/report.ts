import { type WaitRange, isNarrow } from "../../server/domain/index.js";
import type { DayResult, Served } from "../../server/simulation/engine-day.js";
import { minutesOf } from "../../server/simulation/profile.js";

/**
 * Figures of simulated days: how often customers were served inside the range they were quoted
 * (and below, above), how wide the quotes were, waits against the ideal dispatcher's, unfair
 * skips and utilisation; per hour and for the whole day, pooled over seeds.
 */

const MIN = 60_000;

export interface CustomerFigures {
  served: Served;
  /** The ideal dispatcher's accept time for the same customer. */
  idealAt: number | undefined;
}

export interface Figures {
  customers: number;
  served: number;
  left: number;
  quoted: number;
  inside: number;
  below: number;
  above: number;
  /** Quotes no wider than max(3 min, 0.6 × their midpoint). */
  narrow: number;
  medianWidth: number;
  legacyInside: number;
  legacyNarrow: number;
  meanWaitMin: number;
  p90WaitMin: number;
  /** Mean wait of the same customers' under the ideal dispatcher (those it served). */
  idealMeanWaitMin: number;
  utilisation: number;
}

/** Where a wait falls against a quoted range. */
export function against(range: WaitRange, waitMs: number): "inside" | "below" | "above" {
  if (!range) return "above";
  if (waitMs < range.lowMin * MIN) return "below";
  if (waitMs > range.highMin * MIN) return "above";
  return "inside";
}

export function figuresOf(
  rows: CustomerFigures[],
  busy: Array<[number, number]>,
  shifts: Array<[number, number]>,
  window: [number, number],
): Figures {
  const served = rows.filter((r) => r.served.servedAt !== undefined);
  const quoted = served.filter((r) => r.served.quote !== null);
  const waits = served.map((r) => ((r.served.servedAt ?? 0) - r.served.presentAt) / MIN);
  const count = (list: CustomerFigures[], where: "inside" | "below" | "above") =>
    list.filter((r) => against(r.served.quote, waitOf(r)) === where).length;
  const widths = quoted
    .map((r) => (r.served.quote ? r.served.quote.highMin - r.served.quote.lowMin : 0))
    .sort((a, b) => a - b);
  const legacy = served.filter((r) => r.served.legacyQuote !== null);
  const ideal = served.filter((r) => r.idealAt !== undefined);
  return {
    customers: rows.length,
    served: served.length,
    left: rows.filter((r) => r.served.left).length,
    quoted: quoted.length,
    inside: count(quoted, "inside"),
    below: count(quoted, "below"),
    above: count(quoted, "above"),
    narrow: quoted.filter((r) => r.served.quote && isNarrow(r.served.quote)).length,
    medianWidth: widths[Math.floor(widths.length / 2)] ?? 0,
    legacyInside: legacy.filter((r) => against(r.served.legacyQuote, waitOf(r)) === "inside")
      .length,
    legacyNarrow: legacy.filter((r) => r.served.legacyQuote && isNarrow(r.served.legacyQuote))
      .length,
    meanWaitMin: mean(waits),
    p90WaitMin: [...waits].sort((a, b) => a - b)[Math.floor(waits.length * 0.9)] ?? 0,
    idealMeanWaitMin: mean(ideal.map((r) => ((r.idealAt ?? 0) - r.served.presentAt) / MIN)),
    utilisation: overlap(busy, window) / Math.max(1, overlap(shifts, window)),
  };
}

const waitOf = (r: CustomerFigures): number => (r.served.servedAt ?? 0) - r.served.presentAt;

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function overlap(intervals: Array<[number, number]>, [from, to]: [number, number]): number {
  let total = 0;
  for (const [a, b] of intervals) total += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return total;
}

/** Hourly windows of the store's day, "HH:MM" to "HH:MM". */
export function hours(open: string, close: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let m = minutesOf(open); m < minutesOf(close); m += 60)
    out.push([m * MIN, Math.min(m + 60, minutesOf(close)) * MIN]);
  return out;
}

export interface SeededDay {
  seed: number;
  day: DayResult;
  ideal: Array<number | undefined>;
}

/** Rows of every customer of some days, with the ideal dispatcher's time beside each. */
export function rowsOf(days: SeededDay[]): CustomerFigures[] {
  return days.flatMap(({ day, ideal }) =>
    day.customers.map((served) => ({ served, idealAt: ideal[served.arrival.index] })),
  );
}

const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(0)}%` : "-");
const num = (x: number) => x.toFixed(1);

export const HEADER =
  "period        cust served left | inside below above  narrow med.w | mean  p90  ideal | util | before: inside narrow";

export function line(label: string, f: Figures): string {
  return [
    label.padEnd(13),
    String(f.customers).padStart(4),
    String(f.served).padStart(6),
    String(f.left).padStart(4),
    "|",
    pct(f.inside, f.quoted).padStart(6),
    pct(f.below, f.quoted).padStart(5),
    pct(f.above, f.quoted).padStart(5),
    pct(f.narrow, f.quoted).padStart(7),
    String(f.medianWidth).padStart(5),
    "|",
    num(f.meanWaitMin).padStart(4),
    num(f.p90WaitMin).padStart(4),
    num(f.idealMeanWaitMin).padStart(6),
    "|",
    f.utilisation.toFixed(2),
    "|",
    pct(f.legacyInside, f.quoted).padStart(14),
    pct(f.legacyNarrow, f.quoted).padStart(7),
  ].join(" ");
}
