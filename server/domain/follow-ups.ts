import type { CommandOf } from "../../shared/commands.js";
import { type Draft, type Reply, fail, requireManager } from "./draft.js";
import type { Visit } from "./state.js";

/**
 * Resolution that is real: a visit its associate closed `resolved` while the customer answered
 * "no" or "partly" is a disputed resolution. It goes on the store's follow-up list, and the
 * managers are alerted, until a manager follows it up with a note.
 */

/** After `feedback:given` for `visit`: puts a disputed resolution on the list and alerts. */
export function followUpIfDisputed(d: Draft, visit: Visit): void {
  const feedback = d.state.closed.get(visit.id)?.feedback;
  if (visit.outcome !== "resolved" || !feedback || feedback.satisfaction === "yes") return;
  d.emit({ type: "visit:follow-up-needed", visitId: visit.id });
  // The note stays free of names and comments: the alert view takes them from the list entry.
  d.emit({
    type: "alert:raised",
    alertId: `a-${d.state.alertSeq + 1}`,
    kind: "follow_up_needed",
    visitId: visit.id,
    associateId: visit.associateId,
    note: `${visit.code} was closed as resolved; the customer answered "${feedback.satisfaction}"`,
  });
}

/**
 * A manager followed up a disputed resolution: it leaves the open list (its alert clears, its
 * cause gone) and is kept, with who, when and the note, until retention.
 */
export function markFollowedUp(d: Draft, c: CommandOf<"follow-up:done">): Reply {
  requireManager(d.state, c.managerId);
  const followUp =
    d.state.followUps.get(c.visitId) ??
    fail("VISIT_NOT_FOUND", `Visit ${c.visitId} is not on the follow-up list.`);
  if (followUp.done) {
    const by = d.state.associates.get(followUp.done.by ?? "")?.name ?? "a manager";
    fail("INVALID_TRANSITION", `Visit ${followUp.code} was already followed up by ${by}.`);
  }
  d.emit({ type: "visit:followed-up", visitId: followUp.visitId, by: c.managerId, note: c.note });
  return { visitId: followUp.visitId };
}
