import { commandSchema } from "../../shared/commands.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { Random, drawLogNormal } from "../domain/distributions.js";
import {
  type DomainEvent,
  type StoreState,
  type WaitRange,
  canServe,
  compareLine,
  computeNextDeadline,
  decide,
  emptyState,
  withQuotes,
} from "../domain/index.js";
import { type Arrival, presentAt } from "./arrivals.js";
import { EventQueue } from "./event-queue.js";
import { type Profile, minutesOf } from "./profile.js";

/**
 * A store day through the real engine: every customer, associate and timer as commands to
 * decide() (with the quotes the app layer records), at simulated times. No sockets, no store:
 * the engine's own rules decide who is offered whom and when.
 */

const MIN = 60_000;
/** The day runs on after closing until the line is empty, at most this long. */
const AFTER_CLOSE_MS = 4 * 60 * MIN;

/** What happened to one customer. */
export interface Served {
  arrival: Arrival;
  /** In the store since (check-in, or arrival for call-ahead). */
  presentAt: number;
  /** The range recorded when they joined the line (visit:quoted). */
  quote: WaitRange;
  /** What the previous estimator would have said at the same moment (when one is given). */
  legacyQuote: WaitRange;
  /** When an associate accepted them; undefined if they never were. */
  servedAt: number | undefined;
  left: boolean;
}

export interface DayResult {
  customers: Served[];
  /** A later customer offered first to an associate who could have taken an earlier one. */
  unfairSkips: number;
  /** [start, end] of each visit served (accept to the end of its wrap-up). */
  busy: Array<[number, number]>;
  /** On-shift intervals of every associate. */
  shifts: Array<[number, number]>;
  declines: number;
  expiries: number;
}

type Input = Record<string, unknown> & { type: string };

export interface EngineDayOptions {
  /**
   * Record the quotes the app layer would (default true). The staffing advisor turns them off:
   * they change no assignment, and simulating the line for each quote is most of a day's cost.
   */
  quotes?: boolean;
  /** Another estimator to report beside the engine's quotes (the benchmark's previous one). */
  compareWith?: (state: StoreState, now: number) => Map<string, WaitRange>;
}

export function runEngineDay(
  profile: Profile,
  arrivals: Arrival[],
  seed: number,
  options: EngineDayOptions = {},
): DayResult {
  const quoting = options.quotes ?? true;
  const compareWith = options.compareWith;
  const random = new Random(`engine|${profile.name}|${seed}`);
  const b = profile.behaviour;
  const settings = storeSettingsSchema.parse({
    name: profile.name,
    timezone: "UTC",
    languages: ["en", ...profile.languages.map((l) => l.code).filter((c) => c !== "en")],
    topics: profile.topics.map(({ share: _s, service: _d, ...t }) => t),
    ...profile.settings,
  });
  const queue = new EventQueue();
  let state: StoreState = emptyState("sim");
  let now = 0;
  let requests = 0;
  const ticks = new Set<number>();
  const byVisit = new Map<string, Served>();
  const customers: Served[] = [];
  const firstOffer = new Set<string>();
  const servingOf = new Map<string, { visitId: string; since: number }>();
  const result: DayResult = {
    customers,
    unfairSkips: 0,
    busy: [],
    shifts: [],
    declines: 0,
    expiries: 0,
  };
  const onShift = new Set<string>();
  const wrapUpMs = settings.wrapUpSec * 1000;
  /** The previous estimator's range at this moment (offered at once: "now", as both said). */
  const legacyQuote = (visitId: string): WaitRange => {
    if (!compareWith) return null;
    return state.visits.get(visitId)?.status === "offered"
      ? { lowMin: 0, highMin: 1 }
      : (compareWith(state, now).get(visitId) ?? null);
  };

  const exec = (input: Input) => {
    const command = commandSchema.parse({ requestId: `r${++requests}`, ...input });
    const decided = decide(state, command, now);
    if (!decided.ok) return undefined;
    const before = state;
    const d = quoting ? withQuotes(decided) : decided;
    state = d.state;
    for (const e of d.events) observe(e, before);
    // The cached deadline is a lower bound on the next timer (a tick at it may fire nothing);
    // one that a tick firing nothing leaves in the past is made exact by a full scan.
    const bound = state.nextDeadline;
    const next = bound === null || bound > now ? bound : computeNextDeadline(state);
    if (next !== null && !ticks.has(next)) {
      ticks.add(next);
      queue.push(Math.max(next, now), () => {
        ticks.delete(next);
        exec({ type: "tick" });
      });
    }
    return d;
  };

  const observe = (e: DomainEvent, before: StoreState) => {
    switch (e.type) {
      case "visit:quoted": {
        const served = byVisit.get(e.visitId);
        if (served) {
          served.quote = { lowMin: e.lowMin, highMin: e.highMin };
          served.legacyQuote = legacyQuote(e.visitId);
        }
        return;
      }
      case "offer:created":
        return offered(e.offerId, e.visitId, e.associateId, before);
      case "offer:accepted": {
        const offer = before.offers.get(e.offerId);
        const served = offer && byVisit.get(offer.visitId);
        if (!offer || !served) return;
        served.servedAt = now;
        servingOf.set(offer.associateId, { visitId: offer.visitId, since: now });
        queue.push(now + served.arrival.serviceMs, () =>
          exec({
            type: "visit:complete",
            associateId: offer.associateId,
            visitId: offer.visitId,
            outcome: "resolved",
          }),
        );
        return;
      }
      case "visit:completed": {
        for (const [associateId, s] of servingOf) {
          if (s.visitId !== e.visitId) continue;
          result.busy.push([s.since, now + wrapUpMs]);
          servingOf.delete(associateId);
        }
        return;
      }
      case "offer:declined":
        result.declines++;
        return;
      case "offer:expired": {
        result.expiries++;
        const offer = before.offers.get(e.offerId);
        if (offer) {
          const who = offer.associateId;
          queue.push(now + b.awayAfterMissMin * MIN, () => {
            if (onShift.has(who))
              exec({ type: "associate:set-presence", associateId: who, presence: "available" });
          });
        }
        return;
      }
      case "visit:left":
      case "visit:expired": {
        const served = byVisit.get(e.visitId);
        if (served) served.left = true;
        return;
      }
      default:
        return;
    }
  };

  /** An offer was made: count an unfair skip, and let the associate answer (or not). */
  const offered = (offerId: string, visitId: string, associateId: string, before: StoreState) => {
    const v = state.visits.get(visitId);
    const a = state.associates.get(associateId);
    if (v && a) {
      for (const u of before.visits.values()) {
        if (u.id === visitId || u.status !== "waiting" || u.paused) continue;
        if (u.topicId !== v.topicId || u.language !== v.language) continue;
        const now_ = state.visits.get(u.id);
        if (now_?.status !== "waiting" || now_.paused) continue;
        if (compareLine(u, v) < 0 && u.priority >= v.priority && canServe(state, a, now_))
          result.unfairSkips++;
      }
    }
    const first = !firstOffer.has(visitId);
    firstOffer.add(visitId);
    const served = byVisit.get(visitId);
    const answerMs =
      first && served
        ? served.arrival.answerMs
        : drawLogNormal({ mu: Math.log(b.answer.medianMin * MIN), sigma: b.answer.sigma }, random);
    const r = random.next();
    if (r < b.missShare) return; // never answered: the engine's timer expires it
    const timeout = settings.offerTimeoutSec * 1000;
    const at = now + Math.min(answerMs, timeout - 1000);
    const type = r < b.missShare + b.declineShare ? "offer:decline" : "offer:accept";
    queue.push(at, () => exec({ type, associateId, offerId }));
  };

  // The day: associates, customers, closing.
  exec({ type: "store:create", settings });
  for (const a of profile.associates) {
    exec({
      type: "associate:register",
      associateId: a.id,
      name: a.name,
      skills: a.skills,
      languages: a.languages,
      manager: false,
    });
    for (const [from, to] of a.shifts) {
      const start = minutesOf(from) * MIN;
      const end = minutesOf(to) * MIN;
      result.shifts.push([start, end]);
      queue.push(start, () => {
        onShift.add(a.id);
        exec({ type: "associate:sign-in", associateId: a.id });
      });
      queue.push(end, () => {
        onShift.delete(a.id);
        exec({ type: "associate:set-presence", associateId: a.id, presence: "away" });
      });
    }
  }
  for (const arrival of arrivals) {
    queue.push(arrival.at, () => {
      const served: Served = {
        arrival,
        presentAt: presentAt(arrival),
        quote: null,
        legacyQuote: null,
        servedAt: undefined,
        left: false,
      };
      const d = exec({
        type: "visit:check-in",
        topicId: arrival.topicId,
        ...(arrival.language ? { language: arrival.language } : {}),
        channel: arrival.callAhead ? "remote" : "kiosk",
        customerToken: `token-${arrival.index}-abcdefghijklmnopqrstuvwxyz`,
        ...(arrival.callAhead ? { arrivingInMin: arrival.callAhead.inMin } : {}),
      });
      const visitId = d ? String(d.reply.visitId) : undefined;
      if (!visitId) return;
      customers.push(served);
      byVisit.set(visitId, served);
      // withQuotes ran before byVisit knew the visit: read the quote from the state.
      const quote = state.visits.get(visitId)?.quotes[0];
      if (quote) {
        served.quote = { lowMin: quote.lowMin, highMin: quote.highMin };
        served.legacyQuote = legacyQuote(visitId);
      }
      const present = served.presentAt;
      if (arrival.callAhead) queue.push(present, () => exec({ type: "visit:arrive", visitId }));
      if (arrival.pause) {
        const { afterMs, forMs } = arrival.pause;
        queue.push(present + afterMs, () => exec({ type: "visit:pause", visitId }));
        queue.push(present + afterMs + forMs, () => exec({ type: "visit:resume", visitId }));
      }
      queue.push(present + arrival.patienceMs, () => {
        const v = state.visits.get(visitId);
        if (v && (v.status === "waiting" || v.status === "offered"))
          exec({ type: "visit:leave", visitId });
      });
    });
  }
  const closeAt = minutesOf(profile.close) * MIN;
  const endAt = closeAt + AFTER_CLOSE_MS;
  queue.push(closeAt, () => exec({ type: "intake:pause" }));
  queue.run((at) => {
    if (at > endAt) return false;
    now = Math.max(now, at);
    return true;
  });
  return result;
}
