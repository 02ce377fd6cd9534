import type {
  AnalyticsBreakdown,
  AnalyticsReport,
  AnalyticsRow,
} from "../../../shared/analytics.js";

/**
 * What the console reads from the analytics and staffing APIs (docs/HTTP-API.md, "Analytics"
 * and "Staffing advisor"): the breakdowns the analytics view loads (their shape is
 * shared/analytics.ts), the staffing advisor's answer, and the hours between the busy ones that
 * a time axis needs.
 */

export const BREAKDOWNS = [
  "hour",
  "day",
  "topic",
  "associate",
] as const satisfies readonly AnalyticsBreakdown[];
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

export { DECLINE_REASONS } from "../../../shared/analytics.js";

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
    callAheads: 0,
    served: 0,
    leftBeforeOffer: 0,
    leftAfterOffer: 0,
    noShows: 0,
    callAheadsExpired: 0,
    declines: 0,
    declinesByReason: {},
    offerExpiries: 0,
    transfers: 0,
    waitP50Sec: null,
    waitP90Sec: null,
    serviceP50Sec: null,
    serviceP90Sec: null,
    wrapUpAvgSec: null,
    quoteInside: 0,
    quoteBelow: 0,
    quoteAbove: 0,
    quoteInsidePct: null,
    quoteOverAvgSec: null,
    quoteOverP90Sec: null,
    quoteUnderAvgSec: null,
    satisfactionYes: 0,
    satisfactionPartly: 0,
    satisfactionNo: 0,
    satisfactionByOutcome: { resolved: none, follow_up: none, not_resolved: none },
    disputed: 0,
    kudos: 0,
    managerCalls: 0,
    staffedHours: 0,
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
