import type { Presence } from "../../shared/commands.js";
import type { StoreSettings } from "../../shared/settings.js";
import type { AlertKind, Channel, Outcome, Satisfaction } from "./state.js";

/**
 * Everything that can happen to a store, in the past tense. Events are facts: evolve() applies
 * them without checks, so only decide() may produce them. Times come from the commit (`at`).
 */
export type DomainEvent =
  | { type: "store:created"; settings: StoreSettings }
  | { type: "store:settings-changed"; settings: StoreSettings }
  | { type: "intake:paused" }
  | { type: "intake:resumed" }
  | {
      type: "associate:registered";
      associateId: string;
      name: string;
      skills: string[];
      languages: string[];
      manager: boolean;
    }
  | { type: "associate:removed"; associateId: string }
  | { type: "associate:signed-in"; associateId: string; presence: Presence }
  | { type: "associate:signed-out"; associateId: string }
  | { type: "associate:presence-changed"; associateId: string; presence: Presence }
  | { type: "tablet:connected"; associateId: string }
  | { type: "tablet:disconnected"; associateId: string }
  /** The tablet stayed away past the grace. */
  | { type: "associate:connection-lost"; associateId: string }
  | { type: "associate:wrap-up-ended"; associateId: string }
  | {
      type: "visit:checked-in";
      visitId: string;
      code: string;
      /** Local day of the code, and its number, for the code counters. */
      codeDay: string;
      codeNumber: number;
      token: string;
      topicId: string;
      name: string;
      language: string | undefined;
      note: string;
      channel: Channel;
      /** Set for call-ahead: the visit is `expected` until it arrives or this passes. */
      holdUntil: number | undefined;
    }
  | { type: "visit:arrived"; visitId: string }
  | { type: "visit:paused"; visitId: string }
  /** `by`: the associate who brought a browsing customer back (absent: the customer did). */
  | { type: "visit:resumed"; visitId: string; by?: string }
  | { type: "visit:left"; visitId: string }
  | { type: "visit:expired"; visitId: string }
  | { type: "visit:widened"; visitId: string }
  /** The decliners of a visit may be offered it again (if nobody else available may). */
  | { type: "visit:cooldown-ended"; visitId: string }
  /** The wait told to the customer (at check-in, at arrival), so quotes can be checked later. */
  | { type: "visit:quoted"; visitId: string; lowMin: number; highMin: number }
  | { type: "visit:sla-breached"; visitId: string }
  | { type: "visit:priority-changed"; visitId: string; priority: number }
  | {
      type: "offer:created";
      offerId: string;
      visitId: string;
      associateId: string;
      deadline: number;
    }
  | { type: "offer:accepted"; offerId: string }
  | { type: "offer:declined"; offerId: string; reason: string }
  | { type: "offer:expired"; offerId: string }
  | {
      type: "offer:withdrawn";
      offerId: string;
      reason: "visit_left" | "visit_paused" | "associate_away" | "connection_lost" | "reassigned";
    }
  | { type: "visit:completed"; visitId: string; outcome: Outcome; note: string }
  /**
   * A no-show taken back (the customer turned up): the visit is open again, `serving` by the
   * associate who recorded it when they hold nothing else, else `waiting` in its place.
   */
  | { type: "visit:no-show-undone"; visitId: string; serving: boolean }
  | {
      type: "visit:transferred";
      visitId: string;
      toTopicId: string | undefined;
      toAssociateId: string | undefined;
      note: string;
    }
  | {
      type: "visit:reassigned";
      visitId: string;
      toAssociateId: string | undefined;
      /** With no one named: who had it (offered or serving); "anyone else" leaves them out. */
      fromAssociateId?: string;
      /**
       * Absent for a manager's reassign; `tablet_lost`: the serving associate's tablet stayed
       * gone past orphanedVisitMin.
       */
      reason?: "tablet_lost";
    }
  | {
      type: "alert:raised";
      alertId: string;
      kind: AlertKind;
      visitId: string | undefined;
      associateId: string | undefined;
      note: string;
    }
  /** `reason` `cause_gone`: the engine closed it as what raised it is over (docs/ENGINE.md). */
  | { type: "alert:resolved"; alertId: string; reason?: "cause_gone" }
  /**
   * Retention: what was logged before `before` has expired. Closed visits that ended before it
   * are forgotten, and the log's commits before it may be trimmed (behind a snapshot).
   */
  | { type: "data:expired"; before: number }
  | {
      type: "feedback:given";
      visitId: string;
      satisfaction: Satisfaction;
      comment: string;
      kudos: boolean;
    }
  /**
   * The customer said a visit closed `resolved` was not resolved (or only partly): it goes on
   * the follow-up list, copied from the visit and its feedback as they are now.
   */
  | { type: "visit:follow-up-needed"; visitId: string }
  /** A manager followed it up (`by` absent: an administrator); it leaves the open list. */
  | { type: "visit:followed-up"; visitId: string; by: string | undefined; note: string };

export type EventType = DomainEvent["type"];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
