import type { Decision } from "./decide.js";
import { type WaitRange, estimateWaits, kioskProbes } from "./estimates.js";
import type { DomainEvent } from "./events.js";
import { evolve, evolveCommit } from "./evolve.js";
import type { StoreState } from "./state.js";

type Made = Extract<Decision, { ok: true }>;

/**
 * The visits that joined the line in a decision's events and are owed a quote: checked in
 * (not as a call-ahead held for later) or arrived from a call-ahead.
 */
export function joinedBy(events: readonly DomainEvent[]): string[] {
  const joined: string[] = [];
  for (const e of events) {
    if (e.type === "visit:arrived") joined.push(e.visitId);
    else if (e.type === "visit:checked-in" && e.holdUntil === undefined) joined.push(e.visitId);
  }
  return joined;
}

/**
 * The waits estimated for a state at a moment, kept with the state so that a view projected
 * from it at that moment (see Projection.waits) reuses the estimate the quotes were made from.
 */
const estimated = new WeakMap<StoreState, { at: number; waits: Map<string, WaitRange> }>();

/** The waits estimated for `state` at `at` when it was quoted, if that is what is asked. */
export function quotedWaits(state: StoreState, at: number): Map<string, WaitRange> | undefined {
  const known = estimated.get(state);
  return known?.at === at ? known.waits : undefined;
}

/**
 * The wait each of `joined` is told, on `state` at `at`: a `visit:quoted` event per visit still
 * waiting (a band of its simulated waits) or already offered (0–1 min: nothing to wait for but a
 * yes). The line is simulated once for all of them, and only if one has to wait; the kiosk's
 * questions ride along (drawn apart, they change no visit's range) so that the views of the
 * state after can reuse the estimate (see `remember`).
 */
function quotesFor(
  state: StoreState,
  joined: readonly string[],
  at: number,
): { events: DomainEvent[]; waits: Map<string, WaitRange> | undefined } {
  let waits: Map<string, WaitRange> | undefined;
  const events: DomainEvent[] = [];
  for (const visitId of joined) {
    const visit = state.visits.get(visitId);
    if (!visit || (visit.status !== "waiting" && visit.status !== "offered")) continue;
    if (visit.status === "waiting") waits ??= estimateWaits(state, at, kioskProbes(state));
    const range =
      visit.status === "offered" ? { lowMin: 0, highMin: 1 } : (waits?.get(visitId) ?? null);
    if (range) events.push({ type: "visit:quoted", visitId, ...range });
  }
  return { events, waits };
}

/** A quote changes no estimate's input: the state after holds the same line at the same clock. */
function remember(after: StoreState, at: number, waits: Map<string, WaitRange> | undefined) {
  if (waits && after.clock === at) estimated.set(after, { at, waits });
}

/**
 * The quotes owed to every customer in `joined` (who joined the line in commits decided since
 * the last quote), as one commit after `state` at its clock: the server's way, once per batch
 * of commits, made durable with them. Undefined when nobody is owed one any more.
 */
export function quoteCommit(
  state: StoreState,
  joined: readonly string[],
): { events: DomainEvent[]; state: StoreState; at: number } | undefined {
  const at = state.clock;
  const { events, waits } = quotesFor(state, joined, at);
  if (events.length === 0) return undefined;
  const after = evolveCommit(state, { version: state.version + 1, at, events });
  remember(after, at, waits);
  return { events, state: after, at };
}

/**
 * One decision with its quotes (the simulator, tests): what the server does once per batch of
 * commits (see QueueService), done for a single decision on the state after it.
 */
export function withQuotes(decision: Made): Made {
  if (!decision.recorded) return decision;
  const checkedIn = decision.events.some((e) => e.type === "visit:checked-in");
  const joined = joinedBy(decision.events);
  if (joined.length === 0)
    return checkedIn ? { ...decision, reply: told(decision.reply, decision.state) } : decision;
  const { events, waits } = quotesFor(decision.state, joined, decision.at);
  let state = decision.state;
  for (const event of events) state = evolve(state, event, decision.at);
  remember(state, decision.at, waits);
  return {
    ...decision,
    events: [...decision.events, ...events],
    state,
    reply: checkedIn ? told(decision.reply, state) : decision.reply,
  };
}

/**
 * A check-in's answer carries what its customer is told: their status (offered at once, waiting,
 * expected) and the range recorded for them, so the ticket needs no second read of the store,
 * and a retried check-in answers what the first one did.
 */
export function told(reply: Made["reply"], state: StoreState): Made["reply"] {
  const visitId = reply.visitId;
  const visit = typeof visitId === "string" ? state.visits.get(visitId) : undefined;
  if (!visit) return reply;
  const quote = visit.quotes.at(-1);
  return {
    ...reply,
    status: visit.status,
    waitLowMin: quote?.lowMin ?? null,
    waitHighMin: quote?.highMin ?? null,
  };
}
