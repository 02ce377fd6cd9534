import { canServe, compareLine } from "../../server/domain/assignment.js";
import { blankVisit } from "../../server/domain/estimates.js";
import { skillOf, topicOf, wideningMs } from "../../server/domain/settings-view.js";
import type { Associate, StoreState, Visit } from "../../server/domain/state.js";

/**
 * The estimator before the simulating one (kept only so the simulator can report it beside the
 * new one on the same days).
 */

/** A promised wait in whole minutes, low to high; null when nobody could serve it now. */
export type WaitRange = { lowMin: number; highMin: number } | null;

/** How many measured visits outweigh the topic's configured expectation. */
const PRIOR_WEIGHT = 3;
const FALLBACK_SERVICE_MS = 5 * 60_000;

/** Mean service time of a topic: the configured expectation, blended with measured times. */
export function serviceMeanMs(state: StoreState, topicId: string): number {
  const prior = (topicOf(state, topicId)?.expectedServiceMin ?? 5) * 60_000 || FALLBACK_SERVICE_MS;
  const stat = state.serviceStats.get(topicId);
  if (!stat) return prior;
  return (prior * PRIOR_WEIGHT + stat.totalMs) / (PRIOR_WEIGHT + stat.count);
}

/** Turns an expected wait into an honest range: never a low end we are unlikely to meet. */
export function toRange(expectedMs: number): WaitRange {
  const lowMin = Math.floor((expectedMs * 0.75) / 60_000);
  const highMin = Math.max(lowMin + 1, Math.ceil((expectedMs * 1.3 + 60_000) / 60_000));
  return { lowMin, highMin };
}

/**
 * Wait ranges for every waiting visit. For each group of visits that the same associates could
 * serve, the line is played forward: each visit ahead that competes for those associates takes
 * the one free soonest for the mean service time of its topic. Visits nobody can serve yet are
 * estimated from when they widen to every available associate.
 */
export function estimateWaits(state: StoreState, now: number): Map<string, WaitRange> {
  const result = new Map<string, WaitRange>();
  const line = [...state.visits.values()].filter((v) => v.status === "waiting").sort(compareLine);
  const available = [...state.associates.values()].filter(isWorking);
  const groups = new Map<string, { pool: Associate[]; members: Set<string>; notBefore: number }>();
  for (const v of line) {
    let pool = available.filter((a) => canServe(state, a, v));
    let notBefore = now;
    if (pool.length === 0 && !v.widened) {
      pool = available.filter((a) => !v.declinedBy.includes(a.id));
      notBefore = Math.max(now, (v.waitingSince ?? now) + wideningMs(state, skillOf(state, v)));
    }
    if (pool.length === 0) {
      result.set(v.id, null);
      continue;
    }
    const key = `${notBefore}|${pool.map((a) => a.id).join(",")}`;
    const group = groups.get(key) ?? { pool, members: new Set<string>(), notBefore };
    group.members.add(v.id);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const starts = playLine(state, line, group.pool, group.members, now);
    for (const [id, start] of starts)
      result.set(id, toRange(Math.max(start, group.notBefore) - now));
  }
  return result;
}

/** The wait a customer checking in now for `topicId` would be told (kiosk, call-ahead page). */
export function estimateForTopic(state: StoreState, topicId: string, now: number): WaitRange {
  const probe: Visit = {
    ...blankVisit,
    id: "\u0000probe",
    topicId,
    queuedAt: now,
    waitingSince: now,
    seq: Number.MAX_SAFE_INTEGER,
  };
  const withProbe = { ...state, visits: state.visits.set(probe.id, probe) };
  return estimateWaits(withProbe, now).get(probe.id) ?? null;
}

const isWorking = (a: Associate): boolean => a.presence === "available" && !a.connectionLost;

/** When each member of the group would start being served, playing the line forward. */
function playLine(
  state: StoreState,
  line: Visit[],
  pool: Associate[],
  members: Set<string>,
  now: number,
): Map<string, number> {
  const freeAt = pool.map((a) => busyUntil(state, a, now));
  const starts = new Map<string, number>();
  for (const v of line) {
    let best = -1;
    for (let i = 0; i < pool.length; i++) {
      const a = pool[i] as Associate;
      if ((best < 0 || (freeAt[i] as number) < (freeAt[best] as number)) && canServe(state, a, v))
        best = i;
    }
    if (members.has(v.id)) starts.set(v.id, best < 0 ? now : (freeAt[best] as number));
    if (best < 0 || v.paused) continue;
    freeAt[best] = (freeAt[best] as number) + serviceMeanMs(state, v.topicId);
  }
  return starts;
}

/** When an associate will next be free, by the mean service time of what they hold. */
function busyUntil(state: StoreState, a: Associate, now: number): number {
  const held = a.visitId ?? (a.offerId ? state.offers.get(a.offerId)?.visitId : undefined);
  const visit = held ? state.visits.get(held) : undefined;
  if (visit) {
    const mean = serviceMeanMs(state, visit.topicId);
    const started = visit.servingSince ?? now;
    return Math.max(started + mean, now + mean * 0.2);
  }
  return Math.max(now, a.wrapUpUntil ?? now);
}
