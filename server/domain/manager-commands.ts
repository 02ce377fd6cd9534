import type { CommandOf } from "../../shared/commands.js";
import { notAllowed } from "./customer-commands.js";
import {
  type Draft,
  type Reply,
  fail,
  requireAssociate,
  requireManager,
  requireVisit,
} from "./draft.js";
import type { StoreState } from "./state.js";

/** Store provisioning and manager overrides. */

/**
 * The associate an id typed at sign-in names: the exact id, else the one id equal to it
 * ignoring case (ids from before this rule that differ only by case need their exact spelling).
 */
export function associateIdFor(state: StoreState, typed: string): string | undefined {
  if (state.associates.has(typed)) return typed;
  const lower = typed.toLowerCase();
  const found = [...state.associates.keys()].filter((id) => id.toLowerCase() === lower);
  return found.length === 1 ? found[0] : undefined;
}

export function createStore(d: Draft, c: CommandOf<"store:create">): Reply {
  if (d.state.created) fail("STORE_EXISTS", `Store ${d.state.storeId} already exists.`);
  d.emit({ type: "store:created", settings: c.settings });
  return { storeId: d.state.storeId };
}

export function updateSettings(d: Draft, c: CommandOf<"store:update-settings">): Reply {
  requireManager(d.state, c.managerId);
  const kept = new Set(c.settings.topics.map((t) => t.id));
  for (const v of d.state.visits.values()) {
    if (!kept.has(v.topicId)) {
      fail("TOPIC_IN_USE", `Topic ${v.topicId} has open visits; it can be removed once they end.`);
    }
  }
  d.emit({ type: "store:settings-changed", settings: c.settings });
  return { storeId: d.state.storeId };
}

export function pauseIntake(d: Draft, c: CommandOf<"intake:pause">): Reply {
  requireManager(d.state, c.managerId);
  if (d.state.intakeOpen) d.emit({ type: "intake:paused" });
  return { intakeOpen: false };
}

export function resumeIntake(d: Draft, c: CommandOf<"intake:resume">): Reply {
  requireManager(d.state, c.managerId);
  if (!d.state.intakeOpen) d.emit({ type: "intake:resumed" });
  return { intakeOpen: true };
}

export function registerAssociate(d: Draft, c: CommandOf<"associate:register">): Reply {
  requireManager(d.state, c.managerId);
  // Ids are typed at sign-in without regard to case: two may not differ only by case.
  const same = associateIdFor(d.state, c.associateId);
  if (same !== undefined && same !== c.associateId)
    fail("INVALID_COMMAND", `The id ${c.associateId} is taken (as ${same}).`);
  d.emit({
    type: "associate:registered",
    associateId: c.associateId,
    name: c.name,
    skills: [...new Set(c.skills)],
    languages: [...new Set(c.languages)],
    manager: c.manager,
  });
  return { associateId: c.associateId };
}

export function removeAssociate(d: Draft, c: CommandOf<"associate:remove">): Reply {
  requireManager(d.state, c.managerId);
  const a = requireAssociate(d.state, c.associateId);
  if (a.offerId !== undefined || a.visitId !== undefined) {
    fail("ASSOCIATE_BUSY", `${a.name} holds a customer; reassign the visit first.`);
  }
  d.emit({ type: "associate:removed", associateId: a.id });
  return { associateId: a.id };
}

export function reassign(d: Draft, c: CommandOf<"visit:reassign">): Reply {
  requireManager(d.state, c.managerId);
  const visit = requireVisit(d.state, c.visitId);
  if (visit.status === "expected") notAllowed(visit, "reassign");
  if (c.toAssociateId !== undefined) requireAssociate(d.state, c.toAssociateId);
  if (visit.offerId !== undefined) {
    d.emit({ type: "offer:withdrawn", offerId: visit.offerId, reason: "reassigned" });
  }
  // A manager handing on a browsing customer means "serve them": they are back in line.
  if (visit.paused) d.emit({ type: "visit:resumed", visitId: visit.id, by: c.managerId });
  // "Anyone else": without a named associate, the one who had it is not offered it again.
  const from = c.toAssociateId === undefined ? visit.associateId : undefined;
  d.emit({
    type: "visit:reassigned",
    visitId: visit.id,
    toAssociateId: c.toAssociateId,
    ...(from !== undefined ? { fromAssociateId: from } : {}),
  });
  return { visitId: visit.id };
}

export function setPriority(d: Draft, c: CommandOf<"visit:set-priority">): Reply {
  requireManager(d.state, c.managerId);
  const visit = requireVisit(d.state, c.visitId);
  if (visit.status === "serving") notAllowed(visit, "change the priority of");
  if (visit.priority !== c.priority) {
    d.emit({ type: "visit:priority-changed", visitId: visit.id, priority: c.priority });
  }
  return { visitId: visit.id };
}

export function resolveAlert(d: Draft, c: CommandOf<"alert:resolve">): Reply {
  requireManager(d.state, c.managerId);
  if (!d.state.alerts.has(c.alertId))
    fail("ALERT_NOT_FOUND", `There is no open alert ${c.alertId}.`);
  d.emit({ type: "alert:resolved", alertId: c.alertId });
  return { alertId: c.alertId };
}
