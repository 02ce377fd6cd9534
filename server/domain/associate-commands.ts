import type { CommandOf, Presence } from "../../shared/commands.js";
import { notAllowed } from "./customer-commands.js";
import { type Draft, type Reply, fail, requireAssociate, requireVisit } from "./draft.js";
import { topicOf } from "./settings-view.js";
import type { Associate, Offer, Visit } from "./state.js";

/** Associate-side commands: sign-in, presence, tablet link, offers, ending and handing on visits. */

export function signIn(d: Draft, c: CommandOf<"associate:sign-in">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  const presence = c.presence ?? "available";
  if (presence === "offline") fail("INVALID_COMMAND", "Sign in as available or away.");
  if (presence === "away") withdrawOfferOf(d, a, "associate_away");
  d.emit({ type: "associate:signed-in", associateId: a.id, presence });
  return { associateId: a.id };
}

export function signOut(d: Draft, c: CommandOf<"associate:sign-out">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  if (a.visitId !== undefined) busy(a);
  if (a.presence === "offline" && !a.connected) return { associateId: a.id };
  withdrawOfferOf(d, a, "associate_away");
  d.emit({ type: "associate:signed-out", associateId: a.id });
  return { associateId: a.id };
}

export function setPresence(d: Draft, c: CommandOf<"associate:set-presence">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  if (a.presence === c.presence) return { associateId: a.id };
  // "Offline" on a tablet that is still signed in (connected) is not a sign-out: they may come
  // back to "available" from it. Signed out (no tablet), they sign in again.
  if (a.presence === "offline" && !a.connected) fail("NOT_SIGNED_IN", "Sign in first.");
  if (c.presence === "offline" && a.visitId !== undefined) busy(a);
  if (c.presence !== "available") withdrawOfferOf(d, a, "associate_away");
  d.emit({
    type: "associate:presence-changed",
    associateId: a.id,
    presence: c.presence as Presence,
  });
  return { associateId: a.id };
}

export function tabletConnected(d: Draft, c: CommandOf<"tablet:connected">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  if (!a.connected || a.connectionLost) d.emit({ type: "tablet:connected", associateId: a.id });
  return { associateId: a.id };
}

export function tabletDisconnected(d: Draft, c: CommandOf<"tablet:disconnected">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  if (a.connected) d.emit({ type: "tablet:disconnected", associateId: a.id });
  return { associateId: a.id };
}

export function acceptOffer(d: Draft, c: CommandOf<"offer:accept">): Reply {
  const offer = pendingOfferFor(d, c.associateId, c.offerId);
  d.emit({ type: "offer:accepted", offerId: offer.id });
  return { offerId: offer.id, visitId: offer.visitId };
}

export function declineOffer(d: Draft, c: CommandOf<"offer:decline">): Reply {
  const offer = pendingOfferFor(d, c.associateId, c.offerId);
  d.emit({ type: "offer:declined", offerId: offer.id, reason: c.reason });
  return { offerId: offer.id, visitId: offer.visitId };
}

export function complete(d: Draft, c: CommandOf<"visit:complete">): Reply {
  const visit = servedBy(d, c.associateId, c.visitId);
  d.emit({ type: "visit:completed", visitId: visit.id, outcome: c.outcome, note: c.note });
  return { visitId: visit.id };
}

export function noShow(d: Draft, c: CommandOf<"visit:no-show">): Reply {
  const visit = servedBy(d, c.associateId, c.visitId);
  d.emit({ type: "visit:completed", visitId: visit.id, outcome: "no_show", note: "" });
  return { visitId: visit.id, undoUntil: d.at + NO_SHOW_UNDO_MS };
}

/** How long after a no-show its associate may take it back. */
export const NO_SHOW_UNDO_MS = 60_000;

/**
 * The customer turned up after all: within NO_SHOW_UNDO_MS the associate who recorded the
 * no-show reopens the visit. They serve it again if they hold nothing else and are not offline
 * (a wrap-up ends); otherwise it goes back to its place in line.
 */
export function undoNoShow(d: Draft, c: CommandOf<"visit:undo-no-show">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  if (d.state.visits.has(c.visitId)) fail("INVALID_TRANSITION", "That visit is still open.");
  const visit =
    d.state.closed.get(c.visitId) ?? fail("VISIT_NOT_FOUND", `There is no visit ${c.visitId}.`);
  if (visit.outcome !== "no_show")
    fail("INVALID_TRANSITION", `Visit ${visit.code} did not end as a no-show.`);
  if (visit.associateId !== a.id)
    fail("NOT_SERVING", `Only the associate who recorded ${visit.code}'s no-show may undo it.`);
  if ((visit.closedAt ?? 0) + NO_SHOW_UNDO_MS < d.at)
    fail("UNDO_EXPIRED", `The no-show of ${visit.code} can no longer be undone.`);
  // Back with them only if they hold nobody else and are on the floor (not offline).
  const serving = a.offerId === undefined && a.visitId === undefined && a.presence !== "offline";
  d.emit({ type: "visit:no-show-undone", visitId: visit.id, serving });
  return { visitId: visit.id, status: serving ? "serving" : "waiting" };
}

/** "Ready now": ends the associate's own wrap-up early (nothing to do when not wrapping up). */
export function endWrapUp(d: Draft, c: CommandOf<"associate:end-wrap-up">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  if (a.wrapUpUntil !== undefined) d.emit({ type: "associate:wrap-up-ended", associateId: a.id });
  return { associateId: a.id };
}

/**
 * Staff bring a browsing customer back into the line (the customer without a phone, at the
 * counter): as the customer's own resume, recording who did it.
 */
export function bringBack(d: Draft, c: CommandOf<"visit:bring-back">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  const visit = requireVisit(d.state, c.visitId);
  if (visit.status !== "waiting") notAllowed(visit, "bring back");
  if (visit.paused) d.emit({ type: "visit:resumed", visitId: visit.id, by: a.id });
  return { visitId: visit.id };
}

export function transfer(d: Draft, c: CommandOf<"visit:transfer">): Reply {
  if ((c.toTopicId === undefined) === (c.toAssociateId === undefined)) {
    fail("INVALID_COMMAND", "Transfer to a topic or to a colleague, not both and not neither.");
  }
  const visit = servedBy(d, c.associateId, c.visitId);
  if (c.toTopicId !== undefined && !topicOf(d.state, c.toTopicId)) {
    fail("UNKNOWN_TOPIC", `There is no topic ${c.toTopicId}.`);
  }
  if (c.toAssociateId !== undefined) {
    requireAssociate(d.state, c.toAssociateId);
    if (c.toAssociateId === c.associateId)
      fail("INVALID_COMMAND", "Transfer to a colleague, not to yourself.");
  }
  d.emit({
    type: "visit:transferred",
    visitId: visit.id,
    toTopicId: c.toTopicId,
    toAssociateId: c.toAssociateId,
    note: c.note,
  });
  return { visitId: visit.id };
}

export function callManager(d: Draft, c: CommandOf<"manager:call">): Reply {
  const a = requireAssociate(d.state, c.associateId);
  if (c.visitId !== undefined) requireVisit(d.state, c.visitId);
  const alertId = `a-${d.state.alertSeq + 1}`;
  d.emit({
    type: "alert:raised",
    alertId,
    kind: "manager_called",
    visitId: c.visitId,
    associateId: a.id,
    note: c.note,
  });
  return { alertId };
}

/** Withdraws the offer `a` holds, if any; the visit goes back to its place. */
export function withdrawOfferOf(
  d: Draft,
  a: Associate,
  reason: "associate_away" | "connection_lost",
): void {
  const current = d.state.associates.get(a.id);
  if (current?.offerId !== undefined)
    d.emit({ type: "offer:withdrawn", offerId: current.offerId, reason });
}

function pendingOfferFor(d: Draft, associateId: string, offerId: string): Offer {
  requireAssociate(d.state, associateId);
  const offer =
    d.state.offers.get(offerId) ??
    fail(
      "OFFER_NOT_PENDING",
      "That offer is no longer open: it was answered, withdrawn or expired.",
    );
  if (offer.associateId !== associateId)
    fail("OFFER_NOT_YOURS", "That offer was made to someone else.");
  return offer;
}

function servedBy(d: Draft, associateId: string, visitId: string): Visit {
  requireAssociate(d.state, associateId);
  const visit = d.state.visits.get(visitId);
  if (!visit) {
    if (d.state.closed.has(visitId)) fail("NOT_SERVING", "That visit has already ended.");
    return fail("VISIT_NOT_FOUND", `There is no visit ${visitId}.`);
  }
  if (visit.status !== "serving" || visit.associateId !== associateId) {
    fail("NOT_SERVING", `You are not serving visit ${visit.code}.`);
  }
  return visit;
}

function busy(a: Associate): never {
  return fail(
    "ASSOCIATE_BUSY",
    `${a.name} is serving a customer; complete or transfer the visit first.`,
  );
}
