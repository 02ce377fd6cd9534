import type { DomainEvent } from "../domain/events.js";
import { localDayHour } from "../domain/local-time.js";
import type { Channel, StoreState, Visit } from "../domain/state.js";
import type { Commit } from "../store/event-store.js";
import { type Counters, bump, observe } from "./counters.js";
import { declineReason } from "./decline-reasons.js";
import { localDayBounds } from "./local-days.js";

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
  /** Visits open (checked in, not yet closed). */
  visits: Map<string, TrackedVisit>;
  /**
   * Visits closed in the last FEEDBACK_MEMORY_MS, oldest close first, for feedback that comes
   * later. Not saved: after a restart they are put back from the store's state (`restoreClosed`).
   */
  closed: Map<string, TrackedVisit>;
  offers: Map<string, { visitId: string; associateId: string }>;
  wrapUps: Map<string, number>;
  names: Map<string, string>;
  /**
   * Associates signed in (any presence but offline), since when their time is not counted yet:
   * the sign-in, or the start of the store-local day their session went on into.
   */
  signedIn: Map<string, number>;
  /**
   * The start of the store-local day after the newest commit's (0 when not known, as after a
   * cursor is loaded): the first commit from then on counts the open sessions' time up to its
   * own day. Not saved.
   */
  dayEnds: number;
}

/** One store-local day: counters per cell, and the newest version folded into it. */
export interface DayModel {
  day: string;
  through: number;
  cells: Record<string, Counters>;
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
      closed: new Map(),
      offers: new Map(),
      wrapUps: new Map(),
      names: new Map(),
      signedIn: new Map(),
      dayEnds: 0,
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
  const c = new Counting(projection, commit.version, at);
  if (at >= working.dayEnds) startDay(working, at, c);
  for (const event of commit.events) foldEvent(working, event, at, c);
  for (const day of c.touched) (projection.days.get(day) as DayModel).through = commit.version;
  working.version = commit.version;
  working.lastAt = at;
  working.since ??= localDayHour(at, working.timezone).day;
  forgetOldVisits(working, at);
  return c.touched;
}

/** One commit's counting: the cells of the days its events count into. */
class Counting {
  /** The days changed. */
  readonly touched = new Set<string>();

  constructor(
    private readonly projection: Projection,
    private readonly version: number,
    private readonly at: number,
  ) {}

  /** The model of `day`, to change; undefined if it was folded past this commit. */
  private modelOf(day: string): DayModel | undefined {
    let model = this.projection.days.get(day);
    if (!model) {
      model = { day, through: 0, cells: {} };
      this.projection.days.set(day, model);
    }
    // Counted into this day before its cursor was saved.
    if (model.through >= this.version) return undefined;
    this.touched.add(day);
    return model;
  }

  /** The counters of the cell of `visit` (its topic, language, channel) and `associateId`. */
  count(
    visit: TrackedVisit | undefined,
    associateId: string | undefined,
    when = this.at,
  ): Counters {
    const { day, hour } = localDayHour(when, this.projection.working.timezone);
    const model = this.modelOf(day);
    // A throwaway cell.
    if (!model) return {};
    const key = `${hour}|${visit?.topicId ?? ""}|${visit?.language ?? ""}|${associateId ?? ""}|${visit?.channel ?? ""}`;
    let cell = model.cells[key];
    if (!cell) {
      cell = {};
      model.cells[key] = cell;
    }
    return cell;
  }
}

/**
 * The store-local days folding `commit` may change, so the projector has them in hand: the
 * commit's own, the days a signing out closes staffed time over, and, when the commit starts a
 * new day, the days every open session spans.
 */
export function daysNeeded(working: Working, commit: Commit<DomainEvent>): string[] {
  const zone = working.timezone;
  const days = new Set([localDayHour(commit.at, zone).day]);
  if (commit.at >= working.dayEnds)
    for (const since of working.signedIn.values()) addSpanned(days, since, commit.at, zone);
  for (const e of commit.events) {
    const signingOut =
      e.type === "associate:signed-out" ||
      e.type === "associate:removed" ||
      (e.type === "associate:presence-changed" && e.presence === "offline");
    const since = signingOut ? working.signedIn.get(e.associateId) : undefined;
    if (since !== undefined) addSpanned(days, since, commit.at, zone);
  }
  return [...days];
}

/** Adds the store-local days from `since` up to `until` to `days`. */
function addSpanned(days: Set<string>, since: number, until: number, zone: string): void {
  for (let t = since; t < until; t += STAFFED_STEP_MS) days.add(localDayHour(t, zone).day);
}

/** Staffed time is split at every quarter hour (UTC), so it lands in the right local hour. */
const STAFFED_STEP_MS = 15 * 60_000;

/** Counts `associateId`'s signed-in time from `since` to `until` into the hours it fell in. */
function countStaffed(c: Counting, associateId: string, since: number, until: number): void {
  for (let from = since; from < until; ) {
    const to = Math.min(until, from - (from % STAFFED_STEP_MS) + STAFFED_STEP_MS);
    bump(c.count(undefined, associateId, from), "staffed.ms", to - from);
    from = to;
  }
}

/**
 * A commit on a later store-local day than the one before: each open session's time up to the
 * day's local midnight is counted, and it goes on from there, so a day is complete once the
 * next has begun (a tablet never signed out included).
 */
function startDay(w: Working, at: number, c: Counting): void {
  const { start, end } = localDayBounds(at, w.timezone);
  w.dayEnds = end;
  for (const [associateId, since] of w.signedIn)
    if (since < start) {
      countStaffed(c, associateId, since, start);
      w.signedIn.set(associateId, start);
    }
}

/**
 * The time of the sessions still open, from where it is counted up to `now`, as day models
 * (store-local days, hours as folded): what a read adds to the saved days, never saved itself.
 */
export function openStaffed(working: Working, now: number): DayModel[] {
  const projection: Projection = { working, days: new Map() };
  const c = new Counting(projection, 1, now);
  for (const [associateId, since] of working.signedIn) countStaffed(c, associateId, since, now);
  return [...projection.days.values()];
}

function signIn(w: Working, associateId: string, at: number): void {
  if (!w.signedIn.has(associateId)) w.signedIn.set(associateId, at);
}

function signOut(w: Working, associateId: string, at: number, c: Counting): void {
  const since = w.signedIn.get(associateId);
  if (since === undefined) return;
  w.signedIn.delete(associateId);
  countStaffed(c, associateId, since, at);
}

function foldEvent(w: Working, e: DomainEvent, at: number, c: Counting): void {
  switch (e.type) {
    case "store:created":
    case "store:settings-changed":
      w.timezone = e.settings.timezone;
      // Midnight moves with the zone: the next commit finds it again.
      w.dayEnds = 0;
      return;
    case "associate:registered":
      w.names.set(e.associateId, e.name);
      return;
    case "associate:signed-in":
    case "associate:presence-changed":
      if (e.presence === "offline") signOut(w, e.associateId, at, c);
      else signIn(w, e.associateId, at);
      return;
    case "associate:signed-out":
    case "associate:removed":
      signOut(w, e.associateId, at, c);
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
      if (e.holdUntil === undefined) bump(c.count(visit, undefined), `arrivals.${e.channel}`);
      else bump(c.count(visit, undefined), "callAheads");
      return;
    }
    case "visit:arrived": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      visit.presentSince = at;
      bump(c.count(visit, undefined), `arrivals.${visit.channel}`);
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
      const counters = c.count(visit, offer.associateId);
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
          c.count(w.visits.get(offer.visitId), offer.associateId),
          `declines.${declineReason(e.reason)}`,
        );
      return;
    }
    case "offer:expired": {
      const offer = w.offers.get(e.offerId);
      w.offers.delete(e.offerId);
      if (offer) bump(c.count(w.visits.get(offer.visitId), offer.associateId), "offerExpiries");
      return;
    }
    case "offer:withdrawn":
      w.offers.delete(e.offerId);
      return;
    case "visit:completed": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      const counters = c.count(visit, visit.associateId);
      if (e.outcome === "no_show") bump(counters, "noShows");
      else {
        bump(counters, "served");
        bump(counters, `outcome.${e.outcome}`);
        visit.outcome = e.outcome;
        if (visit.servingSince !== undefined) observe(counters, "service", at - visit.servingSince);
      }
      if (visit.associateId) w.wrapUps.set(visit.associateId, at);
      close(w, e.visitId, visit, at);
      return;
    }
    case "visit:no-show-undone": {
      const visit = w.closed.get(e.visitId);
      if (!visit) return;
      bump(c.count(visit, visit.associateId), "noShowsUndone");
      w.closed.delete(e.visitId);
      w.visits.set(e.visitId, visit);
      visit.closedAt = undefined;
      visit.outcome = undefined;
      if (!e.serving) visit.servingSince = undefined;
      return;
    }
    case "associate:wrap-up-ended": {
      const since = w.wrapUps.get(e.associateId);
      w.wrapUps.delete(e.associateId);
      if (since !== undefined) observe(c.count(undefined, e.associateId), "wrapUp", at - since);
      return;
    }
    case "visit:transferred": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      bump(c.count(visit, visit.associateId), "transfers");
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
      bump(c.count(visit, undefined), visit.offered ? "left.afterOffer" : "left.beforeOffer");
      close(w, e.visitId, visit, at);
      return;
    }
    case "visit:expired": {
      const visit = w.visits.get(e.visitId);
      if (!visit) return;
      bump(c.count(visit, undefined), "callAheadsExpired");
      close(w, e.visitId, visit, at);
      return;
    }
    case "feedback:given": {
      const visit = w.closed.get(e.visitId) ?? w.visits.get(e.visitId);
      if (!visit) return;
      const counters = c.count(visit, visit.associateId);
      bump(counters, `satisfaction.${e.satisfaction}`);
      // Outcome against satisfaction: "resolved" that the customer says was not is a dispute.
      if (visit.outcome) bump(counters, `satisfaction.${visit.outcome}.${e.satisfaction}`);
      if (e.kudos) bump(counters, "kudos");
      return;
    }
    case "alert:raised":
      if (e.kind === "manager_called")
        bump(
          c.count(
            e.visitId ? (w.visits.get(e.visitId) ?? w.closed.get(e.visitId)) : undefined,
            e.associateId,
          ),
          "managerCalls",
        );
      return;
    default:
      return;
  }
}

/** A closed visit is kept for its feedback, behind those closed before it. */
function close(w: Working, visitId: string, visit: TrackedVisit, at: number): void {
  visit.closedAt = at;
  w.visits.delete(visitId);
  w.closed.set(visitId, visit);
}

/** What the fold remembers of a visit the store's state holds. */
export function trackedOf(v: Visit): TrackedVisit {
  return {
    topicId: v.topicId,
    language: v.language ?? "",
    channel: v.channel,
    presentSince: v.presentSince,
    offered: v.offerId !== undefined || v.associateId !== undefined,
    waited: v.servingSince !== undefined,
    quote: v.quotes.at(-1),
    associateId: v.status === "serving" || v.closedAt !== undefined ? v.associateId : undefined,
    servingSince: v.servingSince,
    closedAt: v.closedAt,
    outcome: v.outcome === "no_show" ? undefined : v.outcome,
  };
}

/**
 * Puts the visits the store closed within the feedback memory of the cursor (`lastAt`) back into
 * the fold's memory after its cursor was loaded (they are not saved with it): the store's state
 * keeps every closed visit that may still get feedback. Those closed after the cursor are
 * folded from the log as it goes on.
 */
export function restoreClosed(working: Working, state: StoreState): void {
  const closed: Array<[string, TrackedVisit]> = [];
  for (const v of state.closed.values())
    if (
      v.closedAt !== undefined &&
      v.closedAt <= working.lastAt &&
      working.lastAt - v.closedAt < FEEDBACK_MEMORY_MS &&
      !working.closed.has(v.id)
    )
      closed.push([v.id, trackedOf(v)]);
  closed.sort(([, a], [, b]) => (a.closedAt as number) - (b.closedAt as number));
  for (const [visitId, visit] of closed) working.closed.set(visitId, visit);
}

/** Forgets closed visits past the feedback memory: the oldest first, so this stops at once. */
function forgetOldVisits(w: Working, at: number): void {
  for (const [visitId, visit] of w.closed) {
    if (at - (visit.closedAt ?? 0) < FEEDBACK_MEMORY_MS) return;
    w.closed.delete(visitId);
  }
}
