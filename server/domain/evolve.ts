import type { DomainEvent } from "./events.js";
import { declineCooldownMs } from "./settings-view.js";
import type { Associate, ClosedStatus, Outcome, RecentOffer, StoreState, Visit } from "./state.js";
import { CLOSED_RETENTION_MS, HOUR_MS, RECENT_OFFERS_MS, measured, noStat } from "./state.js";
import {
  associateTimers,
  computeNextDeadline,
  dataExpiryAt,
  earliestOf,
  visitTimers,
} from "./timers.js";

/**
 * Applies one event. Pure and total: events are facts already checked by decide(), so nothing
 * here validates; a missing visit or associate named by an event is a bug and throws.
 */
export function evolve(state: StoreState, event: DomainEvent, at: number): StoreState {
  const kind = OFFER_OUTCOMES[event.type];
  const next = logged(applyEvent(state, event, at), event, at);
  return kind ? { ...next, recentOffers: next.recentOffers.push({ at, kind }) } : next;
}

/** Counts the hour of `at` in the log's hours (retention), unless the event only expires data. */
function logged(state: StoreState, event: DomainEvent, at: number): StoreState {
  const hour = at - (at % HOUR_MS);
  if (event.type === "data:expired" || state.logHours.last() === hour) return state;
  const first = state.logHours.isEmpty();
  return {
    ...state,
    logHours: state.logHours.push(hour),
    nextDeadline: first ? lower(state.nextDeadline, dataExpiryAt(state, hour)) : state.nextDeadline,
  };
}

/** Offer events counted in the manager's live stats (the last RECENT_OFFERS_MS). */
const OFFER_OUTCOMES: Partial<Record<DomainEvent["type"], RecentOffer["kind"]>> = {
  "offer:created": "created",
  "offer:accepted": "accepted",
  "offer:declined": "declined",
  "offer:expired": "expired",
};

function applyEvent(state: StoreState, event: DomainEvent, at: number): StoreState {
  switch (event.type) {
    case "store:created":
      return { ...state, created: true, settings: event.settings };
    case "store:settings-changed": {
      // Every limit may have moved: recompute the next deadline from scratch.
      const next = { ...state, settings: event.settings };
      return { ...next, nextDeadline: computeNextDeadline(next) };
    }
    case "intake:paused":
      return { ...state, intakeOpen: false };
    case "intake:resumed":
      return { ...state, intakeOpen: true };
    case "associate:registered": {
      const profile = {
        name: event.name,
        skills: event.skills,
        languages: event.languages,
        manager: event.manager,
      };
      const existing = state.associates.get(event.associateId);
      const associate: Associate = existing
        ? { ...existing, ...profile }
        : {
            id: event.associateId,
            ...profile,
            presence: "offline",
            connected: false,
            disconnectedAt: undefined,
            connectionLost: false,
            idleSince: at,
            offerId: undefined,
            visitId: undefined,
            wrapUpUntil: undefined,
            expiredOffersInRow: 0,
          };
      return putAssociate(state, associate);
    }
    case "associate:removed": {
      const id = event.associateId;
      const visits = state.visits.map((v) =>
        v.targetAssociateId === id ? { ...v, targetAssociateId: undefined } : v,
      );
      return { ...state, associates: state.associates.delete(id), visits };
    }
    case "associate:signed-in":
      return updateAssociate(state, event.associateId, (a) => ({
        ...withPresence(a, event.presence, at),
        awayReason: undefined,
        connected: true,
        disconnectedAt: undefined,
        connectionLost: false,
      }));
    case "associate:signed-out":
      return updateAssociate(state, event.associateId, (a) => ({
        ...withPresence(a, "offline", at),
        connected: false,
        disconnectedAt: undefined,
        connectionLost: false,
      }));
    case "associate:presence-changed":
      return updateAssociate(state, event.associateId, (a) => withPresence(a, event.presence, at));
    case "tablet:connected":
      return updateAssociate(state, event.associateId, (a) => ({
        ...a,
        connected: true,
        disconnectedAt: undefined,
        connectionLost: false,
      }));
    case "tablet:disconnected":
      return updateAssociate(state, event.associateId, (a) => ({
        ...a,
        connected: false,
        disconnectedAt: at,
      }));
    case "associate:connection-lost":
      return updateAssociate(state, event.associateId, (a) => ({ ...a, connectionLost: true }));
    case "associate:wrap-up-ended":
      // Idle since the wrap-up's end, or since now when they said "ready now" before it.
      return updateAssociate(state, event.associateId, (a) => ({
        ...a,
        wrapUpUntil: undefined,
        idleSince: Math.min(a.wrapUpUntil ?? at, at),
      }));
    case "visit:checked-in": {
      const expected = event.holdUntil !== undefined;
      const seq = state.visitSeq + 1;
      const visit: Visit = {
        id: event.visitId,
        code: event.code,
        token: event.token,
        topicId: event.topicId,
        name: event.name,
        language: event.language,
        note: event.note,
        channel: event.channel,
        status: expected ? "expected" : "waiting",
        priority: 0,
        seq,
        checkedInAt: at,
        queuedAt: at,
        presentSince: expected ? undefined : at,
        waitingSince: expected ? undefined : at,
        holdUntil: event.holdUntil,
        paused: false,
        widened: false,
        slaBreached: false,
        targetAssociateId: undefined,
        declinedBy: [],
        declineCooldownUntil: undefined,
        offerId: undefined,
        associateId: undefined,
        servingSince: undefined,
        notes: [],
        outcome: undefined,
        closedAt: undefined,
        feedback: undefined,
        quotes: [],
        named: [],
      };
      const letter = event.code.charAt(0);
      const counters =
        state.codeDay === event.codeDay ? state.codeCounters : state.codeCounters.clear();
      return {
        ...state,
        visitSeq: seq,
        visits: state.visits.set(visit.id, visit),
        nextDeadline: lower(
          state.nextDeadline,
          earliestOf((push) => visitTimers(state, visit, push)),
        ),
        tokens: state.tokens.set(visit.token, visit.id),
        codeDay: event.codeDay,
        codeCounters: counters.set(letter, event.codeNumber),
      };
    }
    case "visit:arrived":
      return updateVisit(state, event.visitId, (v) => ({
        ...v,
        status: "waiting",
        presentSince: at,
        waitingSince: at,
        holdUntil: undefined,
      }));
    case "visit:paused":
      return updateVisit(state, event.visitId, (v) => ({ ...v, paused: true }));
    case "visit:resumed":
      return updateVisit(state, event.visitId, (v) => ({ ...v, paused: false }));
    case "visit:left":
      return closeVisit(state, event.visitId, "left", undefined, at);
    case "visit:expired":
      return closeVisit(state, event.visitId, "expired", undefined, at);
    case "visit:widened":
      return updateVisit(state, event.visitId, (v) => ({ ...v, widened: true }));
    case "visit:cooldown-ended":
      return updateVisit(state, event.visitId, (v) => ({ ...v, declineCooldownUntil: undefined }));
    case "visit:quoted":
      return updateVisit(state, event.visitId, (v) => ({
        ...v,
        quotes: [...v.quotes, { at, lowMin: event.lowMin, highMin: event.highMin }],
      }));
    case "visit:sla-breached":
      return updateVisit(state, event.visitId, (v) => ({ ...v, slaBreached: true }));
    case "visit:priority-changed":
      return updateVisit(state, event.visitId, (v) => ({ ...v, priority: event.priority }));
    case "offer:created": {
      const offer = {
        id: event.offerId,
        visitId: event.visitId,
        associateId: event.associateId,
        createdAt: at,
        deadline: event.deadline,
      };
      const next = {
        ...state,
        offerSeq: state.offerSeq + 1,
        offers: state.offers.set(offer.id, offer),
        nextDeadline: lower(state.nextDeadline, offer.deadline),
      };
      const withVisit = updateVisit(next, offer.visitId, (v) => ({
        ...v,
        status: "offered",
        offerId: offer.id,
        associateId: offer.associateId,
      }));
      return updateAssociate(withVisit, offer.associateId, (a) => ({ ...a, offerId: offer.id }));
    }
    case "offer:accepted": {
      const offer = mustGet(state.offers.get(event.offerId), event.offerId);
      const next = {
        ...state,
        offers: state.offers.delete(offer.id),
        acceptStat: measured(state.acceptStat, at - offer.createdAt),
      };
      const withVisit = updateVisit(next, offer.visitId, (v) => ({
        ...v,
        status: "serving",
        offerId: undefined,
        servingSince: at,
        named: v.named.at(-1) === offer.associateId ? v.named : [...v.named, offer.associateId],
      }));
      return updateAssociate(withVisit, offer.associateId, (a) => ({
        ...a,
        offerId: undefined,
        visitId: offer.visitId,
        expiredOffersInRow: 0,
      }));
    }
    case "offer:declined": {
      const offer = mustGet(state.offers.get(event.offerId), event.offerId);
      const next = endOffer(state, event.offerId, (a) => a, at);
      return updateVisit(next, offer.visitId, (v) => ({
        ...v,
        declineReasons: { ...v.declineReasons, [offer.associateId]: event.reason },
      }));
    }
    case "offer:expired":
      return endOffer(
        state,
        event.offerId,
        (a) => ({
          ...a,
          presence: "away",
          awayReason: "offer_expired",
          expiredOffersInRow: a.expiredOffersInRow + 1,
        }),
        undefined,
      );
    case "offer:withdrawn":
      return endOffer(state, event.offerId, (a) => a, undefined);
    case "visit:completed": {
      const visit = mustGet(state.visits.get(event.visitId), event.visitId);
      const associateId = mustGet(visit.associateId, `server of ${visit.id}`);
      const wrapUpMs = state.settings.wrapUpSec * 1000;
      let next = closeVisit(state, visit.id, "done", event.outcome, at);
      next = updateAssociate(next, associateId, (a) => ({
        ...a,
        visitId: undefined,
        wrapUpUntil: wrapUpMs > 0 ? at + wrapUpMs : undefined,
        idleSince: at + wrapUpMs,
      }));
      if (event.note) {
        next = {
          ...next,
          closed: next.closed.update(visit.id, (v) =>
            v ? { ...v, notes: [...v.notes, { at, by: associateId, text: event.note }] } : v,
          ),
        };
      }
      if (event.outcome !== "no_show" && visit.servingSince !== undefined) {
        const stat = state.serviceStats.get(visit.topicId) ?? noStat;
        next = {
          ...next,
          serviceStats: next.serviceStats.set(
            visit.topicId,
            measured(stat, at - visit.servingSince),
          ),
        };
      }
      return next;
    }
    case "visit:transferred": {
      const visit = mustGet(state.visits.get(event.visitId), event.visitId);
      const from = mustGet(visit.associateId, `server of ${visit.id}`);
      const next = updateVisit(state, visit.id, (v) => ({
        ...v,
        status: "waiting",
        topicId: event.toTopicId ?? v.topicId,
        targetAssociateId: event.toAssociateId,
        waitingSince: at,
        widened: false,
        declinedBy: [
          ...v.declinedBy.filter((id) => id !== event.toAssociateId && id !== from),
          from,
        ],
        declineCooldownUntil: at + declineCooldownMs(state),
        associateId: undefined,
        servingSince: undefined,
        notes: event.note ? [...v.notes, { at, by: from, text: event.note }] : v.notes,
      }));
      return updateAssociate(next, from, (a) => ({ ...a, visitId: undefined, idleSince: at }));
    }
    case "visit:reassigned": {
      const visit = mustGet(state.visits.get(event.visitId), event.visitId);
      let next = updateVisit(state, visit.id, (v) => ({
        ...v,
        status: "waiting",
        targetAssociateId: event.toAssociateId,
        waitingSince: at,
        widened: false,
        declinedBy: event.fromAssociateId
          ? [...v.declinedBy.filter((id) => id !== event.fromAssociateId), event.fromAssociateId]
          : v.declinedBy.filter((id) => id !== event.toAssociateId),
        declineCooldownUntil: event.fromAssociateId
          ? at + declineCooldownMs(state)
          : v.declineCooldownUntil,
        associateId: undefined,
        servingSince: undefined,
      }));
      if (visit.status === "serving" && visit.associateId !== undefined) {
        next = updateAssociate(next, visit.associateId, (a) => ({
          ...a,
          visitId: undefined,
          idleSince: at,
          ...(event.reason === "tablet_lost" ? { awayReason: "tablet_lost" as const } : {}),
        }));
      }
      return next;
    }
    case "visit:no-show-undone": {
      const visit = mustGet(state.closed.get(event.visitId), event.visitId);
      const associateId = mustGet(visit.associateId, `server of ${visit.id}`);
      const reopened: Visit = event.serving
        ? { ...visit, status: "serving", outcome: undefined, closedAt: undefined }
        : {
            ...visit,
            status: "waiting",
            outcome: undefined,
            closedAt: undefined,
            associateId: undefined,
            servingSince: undefined,
            waitingSince: at,
          };
      const next: StoreState = {
        ...state,
        closed: state.closed.delete(visit.id),
        visits: state.visits.set(visit.id, reopened),
        nextDeadline: lower(
          state.nextDeadline,
          earliestOf((push) => visitTimers(state, reopened, push)),
        ),
      };
      if (!event.serving) return next;
      return updateAssociate(next, associateId, (a) => ({
        ...a,
        visitId: visit.id,
        wrapUpUntil: undefined,
      }));
    }
    case "alert:raised":
      return {
        ...state,
        alertSeq: state.alertSeq + 1,
        alerts: state.alerts.set(event.alertId, {
          id: event.alertId,
          kind: event.kind,
          at,
          visitId: event.visitId,
          associateId: event.associateId,
          note: event.note,
        }),
      };
    case "alert:resolved":
      // Whoever closed it (a manager, or the engine as its cause is gone), it is closed.
      return { ...state, alerts: state.alerts.delete(event.alertId) };
    case "data:expired": {
      let closed = state.closed;
      let tokens = state.tokens;
      for (;;) {
        const oldest = closed.first();
        if (!oldest || (oldest.closedAt ?? 0) >= event.before) break;
        closed = closed.delete(oldest.id);
        tokens = tokens.delete(oldest.token);
      }
      // An alert still open that long keeps its kind and ids, not its words.
      const alerts = state.alerts.map((a) =>
        a.at < event.before && a.note ? { ...a, note: "" } : a,
      );
      // A follow-up's customer words expire from when they answered, the manager's note from
      // when it was written (the entry goes with it); one still open keeps its code and ids.
      let followUps = state.followUps;
      for (const f of state.followUps.values()) {
        if (f.at >= event.before) break;
        if (f.done && f.done.at < event.before) followUps = followUps.delete(f.visitId);
        else if (f.customerName !== "" || f.comment !== "")
          followUps = followUps.set(f.visitId, { ...f, customerName: "", comment: "" });
      }
      return {
        ...state,
        closed,
        tokens,
        alerts,
        followUps,
        logHours: state.logHours.skipWhile((hour) => hour < event.before),
        dataExpiry: { before: event.before, version: state.version + 1 },
      };
    }
    case "feedback:given":
      return {
        ...state,
        closed: state.closed.update(event.visitId, (v) =>
          v
            ? {
                ...v,
                feedback: {
                  at,
                  satisfaction: event.satisfaction,
                  comment: event.comment,
                  kudos: event.kudos,
                },
              }
            : v,
        ),
      };
    case "visit:follow-up-needed": {
      const visit = mustGet(state.closed.get(event.visitId), event.visitId);
      const feedback = mustGet(visit.feedback, `feedback of ${visit.id}`);
      return {
        ...state,
        followUps: state.followUps.set(visit.id, {
          visitId: visit.id,
          code: visit.code,
          topicId: visit.topicId,
          customerName: visit.name,
          associateId: visit.associateId,
          // Only "partly" and "no" put a visit on the list (follow-ups.ts).
          satisfaction: feedback.satisfaction === "no" ? "no" : "partly",
          comment: feedback.comment,
          at,
          closedAt: visit.closedAt ?? at,
          done: undefined,
        }),
      };
    }
    case "visit:followed-up":
      return {
        ...state,
        followUps: state.followUps.update(event.visitId, (f) => {
          const open = mustGet(f, `follow-up of ${event.visitId}`);
          return { ...open, done: { by: event.by, at, note: event.note } };
        }),
      };
  }
}

/** Applies a whole commit: its events, then the version, clock and retention bookkeeping. */
export function evolveCommit(
  state: StoreState,
  commit: { version: number; at: number; events: readonly DomainEvent[] },
): StoreState {
  let next = state;
  for (const event of commit.events) next = evolve(next, event, commit.at);
  return sealCommit(next, commit.version, commit.at);
}

/** Bookkeeping every commit ends with; decide() uses it too, so both paths agree. */
export function sealCommit(state: StoreState, version: number, at: number): StoreState {
  let closed = state.closed;
  let tokens = state.tokens;
  const cutoff = at - CLOSED_RETENTION_MS;
  for (;;) {
    const oldest = closed.first();
    if (!oldest || (oldest.closedAt ?? 0) >= cutoff) break;
    closed = closed.delete(oldest.id);
    tokens = tokens.delete(oldest.token);
  }
  let recentOffers = state.recentOffers;
  while ((recentOffers.first()?.at ?? at) < at - RECENT_OFFERS_MS)
    recentOffers = recentOffers.shift();
  const sealed = {
    ...state,
    version,
    clock: Math.max(state.clock, at),
    closed,
    tokens,
    recentOffers,
  };
  // Once the bound has passed, timers fired or were stale: make it exact again.
  const passed = sealed.nextDeadline !== null && sealed.nextDeadline <= at;
  return passed ? { ...sealed, nextDeadline: computeNextDeadline(sealed) } : sealed;
}

function withPresence(a: Associate, presence: Associate["presence"], at: number): Associate {
  const becameAvailable = presence === "available" && a.presence !== "available";
  // A reason for being away holds only while they stay away.
  return {
    ...a,
    presence,
    idleSince: becameAvailable ? at : a.idleSince,
    awayReason: presence === "away" ? a.awayReason : undefined,
  };
}

/**
 * An offer that ends without being accepted: the visit goes back to its place in line. With
 * `declinedAt`, the associate declined it then: "not me, not now" starts its cool-down.
 */
function endOffer(
  state: StoreState,
  offerId: string,
  changeAssociate: (a: Associate) => Associate,
  declinedAt: number | undefined,
): StoreState {
  const offer = mustGet(state.offers.get(offerId), offerId);
  const next = { ...state, offers: state.offers.delete(offerId) };
  const withVisit = updateVisit(next, offer.visitId, (v) =>
    declinedAt === undefined
      ? { ...v, status: "waiting", offerId: undefined, associateId: undefined }
      : {
          ...v,
          status: "waiting",
          offerId: undefined,
          associateId: undefined,
          declinedBy: [...v.declinedBy.filter((id) => id !== offer.associateId), offer.associateId],
          declineCooldownUntil: declinedAt + declineCooldownMs(state),
        },
  );
  return updateAssociate(withVisit, offer.associateId, (a) =>
    changeAssociate({ ...a, offerId: undefined }),
  );
}

function closeVisit(
  state: StoreState,
  visitId: string,
  status: ClosedStatus,
  outcome: Outcome | undefined,
  at: number,
): StoreState {
  const visit = mustGet(state.visits.get(visitId), visitId);
  const closedVisit: Visit = {
    ...visit,
    status,
    outcome,
    closedAt: at,
    offerId: undefined,
    paused: false,
  };
  return {
    ...state,
    visits: state.visits.delete(visitId),
    closed: state.closed.set(visitId, closedVisit),
  };
}

function updateVisit(state: StoreState, id: string, change: (v: Visit) => Visit): StoreState {
  const visit = mustGet(state.visits.get(id), id);
  const changed = change(visit);
  return {
    ...state,
    visits: state.visits.set(id, changed),
    nextDeadline: lower(
      state.nextDeadline,
      earliestOf((push) => visitTimers(state, changed, push)),
    ),
  };
}

function updateAssociate(
  state: StoreState,
  id: string,
  change: (a: Associate) => Associate,
): StoreState {
  return putAssociate(state, change(mustGet(state.associates.get(id), id)));
}

function putAssociate(state: StoreState, a: Associate): StoreState {
  return {
    ...state,
    associates: state.associates.set(a.id, a),
    nextDeadline: lower(
      state.nextDeadline,
      earliestOf((push) => associateTimers(state, a, push)),
    ),
  };
}

const lower = (bound: number | null, at: number): number | null =>
  at === Number.POSITIVE_INFINITY ? bound : bound === null ? at : Math.min(bound, at);

function mustGet<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`event names unknown ${what}`);
  return value;
}
