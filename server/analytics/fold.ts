import type { DomainEvent } from "../domain/events.js";
import { localDayHour } from "../domain/local-time.js";
import type { Channel } from "../domain/state.js";
import type { Commit } from "../store/event-store.js";
import { type Counters, bump, observe } from "./counters.js";
import { declineReason } from "./decline-reasons.js";

/** What the fold remembers of a visit while it may still be counted (ids, times; no names). */
export interface TrackedVisit {
  topicId: string;
  language: string;
  channel: Channel;
  /** In the store since (check-in, or arrival after calling ahead); waits count from here. */
  presentSince: number | undefined;
  offered: boolean;
  /** Its wait was measured (the first accept); a transfer's second wait is not a new one. */
  waited: boolean;
  quote: { lowMin: number; highMin: number } | undefined;
  associateId: string | undefined;
  servingSince: number | undefined;
  closedAt: number | undefined;
  /** How the associate closed it (feedback is counted against it); absent until then. */
  outcome?: string;
}

/**
 * The fold's working memory, saved with its cursor: the version folded up to, the store's time
 * zone, the visits open (and closed ones awaiting feedback), pending offers, wrap-ups, and the
 * associates' display names (staff data, for the CSV). No customer data.
 */
export interface Working {
  version: number;
  /** The time of the newest commit folded (0 before any). */
  lastAt: number;
  timezone: string;
  /** The store-local day of the first commit folded: no data before it. */
  since: string | undefined;
  visits: Map<string, TrackedVisit>;
  offers: Map<string, { visitId: string; associateId: string }>;
  wrapUps: Map<string, number>;
  names: Map<string, string>;
  /** Associates signed in (any presence but offline), since when: staffed time per hour. */
  signedIn: Map<string, number>;
}

/**
 * One store-local day: counters per cell, the newest version folded into it, and the visits
 * closed that day (ids and counting keys, no names), from which the fold's memory of closed
 * visits is rebuilt after a restart (their feedback may come days later). Kept here, not in the
 * cursor, so a save writes each closed visit with its day, not with every save for a week.
 */
export interface DayModel {
  day: string;
  through: number;
  cells: Record<string, Counters>;
  closed?: Record<string, TrackedVisit>;
}

/** A store's analytics read model: its working memory and its days. */
export interface Projection {
  working: Working;
  days: Map<string, DayModel>;
}

export interface Cell {
  hour: number;
  topicId: string;
  language: string;
  associateId: string;
  channel: string;
}

/** How long a closed visit is remembered for its feedback (the window is 7 days at most). */
export const FEEDBACK_MEMORY_MS = 8 * 24 * 60 * 60 * 1000;

export const cellKey = (c: Cell) =>
  [c.hour, c.topicId, c.language, c.associateId, c.channel].join("|");

export function cellOf(key: string): Cell {
  const [hour, topicId, language, associateId, channel] = key.split("|");
  return {
    hour: Number(hour),
    topicId: topicId ?? "",
    language: language ?? "",
    associateId: associateId ?? "",
    channel: channel ?? "",
  };
}

export function emptyProjection(): Projection {
  return {
    working: {
      version: 0,
      lastAt: 0,
      timezone: "UTC",
      since: undefined,
      visits: new Map(),
      offers: new Map(),
      wrapUps: new Map(),
      names: new Map(),
      signedIn: new Map(),
    },
    days: new Map(),
  };
}

/**
 * Folds one commit into `projection` (in place) and answers the days it changed. Idempotent: a
 * commit at or below the working version changes nothing, and a day already folded past a
 * commit (`through`, a day saved before its cursor was) is not counted again. Commits must come
 * in order; a gap throws.
 */
export function foldCommit(projection: Projection, commit: Commit<DomainEvent>): Set<string> {
  const { working } = projection;
  const touched = new Set<string>();
  if (commit.version <= working.version) return touched;
  if (commit.version !== working.version + 1)
    throw new Error(`analytics: log jumps from ${working.version} to ${commit.version}`);
  const at = commit.at;
  /** The day model `when` falls in, to change; undefined if it was folded past this commit. */
  const dayAt = (when: number): DayModel | undefined => {
    const { day } = localDayHour(when, working.timezone);
    let model = projection.days.get(day);
    if (!model) {
      model = { day, through: 0, cells: {} };
      projection.days.set(day, model);
    }
    // Counted into this day before its cursor was saved.
    if (model.through >= commit.version) return undefined;
    touched.add(day);
    return model;
  };
  const count = (
    visit: TrackedVisit | undefined,
    associateId: string | undefined,
    when = at,
  ): Counters => {
    const model = dayAt(when);
    // A throwaway cell.
    if (!model) return {};
    const { hour } = localDayHour(when, working.timezone);
    const key = cellKey({
      hour,
      topicId: visit?.topicId ?? "",
      language: visit?.language ?? "",
      associateId: associateId ?? "",
      channel: visit?.channel ?? "",
    });
    model.cells[key] ??= {};
    return model.cells[key];
  };
  for (const event of commit.events) foldEvent(working, event, at, count, dayAt);
  for (const day of touched) (projection.days.get(day) as DayModel).through = commit.version;
  working.version = commit.version;
  working.lastAt = at;
  working.since ??= localDayHour(at, working.timezone).day;
  forgetOldVisits(working, at);
  return touched;
}

type Count = (
  visit: TrackedVisit | undefined,
  associateId: string | undefined,
  when?: number,
) => Counters;
type DayAt = (when: number) => DayModel | undefined;

/**
 * The store-local days folding `commit` may change, so the projector has them in hand: the
 * commit's own, the days a signing out closes staffed time over, and the day a no-show being
 * undone was closed on.
 */
export function daysNeeded(working: Working, commit: Commit<DomainEvent>): string[] {
  const zone = working.timezone;
  const days = new Set([localDayHour(commit.at, zone).day]);
  for (const e of commit.events) {
    const signingOut =
      e.type === "associate:signed-out" ||
      e.type === "associate:removed" ||
      (e.type === "associate:presence-changed" && e.presence === "offline");
    const since = signingOut ? working.signedIn.get(e.associateId) : undefined;
    if (since !== undefined)
      for (let t = since; t < commit.at; t += STAFFED_STEP_MS) days.add(localDayHour(t, zone).day);
    if (e.type === "visit:no-show-undone") {
      const closedAt = working.visits.get(e.visitId)?.closedAt;
      if (closedAt !== undefined) days.add(localDayHour(closedAt, zone).day);
    }
  }
  return [...days];
}

/** Staffed time is split at every quarter hour (UTC), so it lands in the right local hour. */
const STAFFED_STEP_MS = 15 * 60_000;

/** Counts `associateId`'s signed-in time from `since` to `until` into the hours it fell in. */
function countStaffed(count: Count, associateId: string, since: number, until: number): void {
  for (let from = since; from < until; ) {
    const to = Math.min(until, from - (from % STAFFED_STEP_MS) + STAFFED_STEP_MS);
    bump(count(undefined, associateId, from), "staffed.ms", to - from);
    from = to;
  }
}

function signIn(w: Working, associateId: string, at: number): void {
  if (!w.signedIn.has(associateId)) w.signedIn.set(associateId, at);
}

function signOut(w: Working, associateId: string, at: number, count: Count): void {
  const since = w.signedIn.get(associateId);
  if (since === undefined) return;
  w.signedIn.delete(associateId);
  countStaffed(count, associateId, since, at);
}

function foldEvent(w: Working, e: DomainEvent, at: number, count: Count, dayAt: DayAt): void {
  switch (e.type) {
    case "store:created":
    case "store:settings-changed":
      w.timezone = e.settings.timezone;
      return;
    case "associate:registered":
      w.names.set(e.associateId, e.name);
      return;
    case "associate:signed-in":
    case "associate:presence-changed":
      if (e.presence === "offline") signOut(w, e.associateId, at, count);
      else signIn(w, e.associateId, at);
      return;
    case "associate:signed-out":
    case "associate:removed":
      signOut(w, e.associateId, at, count);
      return;
    case "visit:checked-in": {
      const visit: TrackedVisit = {
        topicId: e.topicId,
        language: e.language ?? "",
        channel: e.channel,
        presentSince: e.holdUntil === undefined ? at : undefined,
        offered: false,
        waited: false,
        quote: undefined,
        associateId: undefined,
        servingSince: undefined,
        closedAt: undefined,
      };
      w.visits.set(e.visitId, visit);
      if (e.holdUntil === undefined) bump(count(visit, undefined), `arrivals.${e.channel}`);
      else bump(count(visit, undefined), "callAheads");
      return;
    }
    case "visit:arrived": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      visit.presentSince = at;
      bump(count(visit, undefined), `arrivals.${visit.channel}`);
      return;
    }
    case "visit:quoted": {
      const visit = w.visits.get(e.visitId);
      if (visit) visit.quote = { lowMin: e.lowMin, highMin: e.highMin };
      return;
    }
    case "offer:created": {
      w.offers.set(e.offerId, { visitId: e.visitId, associateId: e.associateId });
      const visit = w.visits.get(e.visitId);
      if (visit) visit.offered = true;
      return;
    }
    case "offer:accepted": {
      const offer = w.offers.get(e.offerId);
      w.offers.delete(e.offerId);
      const visit = offer && w.visits.get(offer.visitId);
      if (!offer || !visit) return;
      visit.associateId = offer.associateId;
      visit.servingSince = at;
      if (visit.waited || visit.presentSince === undefined) return;
      visit.waited = true;
      const counters = count(visit, offer.associateId);
      const waitMs = at - visit.presentSince;
      observe(counters, "wait", waitMs);
      if (visit.quote) {
        const lowMs = visit.quote.lowMin * 60_000;
        const highMs = visit.quote.highMin * 60_000;
        if (waitMs < lowMs) {
          bump(counters, "quote.below");
          observe(counters, "quoteUnder", lowMs - waitMs);
        } else if (waitMs > highMs) {
          bump(counters, "quote.above");
          observe(counters, "quoteOver", waitMs - highMs);
        } else bump(counters, "quote.inside");
      }
      return;
    }
    case "offer:declined": {
      const offer = w.offers.get(e.offerId);
      w.offers.delete(e.offerId);
      if (offer)
        bump(
          count(w.visits.get(offer.visitId), offer.associateId),
          `declines.${declineReason(e.reason)}`,
        );
      return;
    }
    case "offer:expired": {
      const offer = w.offers.get(e.offerId);
      w.offers.delete(e.offerId);
      if (offer) bump(count(w.visits.get(offer.visitId), offer.associateId), "offerExpiries");
      return;
    }
    case "offer:withdrawn":
      w.offers.delete(e.offerId);
      return;
    case "visit:completed": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      const counters = count(visit, visit.associateId);
      if (e.outcome === "no_show") bump(counters, "noShows");
      else {
        bump(counters, "served");
        bump(counters, `outcome.${e.outcome}`);
        visit.outcome = e.outcome;
        if (visit.servingSince !== undefined) observe(counters, "service", at - visit.servingSince);
      }
      if (visit.associateId) w.wrapUps.set(visit.associateId, at);
      close(w, e.visitId, visit, at, dayAt);
      return;
    }
    case "visit:no-show-undone": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      bump(count(visit, visit.associateId), "noShowsUndone");
      if (visit.closedAt !== undefined) {
        const closedOn = dayAt(visit.closedAt);
        if (closedOn?.closed) delete closedOn.closed[e.visitId];
      }
      visit.closedAt = undefined;
      if (!e.serving) visit.servingSince = undefined;
      return;
    }
    case "associate:wrap-up-ended": {
      const since = w.wrapUps.get(e.associateId);
      w.wrapUps.delete(e.associateId);
      if (since !== undefined) observe(count(undefined, e.associateId), "wrapUp", at - since);
      return;
    }
    case "visit:transferred": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      bump(count(visit, visit.associateId), "transfers");
      if (e.toTopicId) visit.topicId = e.toTopicId;
      visit.associateId = undefined;
      visit.servingSince = undefined;
      return;
    }
    case "visit:reassigned": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      visit.associateId = undefined;
      visit.servingSince = undefined;
      return;
    }
    case "visit:left": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      bump(count(visit, undefined), visit.offered ? "left.afterOffer" : "left.beforeOffer");
      close(w, e.visitId, visit, at, dayAt);
      return;
    }
    case "visit:expired": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      bump(count(visit, undefined), "callAheadsExpired");
      close(w, e.visitId, visit, at, dayAt);
      return;
    }
    case "feedback:given": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      const counters = count(visit, visit.associateId);
      bump(counters, `satisfaction.${e.satisfaction}`);
      // Outcome against satisfaction: "resolved" that the customer says was not is a dispute.
      if (visit.outcome) bump(counters, `satisfaction.${visit.outcome}.${e.satisfaction}`);
      if (e.kudos) bump(counters, "kudos");
      return;
    }
    case "alert:raised":
      if (e.kind === "manager_called")
        bump(count(e.visitId ? w.visits.get(e.visitId) : undefined, e.associateId), "managerCalls");
      return;
    default:
      return;
  }
}

/**
 * A closed visit is kept (for its feedback) at the end of the map, oldest close first, and
 * written with the day it closed on (see DayModel).
 */
function close(w: Working, visitId: string, visit: TrackedVisit, at: number, dayAt: DayAt): void {
  visit.closedAt = at;
  w.visits.delete(visitId);
  w.visits.set(visitId, visit);
  const day = dayAt(at);
  if (day) {
    day.closed ??= {};
    day.closed[visitId] = { ...visit };
  }
}

/**
 * Puts the visits closed on `days` (within the feedback memory of `working.lastAt`) back into
 * the fold's memory after its cursor was loaded, oldest close first, behind the open ones.
 */
export function restoreClosed(working: Working, days: readonly DayModel[]): void {
  const closed: Array<[string, TrackedVisit]> = [];
  for (const day of days)
    for (const [visitId, visit] of Object.entries(day.closed ?? {}))
      if (
        visit.closedAt !== undefined &&
        working.lastAt - visit.closedAt < FEEDBACK_MEMORY_MS &&
        !working.visits.has(visitId)
      )
        closed.push([visitId, { ...visit }]);
  closed.sort(([, a], [, b]) => (a.closedAt as number) - (b.closedAt as number));
  for (const [visitId, visit] of closed) working.visits.set(visitId, visit);
}

function forgetOldVisits(w: Working, at: number): void {
  for (const [visitId, visit] of w.visits) {
    if (visit.closedAt === undefined) continue;
    if (at - visit.closedAt < FEEDBACK_MEMORY_MS) return;
    w.visits.delete(visitId);
  }
}
