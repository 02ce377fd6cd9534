import type { Command } from "../../shared/commands.js";
import { type ErrorBody, isAppError } from "../../shared/errors.js";
import { clearStaleAlerts } from "./alert-rules.js";
import { declinedByAllWhoCould, matchesToOffer } from "./assignment.js";
import * as associate from "./associate-commands.js";
import * as customer from "./customer-commands.js";
import { Draft, type Reply, fail } from "./draft.js";
import type { DomainEvent } from "./events.js";
import { sealCommit } from "./evolve.js";
import { markFollowedUp } from "./follow-ups.js";
import * as manager from "./manager-commands.js";
import { offerTimeoutMs } from "./settings-view.js";
import type { StoreState } from "./state.js";
import { fireDueTimers, raise } from "./timer-rules.js";

export type Decision =
  | {
      ok: true;
      /**
       * Empty when the command changes nothing (a no-op is not an error). A no-op client
       * command is still committed, at version + 1, so a retry of it answers the same and
       * changes nothing later; a tick that fires nothing is not (`recorded` false).
       */
      events: DomainEvent[];
      recorded: boolean;
      reply: Reply;
      /** The time the command took effect: `now`, or the store's clock if that is later. */
      at: number;
      /** The state once this is committed at version + 1 (unchanged if not recorded). */
      state: StoreState;
    }
  | { ok: false; error: ErrorBody };

/**
 * The engine: what `command` does to `state` at time `now`. Pure: no I/O, no clock, no
 * randomness. First every timer due by `now` fires, so the outcome never depends on how late
 * a tick ran; then the command; then offers are made until no free associate and offerable
 * visit that match are left (a fixed point). A refused command yields an error and no events.
 */
export function decide(state: StoreState, command: Command, now: number): Decision {
  const at = Math.max(now, state.clock);
  const draft = new Draft(state, at);
  try {
    if (!state.created && command.type !== "store:create") {
      if (command.type === "tick") {
        return { ok: true, events: [], recorded: false, reply: {}, at, state };
      }
      fail("STORE_NOT_FOUND", `There is no store ${state.storeId}.`);
    }
    if (state.nextDeadline !== null && state.nextDeadline <= at) fireDueTimers(draft);
    const reply = handle(draft, command);
    // New limits may make timers due at once (a shorter retention, offer timeout, SLA...).
    if (command.type === "store:update-settings" && draft.state.nextDeadline !== null) {
      if (draft.state.nextDeadline <= at) fireDueTimers(draft);
    }
    clearStaleAlerts(draft);
    widenDeclined(draft);
    makeOffers(draft);
    if (draft.events.length === 0 && command.type === "tick") {
      return { ok: true, events: [], recorded: false, reply, at, state };
    }
    return {
      ok: true,
      events: draft.events,
      recorded: true,
      reply,
      at,
      state: sealCommit(draft.state, state.version + 1, at),
    };
  } catch (error) {
    if (isAppError(error)) return { ok: false, error: error.toBody() };
    throw error;
  }
}

/** Events after which a visit's decliners may be all the help it has left. */
const MAY_LEAVE_ONLY_DECLINERS = new Set<DomainEvent["type"]>([
  "offer:declined",
  "offer:expired",
  "visit:transferred",
  "visit:reassigned",
  "associate:signed-in",
  "associate:signed-out",
  "associate:presence-changed",
  "associate:connection-lost",
  // A decliner back in reach may leave only decliners available (who could serve the visit).
  "tablet:connected",
  "associate:removed",
  "associate:registered",
  "store:settings-changed",
]);

/**
 * "Not me, not now": a visit that every available associate who could serve it has declined
 * widens at once to anyone else available (no waiting for its timer), and the managers hear of it.
 */
function widenDeclined(d: Draft): void {
  if (!d.events.some((e) => MAY_LEAVE_ONLY_DECLINERS.has(e.type))) return;
  for (const v of d.state.visits.values()) {
    if ((v.status !== "waiting" && v.status !== "offered") || !declinedByAllWhoCould(d.state, v))
      continue;
    d.emit({ type: "visit:widened", visitId: v.id });
    raise(
      d,
      "declined_by_all",
      v.id,
      undefined,
      `${v.code} was declined by everyone who can serve it`,
    );
  }
}

function makeOffers(d: Draft): void {
  const timeout = offerTimeoutMs(d.state);
  for (const { visit, associate: a } of matchesToOffer(d.state)) {
    d.emit({
      type: "offer:created",
      offerId: `o-${d.state.offerSeq + 1}`,
      visitId: visit.id,
      associateId: a.id,
      deadline: d.at + timeout,
    });
  }
}

function handle(d: Draft, c: Command): Reply {
  switch (c.type) {
    case "store:create":
      return manager.createStore(d, c);
    case "store:update-settings":
      return manager.updateSettings(d, c);
    case "intake:pause":
      return manager.pauseIntake(d, c);
    case "intake:resume":
      return manager.resumeIntake(d, c);
    case "associate:register":
      return manager.registerAssociate(d, c);
    case "associate:remove":
      return manager.removeAssociate(d, c);
    case "visit:reassign":
      return manager.reassign(d, c);
    case "visit:set-priority":
      return manager.setPriority(d, c);
    case "alert:resolve":
      return manager.resolveAlert(d, c);
    case "follow-up:done":
      return markFollowedUp(d, c);
    case "visit:check-in":
      return customer.checkIn(d, c);
    case "visit:arrive":
      return customer.arrive(d, c);
    case "visit:pause":
      return customer.pause(d, c);
    case "visit:resume":
      return customer.resume(d, c);
    case "visit:resume-by-code":
      return customer.resumeByCode(d, c);
    case "visit:bring-back":
      return associate.bringBack(d, c);
    case "visit:leave":
      return customer.leave(d, c);
    case "feedback:give":
      return customer.giveFeedback(d, c);
    case "associate:sign-in":
      return associate.signIn(d, c);
    case "associate:sign-out":
      return associate.signOut(d, c);
    case "associate:set-presence":
      return associate.setPresence(d, c);
    case "tablet:connected":
      return associate.tabletConnected(d, c);
    case "tablet:disconnected":
      return associate.tabletDisconnected(d, c);
    case "offer:accept":
      return associate.acceptOffer(d, c);
    case "offer:decline":
      return associate.declineOffer(d, c);
    case "visit:complete":
      return associate.complete(d, c);
    case "visit:no-show":
      return associate.noShow(d, c);
    case "visit:undo-no-show":
      return associate.undoNoShow(d, c);
    case "associate:end-wrap-up":
      return associate.endWrapUp(d, c);
    case "visit:transfer":
      return associate.transfer(d, c);
    case "manager:call":
      return associate.callManager(d, c);
    case "tick":
      return {};
  }
}
