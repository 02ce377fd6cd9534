/**
 * What the console reads from the analytics and staffing APIs (docs/HTTP-API.md, "Analytics"
 * and "Staffing advisor"): the fields the analytics view shows, and the hours between the busy
 * ones that a time axis needs.
 */

/** The fields of an analytics row (server/analytics/report.ts `AnalyticsRow`) the view shows. */
export interface AnalyticsRow {
  key: string;
  label: string;
  arrivals: number;
  arrivalsKiosk: number;
  arrivalsRemote: number;
  arrivalsStaff: number;
  served: number;
  leftBeforeOffer: number;
  leftAfterOffer: number;
  noShows: number;
  callAheadsExpired: number;
  declines: number;
  declinesByReason: Record<string, number>;
  waitP50Sec: number | null;
  waitP90Sec: number | null;
  serviceP50Sec: number | null;
  serviceP90Sec: number | null;
  quoteInside: number;
  quoteBelow: number;
  quoteAbove: number;
  quoteInsidePct: number | null;
  quoteOverAvgSec: number | null;
  quoteOverP90Sec: number | null;
  quoteUnderAvgSec: number | null;
  satisfactionByOutcome: Record<Outcome, { yes: number; partly: number; no: number }>;
  disputed: number;
  kudos: number;
}

export interface AnalyticsReport {
  timezone: string;
  from: string;
  to: string;
  countedSince: string | null;
  total: AnalyticsRow;
  quoteTargetPct: number;
  daysBelowTarget: Array<{
    day: string;
    quoteInsidePct: number | null;
    quoted: number;
    served: number;
  }>;
  rows: AnalyticsRow[];
}

export const BREAKDOWNS = ["hour", "day", "topic", "associate"] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];
export type Reports = Record<Breakdown, AnalyticsReport>;

/** The staffing advisor's answer (GET /api/stores/:storeId/staffing). */
export interface StaffingReport {
  /** The store-local days measured: the `weeks` whole weeks up to yesterday. */
  from: string;
  to: string;
  serviceLevel: { pct: number; withinSec: number };
  hours: Array<{
    weekday: number;
    hour: number;
    recommended: number;
    signedIn: number | null;
  }>;
}

/** The outcomes an associate records for a visit they served (a no-show has no answer). */
export const OUTCOMES = ["resolved", "follow_up", "not_resolved"] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** The reasons analytics keeps (server/analytics/decline-reasons.ts); any other is `other`. */
export const DECLINE_REASONS = ["busy", "not_my_skill", "language", "on_break", "other"] as const;

/** A row for an hour nothing happened in: counts zero, times not measured. */
function quietHour(key: string): AnalyticsRow {
  const none = { yes: 0, partly: 0, no: 0 };
  return {
    key,
    label: key,
    arrivals: 0,
    arrivalsKiosk: 0,
    arrivalsRemote: 0,
    arrivalsStaff: 0,
    served: 0,
    leftBeforeOffer: 0,
    leftAfterOffer: 0,
    noShows: 0,
    callAheadsExpired: 0,
    declines: 0,
    declinesByReason: {},
    waitP50Sec: null,
    waitP90Sec: null,
    serviceP50Sec: null,
    serviceP90Sec: null,
    quoteInside: 0,
    quoteBelow: 0,
    quoteAbove: 0,
    quoteInsidePct: null,
    quoteOverAvgSec: null,
    quoteOverP90Sec: null,
    quoteUnderAvgSec: null,
    satisfactionByOutcome: { resolved: none, follow_up: none, not_resolved: none },
    disputed: 0,
    kudos: 0,
  };
}

/**
 * The API lists only the hours something happened in ("09:00", store-local); a time axis needs
 * the quiet hours between them too, or 10:00 would sit next to 14:00.
 */
export function everyHour(rows: AnalyticsRow[]): AnalyticsRow[] {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const numbers = rows.map((r) => Number.parseInt(r.key, 10)).filter((h) => h >= 0 && h < 24);
  if (numbers.length === 0) return rows;
  const first = Math.min(...numbers);
  return Array.from({ length: Math.max(...numbers) - first + 1 }, (_, i) => {
    const key = `${String(first + i).padStart(2, "0")}:00`;
    return byKey.get(key) ?? quietHour(key);
  });
}
