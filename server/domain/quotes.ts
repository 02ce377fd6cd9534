import type { Decision } from "./decide.js";
import { type WaitRange, estimateWaits } from "./estimates.js";
import type { DomainEvent } from "./events.js";
import { evolve } from "./evolve.js";

type Made = Extract<Decision, { ok: true }>;

/**
 * Records the wait each customer who joined the line in this decision was told: at check-in,
 * and at arrival for call-ahead. Appends a `visit:quoted` event per such visit, with the range
 * the state after the decision gives at its time: the very range their ticket and page show.
 * Kept out of decide() so the engine's hot path does not simulate the line; the app layer calls
 * it on every decision it commits, and the simulator does the same.
 */
export function withQuotes(decision: Made): Made {
  if (!decision.recorded) return decision;
  const checkedIn = decision.events.some((e) => e.type === "visit:checked-in");
  const joined: string[] = [];
  for (const e of decision.events) {
    if (e.type === "visit:arrived") joined.push(e.visitId);
    else if (e.type === "visit:checked-in" && e.holdUntil === undefined) joined.push(e.visitId);
  }
  if (joined.length === 0)
    return checkedIn ? { ...decision, reply: told(decision, decision.state) } : decision;
  let state = decision.state;
  // The line is simulated only if someone has to wait (not when everyone was offered at once).
  let waits: Map<string, WaitRange> | undefined;
  const quotes: DomainEvent[] = [];
  for (const visitId of joined) {
    const visit = state.visits.get(visitId);
    if (!visit || (visit.status !== "waiting" && visit.status !== "offered")) continue;
    // Offered at once: someone is already being asked; nothing to wait for but their yes.
    waits ??= visit.status === "waiting" ? estimateWaits(decision.state, decision.at) : undefined;
    const range =
      visit.status === "offered" ? { lowMin: 0, highMin: 1 } : (waits?.get(visitId) ?? null);
    if (!range) continue;
    const event: DomainEvent = { type: "visit:quoted", visitId, ...range };
    quotes.push(event);
    state = evolve(state, event, decision.at);
  }
  const events = [...decision.events, ...quotes];
  return { ...decision, events, state, reply: checkedIn ? told(decision, state) : decision.reply };
}

/**
 * A check-in's answer carries what its customer is told at that moment: their status (offered
 * at once, or waiting) and the range just recorded, so the ticket needs no second read of the
 * store, and a retried check-in answers what the first one did.
 */
function told(decision: Made, state: Made["state"]): Made["reply"] {
  const visitId = decision.reply.visitId;
  const visit = typeof visitId === "string" ? state.visits.get(visitId) : undefined;
  if (!visit) return decision.reply;
  const quote = visit.quotes.at(-1);
  return {
    ...decision.reply,
    status: visit.status,
    waitLowMin: quote?.lowMin ?? null,
    waitHighMin: quote?.highMin ?? null,
  };
}
