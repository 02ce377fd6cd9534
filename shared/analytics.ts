/**
 * What GET /api/stores/:storeId/analytics answers as JSON (docs/HTTP-API.md, "Analytics"): the
 * server builds it (server/analytics/report.ts, server/transport/http/analytics.ts), the
 * console's analytics view reads it. The fields are written here only.
 */

/** How a range can be broken down (`by`): one row per day, hour, topic, associate... */
export const ANALYTICS_BREAKDOWNS = [
  "day",
  "hour",
  "topic",
  "associate",
  "language",
  "channel",
] as const;
export type AnalyticsBreakdown = (typeof ANALYTICS_BREAKDOWNS)[number];

/** The outcomes an associate records for a visit they served (a no-show has no answer). */
export const OUTCOMES = ["resolved", "follow_up", "not_resolved"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * The decline reasons analytics keeps: the tablet's codes, and `other` for any other text (or
 * none; server/analytics/decline-reasons.ts maps what the tablet sends).
 */
export const DECLINE_REASONS = ["busy", "not_my_skill", "language", "on_break", "other"] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

/** One row of a breakdown: counts, and times in whole seconds (null with nothing measured). */
export interface AnalyticsRow {
  /**
   * The day (YYYY-MM-DD), the hour ("09:00", store-local), or a topic, associate or language id
   * or channel ("" for none).
   */
  key: string;
  /** A topic's or associate's display name, else the key. */
  label: string;
  arrivals: number;
  arrivalsKiosk: number;
  arrivalsRemote: number;
  arrivalsStaff: number;
  callAheads: number;
  served: number;
  leftBeforeOffer: number;
  leftAfterOffer: number;
  noShows: number;
  callAheadsExpired: number;
  declines: number;
  /** Declines by the reasons analytics keeps (server/analytics/decline-reasons.ts), none at 0. */
  declinesByReason: Record<string, number>;
  offerExpiries: number;
  transfers: number;
  waitP50Sec: number | null;
  waitP90Sec: number | null;
  serviceP50Sec: number | null;
  serviceP90Sec: number | null;
  wrapUpAvgSec: number | null;
  quoteInside: number;
  quoteBelow: number;
  quoteAbove: number;
  /** Of the served customers who were quoted a wait, the share (%) served inside it. */
  quoteInsidePct: number | null;
  /** How far the misses were: mean and p90 of the time past the quote's high end (late)... */
  quoteOverAvgSec: number | null;
  quoteOverP90Sec: number | null;
  /** ...and before its low end (early). */
  quoteUnderAvgSec: number | null;
  satisfactionYes: number;
  satisfactionPartly: number;
  satisfactionNo: number;
  /** Satisfaction answers by the outcome the associate recorded. */
  satisfactionByOutcome: Record<Outcome, { yes: number; partly: number; no: number }>;
  /** Visits the associate marked resolved that the customer said were not, or only partly. */
  disputed: number;
  kudos: number;
  managerCalls: number;
  /** Hours associates were signed in (any presence but offline), to one decimal. */
  staffedHours: number;
}

/** A day of the range whose share served inside the quote fell below the store's target. */
export interface DayBelowTarget {
  day: string;
  quoteInsidePct: number | null;
  /** The share's base: customers told a wait whose wait ended in an accept that day. */
  quoted: number;
  /** The visits completed that day. */
  served: number;
}

/** The whole answer: the range's rows by `by`, its total, and the days below the target. */
export interface AnalyticsReport {
  storeId: string;
  /** The store's time zone: days and hours are store-local. */
  timezone: string;
  /** The range, both days included. */
  from: string;
  to: string;
  by: AnalyticsBreakdown;
  /** The store's version the read models had counted up to. */
  version: number;
  /** The first local day the read models counted: there is no data before it. */
  countedSince: string | null;
  /** Says so when the range starts before `countedSince`. */
  notes: string[];
  total: AnalyticsRow;
  quoteTargetPct: number;
  daysBelowTarget: DayBelowTarget[];
  rows: AnalyticsRow[];
}
