import type { Draft } from "./draft.js";
import type { Alert, StoreState } from "./state.js";

/** Offer expiries in a row after which a manager is alerted. */
export const EXPIRIES_BEFORE_ALERT = 2;

/**
 * Whether what raised an alert is over, so the alert no longer asks anything of a manager:
 *
 * - `tablet_dropped`: the tablet is back (or the associate signed out, or was removed);
 * - `sla`, `declined_by_all`: the visit is being served, or it ended;
 * - `manager_called`: the visit it was about ended (a call about no visit waits for a manager);
 * - `offer_expired_repeatedly`: the associate accepted an offer since (the count of expiries in
 *   a row starts again), or went offline, or was removed;
 * - `follow_up_needed`: a manager followed the visit up (or retention let the entry go).
 */
export function causeGone(state: StoreState, alert: Alert): boolean {
  const visit = alert.visitId === undefined ? undefined : state.visits.get(alert.visitId);
  const a = alert.associateId === undefined ? undefined : state.associates.get(alert.associateId);
  switch (alert.kind) {
    case "tablet_dropped":
      return !a || a.connected || a.presence === "offline";
    case "sla":
    case "declined_by_all":
      return !visit || visit.status === "serving";
    case "manager_called":
      return alert.visitId !== undefined && !visit;
    case "offer_expired_repeatedly":
      return !a || a.presence === "offline" || a.expiredOffersInRow < EXPIRIES_BEFORE_ALERT;
    case "follow_up_needed": {
      const followUp = alert.visitId === undefined ? undefined : state.followUps.get(alert.visitId);
      return !followUp || followUp.done !== undefined;
    }
  }
}

/**
 * Closes every open alert whose cause is gone (`alert:resolved`, reason `cause_gone`), so the
 * console never shows what is no longer true. Run after each command's own events.
 */
export function clearStaleAlerts(d: Draft): void {
  if (d.events.length === 0 || d.state.alerts.size === 0) return;
  // A follow-up's alert waits for a manager, maybe for weeks, and only a follow-up or retention
  // ends its cause: looking at each of them at every command made a store whose managers let
  // them pile up slower with every one (2,000 open: 2.7 ms a command instead of 0.2).
  const followUpsMoved = d.events.some(
    (e) => e.type === "visit:followed-up" || e.type === "data:expired",
  );
  const state = d.state;
  const alerts = followUpsMoved ? [...state.alerts.values()] : othersThanFollowUps(state.alerts);
  for (const alert of alerts)
    if (causeGone(state, alert))
      d.emit({ type: "alert:resolved", alertId: alert.id, reason: "cause_gone" });
}

/**
 * The open alerts other than follow-ups', worked out once per alerts map (most commands leave
 * it as it was, and walking a persistent map costs more than the checks).
 */
const withoutFollowUps = new WeakMap<StoreState["alerts"], Alert[]>();
function othersThanFollowUps(alerts: StoreState["alerts"]): Alert[] {
  let list = withoutFollowUps.get(alerts);
  if (!list) {
    list = [...alerts.values()].filter((a) => a.kind !== "follow_up_needed");
    withoutFollowUps.set(alerts, list);
  }
  return list;
}

/** What a manager can usefully do about an alert now, in the order the console offers it. */
export type AlertAction = "serve_next" | "bring_back" | "reassign" | "open_follow_up" | "resolve";

export function alertActions(state: StoreState, alert: Alert): AlertAction[] {
  // A disputed resolution's visit has ended: what is left to do is to follow it up.
  if (alert.kind === "follow_up_needed") return ["open_follow_up", "resolve"];
  const visit = alert.visitId === undefined ? undefined : state.visits.get(alert.visitId);
  const actions: AlertAction[] = [];
  if (visit && (visit.status === "waiting" || visit.status === "offered")) {
    if (visit.paused) actions.push("bring_back");
    if (visit.priority < 9) actions.push("serve_next");
  }
  if (visit && visit.status !== "expected" && alert.kind !== "manager_called")
    actions.push("reassign");
  actions.push("resolve");
  return actions;
}
