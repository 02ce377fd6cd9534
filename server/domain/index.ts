/** The pure queue engine: rules, state, projections. No I/O anywhere below this folder. */
export {
  canServe,
  compareIdle,
  declinedByAllWhoCould,
  isPresent,
  matches,
  compareLine,
  isFree,
  isOfferable,
  matchesToOffer,
} from "./assignment.js";
export { localDay } from "./codes.js";
export { type Decision, decide } from "./decide.js";
export type { Reply } from "./draft.js";
export {
  ESTIMATE_STEP_MS,
  type Probe,
  estimateForTopic,
  estimateTime,
  estimateWaits,
  isNarrow,
  serviceMeanMs,
  serviceModel,
  type WaitRange,
} from "./estimates.js";
export { joinedBy, quoteCommit, told, withQuotes } from "./quotes.js";
export type { DomainEvent, EventOf, EventType } from "./events.js";
export { evolve, evolveCommit } from "./evolve.js";
export { associateIdFor } from "./manager-commands.js";
export {
  fromSnapshot,
  fromStateData,
  SNAPSHOT_SCHEMA,
  type StateData,
  toStateData,
} from "./snapshot.js";
export * from "./state.js";
export {
  computeNextDeadline,
  dueTimers,
  nextDeadline,
  pendingTimers,
  type Timer,
} from "./timers.js";
export { Projection, firstName } from "./views.js";
