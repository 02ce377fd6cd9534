import type {
  Associate,
  DomainEvent,
  EventOf,
  EventType,
  StoreState,
  Visit,
} from "../../server/domain/index.js";
import type { AppendResult, Commit, EventStore, Snapshot } from "../../server/store/event-store.js";
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

/**
 * A minimal in-memory event store, enough to drive the app's QueueService in unit tests
 * (request-id deduplication, validation): no journal file, no retention sweep.
 */
export class TestEventStore implements EventStore {
  readonly kind = "embedded" as const;
  readonly logs = new Map<string, Commit[]>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly deadlines = new Map<string, number>();

  async read(storeId: string, afterVersion: number): Promise<Commit[]> {
    return (this.logs.get(storeId) ?? []).filter((c) => c.version > afterVersion);
  }

  async version(storeId: string): Promise<number> {
    return this.logs.get(storeId)?.length ?? 0;
  }

  async append(commit: Commit, expectedVersion: number): Promise<AppendResult> {
    const log = this.logs.get(commit.storeId) ?? [];
    const prior = log.find((c) => c.requestId === commit.requestId);
    if (prior) return { status: "duplicate", commit: prior };
    if (log.length !== expectedVersion) return { status: "conflict", actualVersion: log.length };
    log.push(structuredClone(commit));
    this.logs.set(commit.storeId, log);
    return { status: "appended", version: log.length };
  }

  async findRequest(storeId: string, requestId: string): Promise<Commit | undefined> {
    return this.logs.get(storeId)?.find((c) => c.requestId === requestId);
  }

  async saveSnapshot(storeId: string, snapshot: Snapshot): Promise<void> {
    const current = this.snapshots.get(storeId);
    if (!current || current.version < snapshot.version) this.snapshots.set(storeId, snapshot);
  }

  async loadSnapshot(storeId: string): Promise<Snapshot | undefined> {
    return this.snapshots.get(storeId);
  }

  async setDeadline(storeId: string, at: number | null, mode: "lower" | "exact"): Promise<void> {
    const current = this.deadlines.get(storeId);
    if (at === null) {
      if (mode === "exact") this.deadlines.delete(storeId);
      return;
    }
    if (mode === "exact" || current === undefined || at < current) this.deadlines.set(storeId, at);
  }

  async dueStores(now: number, limit: number): Promise<string[]> {
    return [...this.deadlines.entries()]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  async storeIds(): Promise<string[]> {
    return [...this.logs.keys()];
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
