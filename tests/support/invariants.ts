import {
  type DomainEvent,
  type StoreState,
  type Visit,
  emptyState,
  evolveCommit,
} from "../../server/domain/index.js";
import type { Commit } from "../../server/store/event-store.js";

/**
 * DESIGN.md's invariants, checked on a state, written apart from the engine's own predicates
 * so that a bug in those cannot hide itself. Each returns a list of violations (empty = holds).
 */

const OPEN = new Set(["expected", "waiting", "offered", "serving"]);

/** 1. Undivided attention: one visit per associate, one associate per offered/serving visit. */
export function undividedAttention(s: StoreState): string[] {
  const bad: string[] = [];
  const holders = new Map<string, string[]>();
  for (const v of s.visits.values()) {
    if (v.status !== "offered" && v.status !== "serving") continue;
    if (!v.associateId) {
      bad.push(`${v.id} is ${v.status} without an associate`);
      continue;
    }
    holders.set(v.associateId, [...(holders.get(v.associateId) ?? []), v.id]);
    const a = s.associates.get(v.associateId);
    if (!a) bad.push(`${v.id} held by unknown ${v.associateId}`);
    else if (v.status === "offered" && (a.offerId !== v.offerId || a.visitId !== undefined))
      bad.push(`${v.id} offered to ${a.id} who holds offer ${a.offerId} / visit ${a.visitId}`);
    else if (v.status === "serving" && (a.visitId !== v.id || a.offerId !== undefined))
      bad.push(`${v.id} served by ${a.id} who holds visit ${a.visitId} / offer ${a.offerId}`);
  }
  for (const [a, visits] of holders)
    if (visits.length > 1) bad.push(`${a} holds ${visits.join(", ")}`);
  for (const a of s.associates.values()) {
    if (a.offerId !== undefined && a.visitId !== undefined)
      bad.push(`${a.id} holds an offer and a visit`);
    if (a.offerId !== undefined) {
      const o = s.offers.get(a.offerId);
      if (!o || o.associateId !== a.id) bad.push(`${a.id} holds a dangling offer ${a.offerId}`);
    }
  }
  for (const o of s.offers.values()) {
    const v = s.visits.get(o.visitId);
    if (v?.status !== "offered" || v.offerId !== o.id)
      bad.push(`offer ${o.id} points at a visit not offered by it`);
  }
  return bad;
}

/**
 * Retention: nothing personal outlives the store's retentionDays by more than the hour it was
 * logged in. No closed visit (name, note, handover notes, feedback) stays in the state past
 * the end of the hour it closed in plus retentionDays, nor an alert's note or a follow-up's words
 * past their hour's; the
 * log's oldest hour not yet expired is within that time too.
 */
export function personalDataExpires(s: StoreState, now: number): string[] {
  const HOUR = 60 * 60_000;
  const keepMs = (s.settings.retentionDays ?? 30) * 24 * HOUR;
  const expiresAt = (at: number) => at - (at % HOUR) + HOUR + keepMs;
  const bad: string[] = [];
  for (const v of s.closed.values())
    if (expiresAt(v.closedAt ?? 0) <= now) bad.push(`${v.id} is kept past its retention`);
  for (const a of s.alerts.values())
    if (a.note !== "" && expiresAt(a.at) <= now) bad.push(`alert ${a.id}'s note is kept`);
  // A follow-up's words go the same way: the customer's from their answer, the note from its own.
  for (const f of s.followUps.values()) {
    if (expiresAt(f.at) <= now && (f.customerName !== "" || f.comment !== ""))
      bad.push(`follow-up of ${f.visitId} keeps the customer's words`);
    if (f.done && expiresAt(f.done.at) <= now) bad.push(`follow-up of ${f.visitId} keeps its note`);
  }
  const oldest = s.logHours.first();
  if (oldest !== undefined && expiresAt(oldest) <= now)
    bad.push(`the log's hour ${new Date(oldest).toISOString()} is past its retention`);
  return bad;
}

/**
 * 2. Nobody is lost: every visit checked in is in exactly one place, in a state that fits it
 * (the caller leaves out closed visits that retention or the feedback window let go).
 */
export function nobodyLost(s: StoreState, everCheckedIn: Iterable<string>): string[] {
  const bad: string[] = [];
  for (const id of everCheckedIn) {
    const open = s.visits.get(id);
    const closed = s.closed.get(id);
    if (open && closed) bad.push(`${id} is both open and closed`);
    if (!open && !closed) bad.push(`${id} is lost`);
    if (open && !OPEN.has(open.status)) bad.push(`${id} is in the open map as ${open.status}`);
    if (closed && OPEN.has(closed.status))
      bad.push(`${id} is in the closed map as ${closed.status}`);
  }
  return bad;
}

/** Skill and language, a named colleague, or anyone once widened (declines aside). */
function fits(s: StoreState, associateId: string, v: Visit, widened = v.widened): boolean {
  const a = s.associates.get(associateId);
  if (!a) return false;
  if (widened) return true;
  if (v.targetAssociateId) return v.targetAssociateId === a.id;
  const topic = s.settings.topics.find((t) => t.id === v.topicId);
  if (!topic || !a.skills.includes(topic.skill)) return false;
  return !v.language || a.languages.includes(v.language);
}

/** Available and reachable associates who have not declined `v` and fit it. */
function othersWhoMay(s: StoreState, v: Visit, widened = v.widened): string[] {
  return [...s.associates.values()]
    .filter(
      (a) =>
        a.presence === "available" &&
        !a.connectionLost &&
        !v.declinedBy.includes(a.id) &&
        fits(s, a.id, v, widened),
    )
    .map((a) => a.id);
}

/**
 * Whether `associateId` may serve `v` by DESIGN.md's matching rules (independent copy): a
 * decliner only after the cool-down and while nobody else available may take it.
 */
export function mayServe(s: StoreState, associateId: string, v: Visit): boolean {
  if (!fits(s, associateId, v)) return false;
  if (!v.declinedBy.includes(associateId)) return true;
  return v.declineCooldownUntil === undefined && othersWhoMay(s, v).length === 0;
}

/**
 * 6 (declines). Declined by every available associate who could serve it (at least one of them
 * did): widened at once.
 */
export function declinesWiden(s: StoreState): string[] {
  const bad: string[] = [];
  for (const v of s.visits.values()) {
    if (v.status !== "waiting" && v.status !== "offered") continue;
    const qualifiedDecliner = v.declinedBy.some((id) => {
      const a = s.associates.get(id);
      return a?.presence === "available" && !a.connectionLost && fits(s, id, v, false);
    });
    if (qualifiedDecliner && !v.widened && othersWhoMay(s, v, false).length === 0)
      bad.push(`${v.id} was declined by all who could serve it but did not widen`);
  }
  return bad;
}

/** 6 (declines). A new offer goes to a decliner only after the cool-down, and to nobody else. */
export function declinersWait(
  s: StoreState,
  newOffers: { visitId: string; associateId: string }[],
): string[] {
  const bad: string[] = [];
  for (const { visitId, associateId } of newOffers) {
    const v = s.visits.get(visitId);
    if (!v?.declinedBy.includes(associateId)) continue;
    if (v.declineCooldownUntil !== undefined)
      bad.push(`${associateId} was offered ${v.id} again inside the cool-down`);
    if (othersWhoMay(s, v).length > 0)
      bad.push(`${associateId} was offered ${v.id} again though others may take it`);
  }
  return bad;
}

export function freeAssociates(s: StoreState): string[] {
  return [...s.associates.values()]
    .filter(
      (a) =>
        a.presence === "available" &&
        !a.connectionLost &&
        !a.offerId &&
        !a.visitId &&
        a.wrapUpUntil === undefined,
    )
    .map((a) => a.id);
}

const offerable = (v: Visit) => v.status === "waiting" && !v.paused && !v.offerId;

/** 3. Work-conserving: no offerable visit and free associate who could take it are left apart. */
export function workConserving(s: StoreState): string[] {
  const bad: string[] = [];
  const free = freeAssociates(s);
  for (const v of s.visits.values()) {
    if (!offerable(v)) continue;
    for (const a of free)
      if (mayServe(s, a, v)) bad.push(`${v.id} waits while ${a} is free and could take it`);
  }
  return bad;
}

const ranksBefore = (u: Visit, v: Visit) =>
  u.priority > v.priority ||
  (u.priority === v.priority &&
    (u.queuedAt < v.queuedAt || (u.queuedAt === v.queuedAt && u.seq < v.seq)));

/** 4. Fair order, for the offers just made: best visit for the associate, longest-idle associate. */
export function fairOrder(
  s: StoreState,
  newOffers: { visitId: string; associateId: string }[],
): string[] {
  const bad: string[] = [];
  const free = freeAssociates(s);
  for (const { visitId, associateId } of newOffers) {
    const v = s.visits.get(visitId);
    const a = s.associates.get(associateId);
    if (!v || !a || v.offerId === undefined || v.associateId !== associateId) continue;
    for (const u of s.visits.values()) {
      if (offerable(u) && ranksBefore(u, v) && mayServe(s, associateId, u))
        bad.push(`${associateId} was offered ${v.id} while ${u.id}, ahead of it, waits`);
    }
    for (const b of free) {
      const other = s.associates.get(b);
      if (other && other.idleSince < a.idleSince && mayServe(s, b, v))
        bad.push(`${v.id} went to ${associateId} though ${b} was idle longer`);
    }
  }
  return bad;
}

/** 5. No starvation: a visit waiting past its skill's limit is open to every associate. */
export function noStarvation(s: StoreState, now: number): string[] {
  const bad: string[] = [];
  for (const v of s.visits.values()) {
    if ((v.status !== "waiting" && v.status !== "offered") || v.waitingSince === undefined)
      continue;
    const topic = s.settings.topics.find((t) => t.id === v.topicId);
    const limitMin =
      (topic && s.settings.wideningMinBySkill[topic.skill]) ?? s.settings.wideningMin;
    if (now >= v.waitingSince + limitMin * 60_000 && !v.widened)
      bad.push(`${v.id} waited past its limit unwidened`);
  }
  return bad;
}

/** The cached next deadline never lies late: a tick is due no later than the earliest timer. */
export function deadlineBound(s: StoreState, exact: number | null): string[] {
  if (exact === null) return [];
  if (s.nextDeadline === null || s.nextDeadline > exact)
    return [`next deadline ${s.nextDeadline} is later than the earliest timer ${exact}`];
  return [];
}

/**
 * 6. Offers don't rot: nothing overdue survives a command; a lost tablet holds no offer, and
 * keeps a visit past orphanedVisitMin only if a manager answered its alert.
 */
export function offersDontRot(s: StoreState, now: number): string[] {
  const bad: string[] = [];
  for (const o of s.offers.values()) if (o.deadline <= now) bad.push(`offer ${o.id} is overdue`);
  const graceMs = s.settings.disconnectGraceSec * 1000;
  for (const a of s.associates.values()) {
    if (a.connectionLost && a.offerId) bad.push(`${a.id}'s tablet is lost but holds ${a.offerId}`);
    const overdue =
      !a.connected && a.disconnectedAt !== undefined && a.disconnectedAt + graceMs <= now;
    if (overdue && a.presence !== "offline" && !a.connectionLost)
      bad.push(`${a.id} is past the grace but not lost`);
    // A visit served on a tablet that stayed gone, with nobody acting, goes back to the line.
    const orphanedMs = Math.max((s.settings.orphanedVisitMin ?? 5) * 60_000, graceMs);
    const unanswered = [...s.alerts.values()].some(
      (x) =>
        x.kind === "tablet_dropped" &&
        x.associateId === a.id &&
        x.visitId === a.visitId &&
        x.at >= (a.disconnectedAt ?? Number.POSITIVE_INFINITY),
    );
    if (
      a.connectionLost &&
      !a.connected &&
      a.visitId !== undefined &&
      unanswered &&
      (a.disconnectedAt ?? now) + orphanedMs <= now
    )
      bad.push(`${a.id}'s tablet is gone past orphanedVisitMin but still serves ${a.visitId}`);
  }
  for (const v of s.visits.values()) {
    if (v.status === "expected" && v.holdUntil !== undefined && v.holdUntil <= now)
      bad.push(`${v.id} kept past its hold`);
  }
  return bad;
}

/**
 * Replays a store's log from empty and checks the invariants after every commit: `check` gets
 * each commit's violations (empty when all hold). `offerDeadlines` adds "offers don't rot", for
 * runs where the timers fired. Answers the final state and every visit checked in, in order.
 */
export function replayChecking(
  storeId: string,
  log: ReadonlyArray<Commit<DomainEvent>>,
  check: (violations: string[], commit: Commit<DomainEvent>) => void,
  options: { offerDeadlines?: boolean } = {},
): { state: StoreState; seen: string[] } {
  let state = emptyState(storeId);
  const seen: string[] = [];
  for (const commit of log) {
    state = evolveCommit(state, commit as Commit<DomainEvent, Record<string, unknown>>);
    const offers: Array<{ visitId: string; associateId: string }> = [];
    for (const e of commit.events) {
      if (e.type === "visit:checked-in") seen.push(e.visitId);
      if (e.type === "offer:created")
        offers.push({ visitId: e.visitId, associateId: e.associateId });
    }
    check(
      [
        ...undividedAttention(state),
        ...nobodyLost(state, seen),
        ...workConserving(state),
        ...fairOrder(state, offers),
        ...noStarvation(state, commit.at),
        ...declinesWiden(state),
        ...declinersWait(state, offers),
        ...(options.offerDeadlines ? offersDontRot(state, commit.at) : []),
      ],
      commit,
    );
  }
  return { state, seen };
}
