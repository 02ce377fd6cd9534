import {
  disconnectGraceMs,
  orphanedVisitMs,
  retentionMs,
  skillOf,
  slaWaitMs,
  wideningMs,
} from "./settings-view.js";
import {
  type Alert,
  type Associate,
  HOUR_MS,
  type Offer,
  type StoreState,
  type Visit,
} from "./state.js";

/**
 * Every time-driven rule as a timer with a deadline. Timers are derived from state, never
 * stored: the next deadline is always recomputable, and tick(now) fires exactly those due.
 */
export type Timer =
  | { kind: "offer-expiry"; at: number; offerId: string }
  | { kind: "disconnect-grace"; at: number; associateId: string }
  | { kind: "orphaned-visit"; at: number; associateId: string }
  | { kind: "wrap-up"; at: number; associateId: string }
  | { kind: "widening"; at: number; visitId: string }
  | { kind: "decline-cooldown"; at: number; visitId: string }
  | { kind: "sla"; at: number; visitId: string }
  | { kind: "call-ahead-hold"; at: number; visitId: string }
  /** Retention: the log's oldest hour (`hour`, its start) has been kept long enough. */
  | { kind: "data-expiry"; at: number; hour: number };

type Push = (timer: Timer) => void;

export function offerTimers(offer: Offer, push: Push): void {
  push({ kind: "offer-expiry", at: offer.deadline, offerId: offer.id });
}

export function associateTimers(state: StoreState, a: Associate, push: Push): void {
  if (
    !a.connected &&
    !a.connectionLost &&
    a.disconnectedAt !== undefined &&
    a.presence !== "offline"
  ) {
    push({
      kind: "disconnect-grace",
      at: a.disconnectedAt + disconnectGraceMs(state),
      associateId: a.id,
    });
  }
  if (a.disconnectedAt !== undefined && droppedAlertOf(state, a) !== undefined) {
    push({
      kind: "orphaned-visit",
      at: a.disconnectedAt + Math.max(orphanedVisitMs(state), disconnectGraceMs(state)),
      associateId: a.id,
    });
  }
  if (a.wrapUpUntil !== undefined) push({ kind: "wrap-up", at: a.wrapUpUntil, associateId: a.id });
}

/**
 * The open "tablet dropped" alert about the visit `a` serves, raised for the tablet's current
 * drop; undefined if the tablet is back, they serve nobody, or a manager resolved the alert.
 * While it is open, the visit goes back to the line at the orphaned-visit timer. The alert is
 * raised only by a due timer, so that commit rescans every deadline and finds this one.
 */
export function droppedAlertOf(state: StoreState, a: Associate): Alert | undefined {
  if (a.connected || !a.connectionLost || a.visitId === undefined) return undefined;
  const since = a.disconnectedAt ?? Number.POSITIVE_INFINITY;
  for (const alert of state.alerts.values()) {
    if (
      alert.kind === "tablet_dropped" &&
      alert.associateId === a.id &&
      alert.visitId === a.visitId &&
      alert.at >= since
    )
      return alert;
  }
  return undefined;
}

export function visitTimers(state: StoreState, v: Visit, push: Push): void {
  if (v.status === "expected" && v.holdUntil !== undefined) {
    push({ kind: "call-ahead-hold", at: v.holdUntil, visitId: v.id });
  }
  if (v.status !== "waiting" && v.status !== "offered") return;
  if (!v.widened && v.waitingSince !== undefined) {
    push({
      kind: "widening",
      at: v.waitingSince + wideningMs(state, skillOf(state, v)),
      visitId: v.id,
    });
  }
  if (v.declineCooldownUntil !== undefined) {
    push({ kind: "decline-cooldown", at: v.declineCooldownUntil, visitId: v.id });
  }
  if (!v.slaBreached && !v.paused && v.presentSince !== undefined) {
    push({ kind: "sla", at: v.presentSince + slaWaitMs(state), visitId: v.id });
  }
}

/** When what was logged in the hour starting at `hour` expires. */
export const dataExpiryAt = (state: StoreState, hour: number): number =>
  hour + HOUR_MS + retentionMs(state);

/** Calls `push` with every pending timer of a store, in no particular order. */
export function forEachTimer(state: StoreState, push: Push): void {
  const hour = state.logHours.first();
  if (hour !== undefined) push({ kind: "data-expiry", at: dataExpiryAt(state, hour), hour });
  for (const offer of state.offers.values()) offerTimers(offer, push);
  for (const a of state.associates.values()) associateTimers(state, a, push);
  for (const v of state.visits.values()) visitTimers(state, v, push);
}

/** All pending timers of a store, in no particular order. */
export function pendingTimers(state: StoreState): Timer[] {
  const out: Timer[] = [];
  forEachTimer(state, (t) => out.push(t));
  return out;
}

/** The earliest pending timer of a store, or null: a full scan. */
export function computeNextDeadline(state: StoreState): number | null {
  let next = Number.POSITIVE_INFINITY;
  forEachTimer(state, (t) => {
    if (t.at < next) next = t.at;
  });
  return next === Number.POSITIVE_INFINITY ? null : next;
}

/** The earliest timer of one entity just written into the state (Infinity if none). */
export function earliestOf(each: (push: Push) => void): number {
  let next = Number.POSITIVE_INFINITY;
  each((t) => {
    if (t.at < next) next = t.at;
  });
  return next;
}

/**
 * When the store next needs a tick: never later than the earliest pending timer, possibly
 * earlier (a timer since removed). Kept up to date per change by evolve() without scanning the
 * line; made exact again by a full scan once it has passed. Null when nothing is pending.
 */
export const nextDeadline = (state: StoreState): number | null => state.nextDeadline;

const kindOrder: Record<Timer["kind"], number> = {
  "call-ahead-hold": 0,
  "disconnect-grace": 1,
  "orphaned-visit": 2,
  "offer-expiry": 3,
  "wrap-up": 4,
  widening: 5,
  "decline-cooldown": 6,
  sla: 7,
  "data-expiry": 8,
};

/** Timers due at `now`, in the order they fire: by deadline, then kind, then id. */
export function dueTimers(state: StoreState, now: number): Timer[] {
  return pendingTimers(state)
    .filter((t) => t.at <= now)
    .sort(
      (a, b) =>
        a.at - b.at ||
        kindOrder[a.kind] - kindOrder[b.kind] ||
        timerId(a).localeCompare(timerId(b)),
    );
}

/** The offer, associate or visit a timer is about. */
export const timerId = (t: Timer): string =>
  "offerId" in t
    ? t.offerId
    : "associateId" in t
      ? t.associateId
      : "visitId" in t
        ? t.visitId
        : String(t.hour);
