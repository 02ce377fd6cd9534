import { canServe, compareIdle, compareLine, isPresent } from "./assignment.js";
import {
  type LogNormal,
  Random,
  drawLogNormal,
  drawRemaining,
  logNormalWithMean,
  quantile,
} from "./distributions.js";
import { callAheadHoldMs, offerTimeoutMs, skillOf, topicOf, wideningMs } from "./settings-view.js";
import type { Associate, ServiceStat, StoreState, Visit } from "./state.js";

/**
 * Wait estimates by simulation. The line is played forward from the state many times (Monte
 * Carlo) with the engine's own matching rules (canServe, line order, longest idle first, widening
 * at its time); every draw of a service time, an accept delay or the rest of a visit being served
 * comes from distributions learned from the store's completed visits. A visit's quote is a band
 * of its simulated waits. Pure: the random source is seeded from the state and `now`, so the
 * same state and time always give the same answer. See docs/ENGINE.md, "Estimates".
 */

/** A promised wait in whole minutes, low to high; null when nobody could serve it now. */
export type WaitRange = { lowMin: number; highMin: number } | null;

/** A customer who might check in now (kiosk, call-ahead page): a topic and maybe a language. */
export interface Probe {
  key: string;
  topicId: string;
  language: string | undefined;
}

/**
 * Estimates are made for whole steps of time (and for a commit's own time), so that every
 * process and page working from one state at one moment shows the same ranges, and a timer
 * re-estimating as time passes has something to compare with.
 */
export const ESTIMATE_STEP_MS = 15_000;

/** The moment estimates of `state` are made for at `now`: its commit, or the last whole step. */
export const estimateTime = (state: StoreState, now: number): number =>
  Math.max(state.clock, now - (now % ESTIMATE_STEP_MS));

/** The band of simulated waits quoted: from this quantile to that one. */
export const QUOTE_BAND = { low: 0.1, high: 0.9 } as const;
/** How many measured visits the topic's configured expectation weighs as. */
const PRIOR_WEIGHT = 3;
/** Spread of ln(service time) assumed until measured visits say otherwise. */
const PRIOR_SIGMA = 0.5;
const FALLBACK_SERVICE_MIN = 5;
/** Mean time from an offer to its accept, until measured. */
const PRIOR_ACCEPT_MS = 15_000;
/** Simulated visits per estimate (runs × visits in the line), within these run counts. */
const WORK = 16_000;
const MIN_RUNS = 40;
const MAX_RUNS = 200;
/** A call-ahead customer who has not come by their time is assumed to come this often. */
const LATE_ARRIVAL_SHARE = 0.7;

/** The lognormal service time of a topic: its configured mean blended with measured visits. */
export function serviceModel(state: StoreState, topicId: string): LogNormal {
  const prior = logNormalWithMean(
    (topicOf(state, topicId)?.expectedServiceMin ?? FALLBACK_SERVICE_MIN) * 60_000,
    PRIOR_SIGMA,
  );
  return blend(prior, state.serviceStats.get(topicId));
}

/** Mean service time of a topic, in ms (the model's mean). */
export function serviceMeanMs(state: StoreState, topicId: string): number {
  const d = serviceModel(state, topicId);
  return Math.exp(d.mu + (d.sigma * d.sigma) / 2);
}

/** The accept delay: measured offers blended with a prior, as a lognormal. */
function acceptModel(state: StoreState): LogNormal {
  const prior = logNormalWithMean(
    Math.min(PRIOR_ACCEPT_MS, offerTimeoutMs(state) / 2),
    PRIOR_SIGMA * 2,
  );
  return blend(prior, state.acceptStat);
}

/**
 * A prior lognormal (in ms) and measured times (logs of minutes) pooled: the prior counts as
 * PRIOR_WEIGHT observations of its own mean and spread, so measured visits soon outweigh it.
 */
function blend(prior: LogNormal, stat: ServiceStat | undefined): LogNormal {
  if (!stat || stat.count === 0 || stat.sumLog === undefined) return prior;
  const toMin = Math.log(60_000);
  const mu0 = prior.mu - toMin;
  const n = stat.count;
  const mu = (PRIOR_WEIGHT * mu0 + stat.sumLog) / (PRIOR_WEIGHT + n);
  const second =
    (PRIOR_WEIGHT * (prior.sigma * prior.sigma + mu0 * mu0) + stat.sumLogSq) / (PRIOR_WEIGHT + n);
  const sigma = Math.sqrt(Math.max(second - mu * mu, 0.01));
  return { mu: mu + toMin, sigma };
}

/** One visit in the simulated line. */
interface Entry {
  visit: Visit;
  /** Served by nobody: it only asks when it would be (paused visits, probes). */
  ghost: boolean;
  /** When it joins the line (call-ahead: their time), in ms. */
  entersAt: number;
  widensAt: number;
  service: LogNormal;
  /** Per present associate: may serve it before it widens (bit 1), after (bit 2). */
  allowed: Uint8Array;
  /** Simulated starts, one per run. */
  starts: number[];
}

const BEFORE_WIDENING = 1;
const AFTER_WIDENING = 2;

/**
 * Wait ranges for every waiting visit (paused ones: if they were ready now) and every probe,
 * from `now`. Visits nobody present could ever serve get null.
 */
export function estimateWaits(
  state: StoreState,
  now: number,
  probes: readonly Probe[] = [],
): Map<string, WaitRange> {
  const result = new Map<string, WaitRange>();
  const present = [...state.associates.values()].filter(isPresent).sort(compareIdle);
  const entries = lineEntries(state, now, probes, present);
  const targets = entries.filter((e) => e.visit.status === "waiting" || e.ghost);
  if (targets.length === 0) return result;
  if (present.length === 0) {
    for (const e of targets) result.set(e.visit.id, null);
    return result;
  }
  const real = entries.length - probes.length;
  const runs = Math.max(MIN_RUNS, Math.min(MAX_RUNS, Math.round(WORK / (real + 1))));
  // Seeded by store and time only: two states a command apart draw alike (common random
  // numbers), so a range moves because the line moved, not by chance. Probes draw apart, so
  // asking about them never changes a real visit's range.
  const sim: Simulation = {
    state,
    now,
    entries,
    changes: entries
      .flatMap((e) => [e.entersAt, e.widensAt])
      .filter((at) => at > now && Number.isFinite(at))
      .sort((a, b) => a - b),
    present,
    accept: acceptModel(state),
    random: new Random(`${state.storeId}|${now}`),
    probeRandom: new Random(`${state.storeId}|${now}|probes`),
  };
  for (let run = 0; run < runs; run++) simulate(sim);
  for (const e of targets) result.set(e.visit.id, toRange(e.starts, now));
  return result;
}

/** The wait a customer checking in now for `topicId` (in `language`) would be told. */
export function estimateForTopic(
  state: StoreState,
  topicId: string,
  now: number,
  language?: string,
): WaitRange {
  return estimateWaits(state, now, [{ key: "probe", topicId, language }]).get("probe") ?? null;
}

/** A band of simulated start times as whole minutes from `now`; null if it never started. */
function toRange(starts: number[], now: number): WaitRange {
  const waits = new Float64Array(starts.length);
  for (let i = 0; i < starts.length; i++) waits[i] = (starts[i] as number) - now;
  waits.sort();
  const high = quantile(waits, QUOTE_BAND.high);
  if (!Number.isFinite(high)) return null;
  const lowMin = Math.max(0, Math.floor(quantile(waits, QUOTE_BAND.low) / 60_000));
  const highMin = Math.max(lowMin + 1, Math.ceil(high / 60_000));
  return { lowMin, highMin };
}

function lineEntries(
  state: StoreState,
  now: number,
  probes: readonly Probe[],
  present: readonly Associate[],
): Entry[] {
  const entries: Entry[] = [];
  const hold = callAheadHoldMs(state);
  for (const v of state.visits.values()) {
    if (v.status !== "waiting" && v.status !== "expected") continue;
    if (!topicOf(state, v.topicId)) continue;
    const entersAt =
      v.status === "expected" ? Math.max(now, (v.holdUntil ?? now + hold) - hold) : now;
    entries.push(entry(state, v, v.paused, entersAt, present));
  }
  let seq = state.visitSeq;
  for (const p of probes) {
    if (!topicOf(state, p.topicId)) continue;
    const visit: Visit = {
      ...probeVisit,
      id: p.key,
      topicId: p.topicId,
      language: p.language,
      queuedAt: now,
      waitingSince: now,
      seq: ++seq,
    };
    entries.push(entry(state, visit, true, now, present));
  }
  return entries.sort((a, b) => compareLine(a.visit, b.visit));
}

function entry(
  state: StoreState,
  v: Visit,
  ghost: boolean,
  entersAt: number,
  present: readonly Associate[],
): Entry {
  const allowed = new Uint8Array(present.length);
  present.forEach((a, i) => {
    allowed[i] =
      (canServe(state, a, v, v.widened) ? BEFORE_WIDENING : 0) |
      (canServe(state, a, v, true) ? AFTER_WIDENING : 0);
  });
  return {
    visit: v,
    ghost,
    entersAt,
    widensAt: v.widened
      ? Number.NEGATIVE_INFINITY
      : (v.waitingSince ?? entersAt) + wideningMs(state, skillOf(state, v)),
    service: serviceModel(state, v.topicId),
    allowed,
    starts: [],
  };
}

/** What every run of one estimate shares. */
interface Simulation {
  state: StoreState;
  now: number;
  entries: Entry[];
  /** Every time a visit arrives or widens, in order. */
  changes: number[];
  /** Available associates, longest idle first. */
  present: Associate[];
  accept: LogNormal;
  random: Random;
  probeRandom: Random;
}

/**
 * One simulated future: associates free up as what they hold ends; at each moment something
 * changes (someone frees, a visit widens or arrives), visits are matched in line order to the
 * longest-idle free associate allowed to serve them, as the engine does. Each entry's start
 * (its accept) is pushed to its `starts`; one that never starts gets Infinity.
 */
function simulate(sim: Simulation): void {
  const { state, now, entries, changes, present, accept, random, probeRandom } = sim;
  const n = present.length;
  const wrapUp = state.settings.wrapUpSec * 1000;
  const acceptCap = offerTimeoutMs(state);
  const freeAt = new Float64Array(n);
  const idleSince = new Float64Array(n);
  // Known to find nothing they may serve until a visit widens or arrives.
  const parked = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = present[i] as Associate;
    freeAt[i] = busyUntil(state, a, now, random, accept, wrapUp);
    idleSince[i] = a.idleSince;
  }
  // Entries not yet started, in line order, as a linked list (removal is the common step).
  const m = entries.length;
  const next = new Int32Array(m + 1);
  let last = m; // the list's head sentinel is m
  let pending = 0;
  for (let i = 0; i < m; i++) {
    const e = entries[i] as Entry;
    if (e.entersAt <= now || random.next() < LATE_ARRIVAL_SHARE) {
      next[last] = i;
      last = i;
      pending++;
    } else e.starts.push(Number.POSITIVE_INFINITY);
  }
  next[last] = -1;
  const free: number[] = [];
  let c = 0;
  let t = now;
  for (;;) {
    // Free associates, longest idle first.
    free.length = 0;
    for (let i = 0; i < n; i++) if ((freeAt[i] as number) <= t && parked[i] === 0) free.push(i);
    if (free.length > 1) sortByIdle(free, idleSince);
    let left = free.length;
    for (let prev = m, k = next[m] as number; k >= 0 && left > 0; k = next[k] as number) {
      const e = entries[k] as Entry;
      if (e.entersAt > t) {
        prev = k;
        continue;
      }
      const bit = t >= e.widensAt ? AFTER_WIDENING : BEFORE_WIDENING;
      let slot = -1;
      for (let j = 0; j < free.length; j++) {
        const i = free[j] as number;
        if (i >= 0 && (e.allowed[i] as number) & bit) {
          slot = j;
          break;
        }
      }
      if (slot < 0) {
        prev = k;
        continue;
      }
      next[prev] = next[k] as number;
      pending--;
      if (e.ghost) {
        e.starts.push(t + Math.min(acceptCap, drawLogNormal(accept, probeRandom)));
        continue;
      }
      const who = free[slot] as number;
      const start = t + Math.min(acceptCap, drawLogNormal(accept, random));
      e.starts.push(start);
      freeAt[who] = start + drawLogNormal(e.service, random) + wrapUp;
      idleSince[who] = freeAt[who] as number;
      free[slot] = -1;
      left--;
    }
    for (const i of free) if (i >= 0) parked[i] = 1;
    if (pending === 0) return;
    // The next moment anything can change: someone frees up, or a visit arrives or widens.
    let nextFree = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const at = freeAt[i] as number;
      if (at > t && at < nextFree) nextFree = at;
    }
    while (c < changes.length && (changes[c] as number) <= t) c++;
    const nextChange = changes[c] ?? Number.POSITIVE_INFINITY;
    if (nextChange <= nextFree) parked.fill(0);
    t = Math.min(nextFree, nextChange);
    if (t === Number.POSITIVE_INFINITY) break;
  }
  for (let k = next[m] as number; k >= 0; k = next[k] as number)
    (entries[k] as Entry).starts.push(Number.POSITIVE_INFINITY);
}

/** Longest idle first (insertion sort: the list is short and mostly in order already). */
function sortByIdle(free: number[], idleSince: Float64Array): void {
  for (let j = 1; j < free.length; j++) {
    const x = free[j] as number;
    let k = j - 1;
    while (k >= 0) {
      const y = free[k] as number;
      const d = (idleSince[y] as number) - (idleSince[x] as number);
      if (d < 0 || (d === 0 && y < x)) break;
      free[k + 1] = y;
      k--;
    }
    free[k + 1] = x;
  }
}

/** When an associate will next be free: what they hold, drawn; then wrap-up. */
function busyUntil(
  state: StoreState,
  a: Associate,
  now: number,
  random: Random,
  accept: LogNormal,
  wrapUp: number,
): number {
  if (a.visitId !== undefined) {
    const v = state.visits.get(a.visitId);
    if (v) {
      const elapsed = now - (v.servingSince ?? now);
      return now + drawRemaining(serviceModel(state, v.topicId), elapsed, random) + wrapUp;
    }
  }
  if (a.offerId !== undefined) {
    const offer = state.offers.get(a.offerId);
    const v = offer ? state.visits.get(offer.visitId) : undefined;
    if (offer && v) {
      const accepted = Math.min(offer.deadline, now + drawLogNormal(accept, random));
      return accepted + drawLogNormal(serviceModel(state, v.topicId), random) + wrapUp;
    }
  }
  return Math.max(now, a.wrapUpUntil ?? now);
}

const probeVisit: Visit = {
  id: "",
  code: "",
  token: "",
  topicId: "",
  name: "",
  language: undefined,
  note: "",
  channel: "kiosk",
  status: "waiting",
  priority: 0,
  seq: 0,
  checkedInAt: 0,
  queuedAt: 0,
  presentSince: undefined,
  waitingSince: undefined,
  holdUntil: undefined,
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
