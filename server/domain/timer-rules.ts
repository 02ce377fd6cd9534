import { EXPIRIES_BEFORE_ALERT } from "./alert-rules.js";
import { withdrawOfferOf } from "./associate-commands.js";
import type { Draft } from "./draft.js";
import { type AlertKind, HOUR_MS } from "./state.js";
import { type Timer, dataExpiryAt, droppedAlertOf, dueTimers, timerId } from "./timers.js";

/**
 * Fires every timer due at the draft's time, in deadline order. Each timer is checked against
 * the state as earlier ones left it, so a timer made obsolete by another does nothing. A timer
 * may start another that is already due (a grace's alert starts the orphaned-visit timer, due
 * at once on a late tick): those fire too, until none is left, each timer once.
 */
export function fireDueTimers(d: Draft): void {
  const fired = new Set<string>();
  for (;;) {
    const due = dueTimers(d.state, d.at).filter((t) => !fired.has(timerKey(t)));
    if (due.length === 0) return;
    for (const timer of due) {
      fired.add(timerKey(timer));
      fire(d, timer);
    }
  }
}

const timerKey = (t: Timer): string => `${t.kind}/${timerId(t)}/${t.at}`;

function fire(d: Draft, t: Timer): void {
  const s = d.state;
  switch (t.kind) {
    case "offer-expiry": {
      const offer = s.offers.get(t.offerId);
      if (!offer) return;
      d.emit({ type: "offer:expired", offerId: offer.id });
      const a = d.state.associates.get(offer.associateId);
      if (a && a.expiredOffersInRow >= EXPIRIES_BEFORE_ALERT) {
        raise(
          d,
          "offer_expired_repeatedly",
          undefined,
          a.id,
          `${a.expiredOffersInRow} offers expired in a row`,
        );
      }
      return;
    }
    case "disconnect-grace": {
      const a = s.associates.get(t.associateId);
      if (!a || a.connected || a.connectionLost) return;
      withdrawOfferOf(d, a, "connection_lost");
      d.emit({ type: "associate:connection-lost", associateId: a.id });
      raise(d, "tablet_dropped", a.visitId, a.id, `${a.name}'s tablet lost its connection`);
      return;
    }
    case "orphaned-visit": {
      // Serving on a tablet that stayed gone, and no manager acted: the visit goes back to
      // its place in line for anyone else, and the associate is away until they say otherwise.
      const a = s.associates.get(t.associateId);
      const alert = a && droppedAlertOf(s, a);
      if (!a || !alert || a.visitId === undefined) return;
      d.emit({
        type: "visit:reassigned",
        visitId: a.visitId,
        toAssociateId: undefined,
        fromAssociateId: a.id,
        reason: "tablet_lost",
      });
      if (a.presence === "available")
        d.emit({ type: "associate:presence-changed", associateId: a.id, presence: "away" });
      d.emit({ type: "alert:resolved", alertId: alert.id });
      return;
    }
    case "wrap-up":
      if (s.associates.get(t.associateId)?.wrapUpUntil !== undefined) {
        d.emit({ type: "associate:wrap-up-ended", associateId: t.associateId });
      }
      return;
    case "widening":
      if (s.visits.get(t.visitId)?.widened === false)
        d.emit({ type: "visit:widened", visitId: t.visitId });
      return;
    case "decline-cooldown":
      if (s.visits.get(t.visitId)?.declineCooldownUntil !== undefined)
        d.emit({ type: "visit:cooldown-ended", visitId: t.visitId });
      return;
    case "sla": {
      const v = s.visits.get(t.visitId);
      if (!v || v.slaBreached) return;
      d.emit({ type: "visit:sla-breached", visitId: v.id });
      raise(d, "sla", v.id, undefined, `${v.code} has waited past the limit`);
      return;
    }
    case "call-ahead-hold":
      if (s.visits.get(t.visitId)?.status === "expected")
        d.emit({ type: "visit:expired", visitId: t.visitId });
      return;
    case "data-expiry": {
      // Every hour whose time is up expires in one event, up to the end of the last of them.
      let before: number | undefined;
      for (const hour of s.logHours) {
        if (dataExpiryAt(s, hour) > d.at) break;
        before = hour + HOUR_MS;
      }
      if (before !== undefined) d.emit({ type: "data:expired", before });
      return;
    }
  }
}

export function raise(
  d: Draft,
  kind: AlertKind,
  visitId: string | undefined,
  associateId: string | undefined,
  note: string,
): void {
  d.emit({
    type: "alert:raised",
    alertId: `a-${d.state.alertSeq + 1}`,
    kind,
    visitId,
    associateId,
    note,
  });
}
