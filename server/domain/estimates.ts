import { canServe, compareIdle, compareLine, isPresent } from "./assignment.js";
import {
  type LogNormal,
  Random,
  drawLogNormal,
  drawRemainingPast,
  logNormalMean,
  logNormalWithMean,
  shareBefore,
} from "./distributions.js";
import { callAheadHoldMs, offerTimeoutMs, skillOf, topicOf, wideningMs } from "./settings-view.js";
import {
  type Associate,
  RECENT_OFFERS_MS,
  type ServiceStat,
  type StoreState,
  type Visit,
} from "./state.js";

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

/**
 * The quote is the narrowest range of whole minutes holding a share of the simulated waits:
 * the highest of these shares whose range is still narrow enough to say something (see
 * `isNarrow`); when none is, the range holding FALLBACK_COVERAGE.
 */
export const QUOTE_COVERAGES = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65] as const;
const FALLBACK_COVERAGE = 0.85;
/** A paused customer is assumed back in line after this long (they keep their place). */
const PAUSE_EXPECTED_MS = 5 * 60_000;
/** Offers answered otherwise than yes, assumed before the store has measured its own. */
const PRIOR_OFFERS = 20;
const PRIOR_DECLINE_SHARE = 0.03;
const PRIOR_EXPIRY_SHARE = 0.01;
/** An associate whose offer expired is away (set so by the engine) about this long. */
const AWAY_AFTER_EXPIRY_MS = 2 * 60_000;
/** Customers who leave before their turn, assumed before the store has its own figure. */
const PRIOR_VISITS = 20;
const PRIOR_LEAVE_SHARE = 0.02;
/** How far back the store's own leave share is measured. */
const LEAVE_WINDOW_MS = 60 * 60_000;
/** How many measured visits the topic's configured expectation weighs as. */
const PRIOR_WEIGHT = 3;
/** Spread of ln(service time) assumed until measured visits say otherwise. */
const PRIOR_SIGMA = 0.5;
const FALLBACK_SERVICE_MIN = 5;
/** Mean time from an offer to its accept, until measured. */
const PRIOR_ACCEPT_MS = 15_000;
/** Simulated visits per estimate (runs × visits in the line), within these run counts. */
const WORK = 12_000;
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
  return logNormalMean(serviceModel(state, topicId));
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
  /** A paused visit back in line later: served, but its start is nobody's answer. */
  shadow?: true;
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
  const targets = entries.filter((e) => !e.shadow && (e.visit.status === "waiting" || e.ghost));
  if (targets.length === 0) return result;
  if (present.length === 0) {
    for (const e of targets) result.set(e.visit.id, null);
    return result;
  }
  const real = entries.filter((e) => !e.shadow).length - probes.length;
  const runs = Math.max(MIN_RUNS, Math.min(MAX_RUNS, Math.round(WORK / (real + 1))));
  // Seeded by store and time only: two states a command apart draw alike (common random
  // numbers), so a range moves because the line moved, not by chance. Probes draw apart, so
  // asking about them never changes a real visit's range.
  const sim: Simulation = {
    state,
    now,
    entries,
    ...offerOutcomes(state, now),
    leaveShare: leaveShare(state, now),
    changes: entries
      .flatMap((e) => [e.entersAt, e.widensAt])
      .filter((at) => at > now && Number.isFinite(at))
      .sort((a, b) => a - b),
    present,
    plans: present.map((a) => busyPlan(state, a, now)),
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

/** A range that says something: no wider than max(3 min, 0.6 × its midpoint). */
export const isNarrow = (r: { lowMin: number; highMin: number }): boolean =>
  r.highMin - r.lowMin <= Math.max(3, 0.6 * ((r.lowMin + r.highMin) / 2));

/**
 * The quote from simulated start times: the narrowest whole-minute range holding the highest
 * share in QUOTE_COVERAGES that is still narrow, else the one holding FALLBACK_COVERAGE; null
 * when too many runs never started.
 */
export function toRange(starts: readonly number[], now: number): WaitRange {
  const n = starts.length;
  const waits = new Float64Array(n);
  for (let i = 0; i < n; i++) waits[i] = Math.max(0, (starts[i] as number) - now) / 60_000;
  waits.sort();
  for (const share of QUOTE_COVERAGES) {
    const range = narrowestHolding(waits, share);
    if (range && isNarrow(range)) return range;
  }
  return narrowestHolding(waits, FALLBACK_COVERAGE);
}

/** The narrowest [low, high] in whole minutes holding `share` of sorted waits (ties: earlier). */
function narrowestHolding(
  waits: Float64Array,
  share: number,
): { lowMin: number; highMin: number } | null {
  const n = waits.length;
  const need = Math.max(1, Math.ceil(share * n));
  if (!Number.isFinite(waits[need - 1] as number)) return null;
  let best: { lowMin: number; highMin: number } | null = null;
  for (let i = 0; i + need <= n; i++) {
    const lowMin = Math.floor(waits[i] as number);
    // Only the first sample of each whole minute starts a candidate range.
    if (i > 0 && Math.floor(waits[i - 1] as number) === lowMin) continue;
    const top = waits[i + need - 1] as number;
    if (!Number.isFinite(top)) break;
    const highMin = Math.max(lowMin + 1, Math.ceil(top));
    if (!best || highMin - lowMin < best.highMin - best.lowMin) best = { lowMin, highMin };
  }
  return best;
}

function lineEntries(
  state: StoreState,
  now: number,
  probes: readonly Probe[],
  present: readonly Associate[],
): Entry[] {
  const entries: Entry[] = [];
  const cache: AllowedCache = new Map();
  const hold = callAheadHoldMs(state);
  for (const v of state.visits.values()) {
    if (v.status !== "waiting" && v.status !== "expected") continue;
    if (!topicOf(state, v.topicId)) continue;
    const entersAt =
      v.status === "expected" ? Math.max(now, (v.holdUntil ?? now + hold) - hold) : now;
    entries.push(entry(state, v, v.paused, entersAt, present, cache));
    // A paused customer asks when their turn would be if they were back now (above), and takes
    // their place again after a while, before those behind them (this shadow).
    if (v.paused)
      entries.push({
        ...entry(state, v, false, now + PAUSE_EXPECTED_MS, present, cache),
        shadow: true,
      });
  }
  let seq = state.visitSeq;
  for (const p of probes) {
    if (!topicOf(state, p.topicId)) continue;
    const visit: Visit = {
      ...blankVisit,
      id: p.key,
      topicId: p.topicId,
      language: p.language,
      queuedAt: now,
      waitingSince: now,
      seq: ++seq,
    };
    entries.push(entry(state, visit, true, now, present, cache));
  }
  return entries.sort((a, b) => compareLine(a.visit, b.visit));
}

/** Who may serve visits alike (same topic, language, target, no declines), worked out once. */
type AllowedCache = Map<string, Uint8Array>;

function allowedFor(
  state: StoreState,
  v: Visit,
  present: readonly Associate[],
  cache: AllowedCache,
): Uint8Array {
  const key =
    v.declinedBy.length === 0
      ? `${v.topicId}|${v.language ?? ""}|${v.targetAssociateId ?? ""}|${v.widened}`
      : undefined;
  const known = key === undefined ? undefined : cache.get(key);
  if (known) return known;
  const allowed = new Uint8Array(present.length);
  present.forEach((a, i) => {
    allowed[i] =
      (canServe(state, a, v, v.widened) ? BEFORE_WIDENING : 0) |
      (canServe(state, a, v, true) ? AFTER_WIDENING : 0);
  });
  if (key !== undefined) cache.set(key, allowed);
  return allowed;
}

function entry(
  state: StoreState,
  v: Visit,
  ghost: boolean,
  entersAt: number,
  present: readonly Associate[],
  cache: AllowedCache,
): Entry {
  const allowed = allowedFor(state, v, present, cache);
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
  /** What keeps each of `present` busy (same order). */
  plans: BusyPlan[];
  accept: LogNormal;
  /** Shares of offers that are declined, and that expire unanswered. */
  declineShare: number;
  expiryShare: number;
  /** Share of waiting customers who leave before their turn. */
  leaveShare: number;
  random: Random;
  probeRandom: Random;
}

/** The store's recent offers (the last 15 minutes), blended with a prior. */
function offerOutcomes(state: StoreState, now: number) {
  let created = 0;
  let declined = 0;
  let expired = 0;
  for (const o of state.recentOffers) {
    if (o.at < now - RECENT_OFFERS_MS) continue;
    if (o.kind === "created") created++;
    else if (o.kind === "declined") declined++;
    else if (o.kind === "expired") expired++;
  }
  return {
    declineShare: (declined + PRIOR_OFFERS * PRIOR_DECLINE_SHARE) / (created + PRIOR_OFFERS),
    expiryShare: (expired + PRIOR_OFFERS * PRIOR_EXPIRY_SHARE) / (created + PRIOR_OFFERS),
  };
}

/** Of the visits that ended in the last hour, the share that left before being served. */
function leaveShare(state: StoreState, now: number): number {
  let left = 0;
  let ended = 0;
  for (const v of state.closed.valueSeq().reverse()) {
    if ((v.closedAt ?? 0) < now - LEAVE_WINDOW_MS) break;
    ended++;
    if (v.status === "left" && v.servingSince === undefined) left++;
  }
  return (left + PRIOR_VISITS * PRIOR_LEAVE_SHARE) / (ended + PRIOR_VISITS);
}

/**
 * One simulated future: associates free up as what they hold ends; at each moment something
 * changes (someone frees, a visit widens or arrives), visits are matched in line order to the
 * longest-idle free associate allowed to serve them, as the engine does. Each entry's start
 * (its accept) is pushed to its `starts`; one that never starts gets Infinity.
 */
function simulate(sim: Simulation): void {
  const { state, now, entries, changes, present, accept, random, probeRandom } = sim;
  const { declineShare, expiryShare, leaveShare } = sim;
  const n = present.length;
  const wrapUp = state.settings.wrapUpSec * 1000;
  const acceptCap = offerTimeoutMs(state);
  const freeAt = new Float64Array(n);
  const idleSince = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = present[i] as Associate;
    freeAt[i] = busyUntil(sim.plans[i] as BusyPlan, now, random, accept, wrapUp);
    idleSince[i] = a.idleSince;
  }
  const busy = new BusyHeap(freeAt);
  for (let i = 0; i < n; i++) busy.push(i);
  // Entries not yet started, in line order, as a linked list (removal is the common step).
  const m = entries.length;
  const next = new Int32Array(m + 1);
  let last = m; // the list's head sentinel is m
  let pending = 0;
  // In this run, who ahead gives up before their turn (they take nobody's time, but still ask
  // when theirs would have been).
  const leaves = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const e = entries[i] as Entry;
    // Ghosts (probes, paused visits) draw nothing here: asking about them must not move anyone
    // else's range.
    if (!e.ghost) leaves[i] = random.next() < leaveShare ? 1 : 0;
    if (e.entersAt <= now || random.next() < LATE_ARRIVAL_SHARE) {
      next[last] = i;
      last = i;
      pending++;
    } else e.starts.push(Number.POSITIVE_INFINITY);
  }
  next[last] = -1;
  const free: number[] = [];
  // Free, but known to find nothing they may serve until a visit widens or arrives.
  const parked: number[] = [];
  let c = 0;
  let t = now;
  for (;;) {
    // Who is free now, longest idle first.
    while (busy.size > 0 && (freeAt[busy.top()] as number) <= t) free.push(busy.pop());
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
      // An offer not taken costs its answer (a decline) or the whole timeout (no answer) before
      // someone says yes; the associate asked is held up as long.
      const answer = Math.min(acceptCap, drawLogNormal(accept, random));
      const outcome = random.next();
      const lost =
        outcome < expiryShare
          ? acceptCap
          : outcome < expiryShare + declineShare
            ? Math.min(acceptCap, drawLogNormal(accept, random))
            : 0;
      const start = t + lost + answer;
      e.starts.push(start);
      if (leaves[k] === 1) continue;
      const who = free[slot] as number;
      // (The one who missed it is away a while: their time, charged to whoever serves.)
      const away = lost === acceptCap ? AWAY_AFTER_EXPIRY_MS : 0;
      freeAt[who] = start + drawLogNormal(e.service, random) + wrapUp + away;
      idleSince[who] = freeAt[who] as number;
      busy.push(who);
      free[slot] = -1;
      left--;
    }
    for (const i of free) if (i >= 0) parked.push(i);
    free.length = 0;
    if (pending === 0) return;
    // The next moment anything can change: someone frees up, or a visit arrives or widens.
    const nextFree = busy.size > 0 ? (freeAt[busy.top()] as number) : Number.POSITIVE_INFINITY;
    while (c < changes.length && (changes[c] as number) <= t) c++;
    const nextChange = changes[c] ?? Number.POSITIVE_INFINITY;
    if (nextChange <= nextFree) {
      for (const i of parked) free.push(i);
      parked.length = 0;
    }
    t = Math.min(nextFree, nextChange);
    if (t === Number.POSITIVE_INFINITY) break;
  }
  for (let k = next[m] as number; k >= 0; k = next[k] as number)
    (entries[k] as Entry).starts.push(Number.POSITIVE_INFINITY);
}

/** Busy associates by when they are free next (a binary heap of indices into `freeAt`). */
class BusyHeap {
  private readonly heap: Int32Array;
  size = 0;

  constructor(private readonly freeAt: Float64Array) {
    this.heap = new Int32Array(freeAt.length);
  }

  top(): number {
    return this.heap[0] as number;
  }

  push(i: number): void {
    const { heap, freeAt } = this;
    let k = this.size++;
    const at = freeAt[i] as number;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      const p = heap[parent] as number;
      if ((freeAt[p] as number) <= at) break;
      heap[k] = p;
      k = parent;
    }
    heap[k] = i;
  }

  pop(): number {
    const { heap, freeAt } = this;
    const top = heap[0] as number;
    const last = heap[--this.size] as number;
    const at = freeAt[last] as number;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const child =
        r < this.size &&
        (freeAt[heap[r] as number] as number) < (freeAt[heap[l] as number] as number)
          ? r
          : l;
      const c = heap[child] as number;
      if ((freeAt[c] as number) >= at) break;
      heap[k] = c;
      k = child;
    }
    heap[k] = last;
    return top;
  }
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
/**
 * What keeps a present associate busy, worked out once per estimate (their visit's service
 * model, how far it has run): each run then only draws. See `busyUntil`.
 */
type BusyPlan =
  | { kind: "free"; until: number }
  | { kind: "serving"; service: LogNormal; elapsed: number; share: number }
  | { kind: "offered"; deadline: number; service: LogNormal };

function busyPlan(state: StoreState, a: Associate, now: number): BusyPlan {
  if (a.visitId !== undefined) {
    const v = state.visits.get(a.visitId);
    if (v) {
      const service = serviceModel(state, v.topicId);
      const elapsed = now - (v.servingSince ?? now);
      return {
        kind: "serving",
        service,
        elapsed,
        share: elapsed > 0 ? shareBefore(service, elapsed) : 0,
      };
    }
  }
  if (a.offerId !== undefined) {
    const offer = state.offers.get(a.offerId);
    const v = offer ? state.visits.get(offer.visitId) : undefined;
    if (offer && v)
      return { kind: "offered", deadline: offer.deadline, service: serviceModel(state, v.topicId) };
  }
  return { kind: "free", until: Math.max(now, a.wrapUpUntil ?? now) };
}

/** When an associate is next free in one run: the rest of their visit, or of their offer's. */
function busyUntil(
  plan: BusyPlan,
  now: number,
  random: Random,
  accept: LogNormal,
  wrapUp: number,
): number {
  switch (plan.kind) {
    case "serving": {
      const rest =
        plan.elapsed <= 0
          ? drawLogNormal(plan.service, random)
          : drawRemainingPast(plan.service, plan.elapsed, plan.share, random);
      return now + rest + wrapUp;
    }
    case "offered": {
      const accepted = Math.min(plan.deadline, now + drawLogNormal(accept, random));
      return accepted + drawLogNormal(plan.service, random) + wrapUp;
    }
    default:
      return plan.until;
  }
}

/** A visit with nothing set, for probes (what a customer checking in now would be told). */
export const blankVisit: Visit = {
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

/** The kiosk's question per topic and language: "if I checked in now, how long?" */
export const probeKey = (topicId: string, language: string | undefined): string =>
  `\u0000probe|${topicId}|${language ?? ""}`;

export function kioskProbes(state: StoreState): Probe[] {
  const probes: Probe[] = [];
  for (const t of state.settings.topics) {
    probes.push({ key: probeKey(t.id, undefined), topicId: t.id, language: undefined });
    for (const l of state.settings.languages)
      probes.push({ key: probeKey(t.id, l), topicId: t.id, language: l });
  }
  return probes;
}
