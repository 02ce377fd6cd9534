import { AppError, type ErrorCode } from "../../shared/errors.js";
import type { DomainEvent } from "./events.js";
import { evolve } from "./evolve.js";
import type { Associate, StoreState, Visit } from "./state.js";

/** What a command answers besides its events: ids and codes the caller needs. */
export type Reply = Record<string, string | number | boolean | null>;

/**
 * A decision in progress: the events emitted so far and the state they lead to, so later rules
 * of the same command (timers, assignment) see the effect of earlier ones.
 */
export class Draft {
  readonly events: DomainEvent[] = [];

  constructor(
    public state: StoreState,
    readonly at: number,
  ) {}

  emit(event: DomainEvent): void {
    this.events.push(event);
    this.state = evolve(this.state, event, this.at);
  }
}

export function fail(code: ErrorCode, message: string): never {
  throw new AppError(code, message);
}

export function requireVisit(state: StoreState, visitId: string): Visit {
  return state.visits.get(visitId) ?? fail("VISIT_NOT_FOUND", `There is no open visit ${visitId}.`);
}

export function requireAssociate(state: StoreState, associateId: string): Associate {
  return (
    state.associates.get(associateId) ??
    fail("ASSOCIATE_NOT_FOUND", `There is no associate ${associateId} in this store.`)
  );
}

/** Manager commands name the acting manager; without one the caller is an administrator. */
export function requireManager(state: StoreState, managerId: string | undefined): void {
  if (managerId === undefined) return;
  const manager = state.associates.get(managerId);
  if (!manager?.manager) fail("NOT_A_MANAGER", "Only a manager may do this.");
}
