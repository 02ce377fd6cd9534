import { withdrawOfferOf } from "./associate-commands.js";
import type { Draft } from "./draft.js";
import type { AlertKind } from "./state.js";
import { type Timer, dueTimers } from "./timers.js";

/** Offer expiries in a row after which a manager is alerted. */
export const EXPIRIES_BEFORE_ALERT = 2;

/**
 * Fires every timer due at the draft's time, in deadline order. Each timer is checked against
 * the state as earlier ones left it, so a timer made obsolete by another does nothing.
 */
export function fireDueTimers(d: Draft): void {
  for (const timer of dueTimers(d.state, d.at)) fire(d, timer);
}

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
