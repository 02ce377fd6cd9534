import type {
  Associate,
  DomainEvent,
  EventOf,
  EventType,
  StoreState,
  Visit,
} from "../../server/domain/index.js";
import { type Step, run } from "./engine.js";

/** Small helpers for example-based engine tests, on top of tests/support/engine.ts. */

/** The events of one type in a step's events, typed. */
export function eventsOf<T extends EventType>(
  events: readonly DomainEvent[],
  type: T,
): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

/** The only event of one type, or throws. */
export function onlyEvent<T extends EventType>(
  events: readonly DomainEvent[],
  type: T,
): EventOf<T> {
  const found = eventsOf(events, type);
  if (found.length !== 1)
    throw new Error(`expected one ${type}, got ${found.length}: ${JSON.stringify(events)}`);
  return found[0] as EventOf<T>;
}

/** A visit, open or closed, or throws. */
export function visitOf(state: StoreState, visitId: string): Visit {
  const v = state.visits.get(visitId) ?? state.closed.get(visitId);
  if (!v) throw new Error(`no visit ${visitId}`);
  return v;
}

/** An associate, or throws. */
export function associateOf(state: StoreState, associateId: string): Associate {
  const a = state.associates.get(associateId);
  if (!a) throw new Error(`no associate ${associateId}`);
  return a;
}

/** The visit id an associate is offered right now, or undefined. */
export function offeredTo(state: StoreState, associateId: string): string | undefined {
  const offerId = state.associates.get(associateId)?.offerId;
  return offerId === undefined ? undefined : state.offers.get(offerId)?.visitId;
}

/** Accepts the offer `associateId` holds; returns the step and the visit now served. */
export function acceptHeld(
  state: StoreState,
  associateId: string,
  now: number,
): Step & { visitId: string } {
  const offerId = state.associates.get(associateId)?.offerId;
  if (!offerId) throw new Error(`${associateId} holds no offer`);
  const step = run(state, { type: "offer:accept", associateId, offerId }, now);
  return { ...step, visitId: String(step.reply.visitId) };
}

/** Completes the visit `associateId` serves. */
export function completeHeld(
  state: StoreState,
  associateId: string,
  now: number,
  outcome: "resolved" | "follow_up" | "not_resolved" = "resolved",
  note = "",
): Step & { visitId: string } {
  const visitId = state.associates.get(associateId)?.visitId;
  if (!visitId) throw new Error(`${associateId} serves nobody`);
  const step = run(state, { type: "visit:complete", associateId, visitId, outcome, note }, now);
  return { ...step, visitId };
}

/** Runs commands in order at one time; returns the final state and every event emitted. */
export function runAll(
  state: StoreState,
  inputs: Parameters<typeof run>[1][],
  now: number,
): { state: StoreState; events: DomainEvent[] } {
  let s = state;
  const events: DomainEvent[] = [];
  for (const input of inputs) {
    const step = run(s, input, now);
    s = step.state;
    events.push(...step.events);
  }
  return { state: s, events };
}
