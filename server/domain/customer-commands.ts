import type { CommandOf } from "../../shared/commands.js";
import { localDay, nextVisitCode } from "./codes.js";
import { type Draft, type Reply, fail, requireVisit } from "./draft.js";
import { followUpIfDisputed } from "./follow-ups.js";
import { callAheadHoldMs, topicOf } from "./settings-view.js";
import type { Visit } from "./state.js";

/** Customer-side commands: check in, arrive, pause/resume, leave, feedback. */

export function checkIn(d: Draft, c: CommandOf<"visit:check-in">): Reply {
  const s = d.state;
  // A pause closes the kiosk, phones and call-ahead; a walk-in is staff deciding to help someone.
  if (!s.intakeOpen && c.channel !== "staff")
    fail("INTAKE_PAUSED", "The store is not taking new requests right now.");
  const topic = topicOf(s, c.topicId) ?? fail("UNKNOWN_TOPIC", `There is no topic ${c.topicId}.`);
  if (c.language !== undefined && !s.settings.languages.includes(c.language)) {
    fail("UNKNOWN_LANGUAGE", `This store does not offer help in ${c.language}.`);
  }
  if (s.tokens.has(c.customerToken)) fail("INVALID_COMMAND", "That customer token is taken.");
  const { code, day, number } = nextVisitCode(s, topic.letter, d.at);
  const visitId = `v-${s.visitSeq + 1}`;
  const holdUntil =
    c.channel === "remote"
      ? d.at + (c.arrivingInMin ?? 0) * 60_000 + callAheadHoldMs(s)
      : undefined;
  d.emit({
    type: "visit:checked-in",
    visitId,
    code,
    codeDay: day,
    codeNumber: number,
    token: c.customerToken,
    topicId: topic.id,
    name: c.name,
    language: c.language,
    note: c.note,
    channel: c.channel,
    holdUntil,
  });
  return {
    visitId,
    code,
    token: c.customerToken,
    status: holdUntil === undefined ? "waiting" : "expected",
  };
}

export function arrive(d: Draft, c: CommandOf<"visit:arrive">): Reply {
  const visit = requireVisit(d.state, c.visitId);
  if (visit.status !== "expected") notAllowed(visit, "arrive");
  d.emit({ type: "visit:arrived", visitId: visit.id });
  return { visitId: visit.id };
}

export function pause(d: Draft, c: CommandOf<"visit:pause">): Reply {
  const visit = requireVisit(d.state, c.visitId);
  if (visit.status !== "waiting" && visit.status !== "offered")
    notAllowed(visit, "keep a place for");
  if (visit.paused) return { visitId: visit.id };
  if (visit.offerId !== undefined) {
    d.emit({ type: "offer:withdrawn", offerId: visit.offerId, reason: "visit_paused" });
  }
  d.emit({ type: "visit:paused", visitId: visit.id });
  return { visitId: visit.id };
}

export function resume(d: Draft, c: CommandOf<"visit:resume">): Reply {
  const visit = requireVisit(d.state, c.visitId);
  if (visit.status !== "waiting") notAllowed(visit, "resume");
  if (visit.paused) d.emit({ type: "visit:resumed", visitId: visit.id });
  return { visitId: visit.id };
}

/**
 * The kiosk's "I'm back": a browsing customer types the code on their ticket. Only a visit of
 * this store with today's code (codes restart each local day), and only one that is browsing.
 */
export function resumeByCode(d: Draft, c: CommandOf<"visit:resume-by-code">): Reply {
  const s = d.state;
  const wanted = normalCode(c.code);
  const today = localDay(d.at, s.settings.timezone);
  let visit: Visit | undefined;
  for (const v of s.visits.values()) {
    if (normalCode(v.code) === wanted && localDay(v.checkedInAt, s.settings.timezone) === today) {
      visit = v;
      break;
    }
  }
  if (!visit) return fail("VISIT_NOT_FOUND", `No visit ${c.code} is open today.`);
  if (visit.status !== "waiting" || !visit.paused)
    fail("INVALID_TRANSITION", `Visit ${visit.code} is not keeping a place: nothing to resume.`);
  d.emit({ type: "visit:resumed", visitId: visit.id });
  return { visitId: visit.id, code: visit.code };
}

/** "p17", "P-017", "p 017" are all P-017: the letter and the number. */
function normalCode(code: string): string {
  const match = /^\s*([A-Za-z])\s*-?\s*0*(\d+)\s*$/.exec(code);
  return match ? `${match[1]?.toUpperCase()}-${Number(match[2])}` : code.trim().toUpperCase();
}

export function leave(d: Draft, c: CommandOf<"visit:leave">): Reply {
  const visit = requireVisit(d.state, c.visitId);
  if (visit.status === "serving") notAllowed(visit, "leave the line for");
  if (visit.offerId !== undefined) {
    d.emit({ type: "offer:withdrawn", offerId: visit.offerId, reason: "visit_left" });
  }
  d.emit({ type: "visit:left", visitId: visit.id });
  return { visitId: visit.id };
}

export function giveFeedback(d: Draft, c: CommandOf<"feedback:give">): Reply {
  const s = d.state;
  if (s.visits.has(c.visitId)) {
    fail("FEEDBACK_NOT_ALLOWED", "Feedback opens once the visit is over.");
  }
  const visit =
    s.closed.get(c.visitId) ?? fail("VISIT_NOT_FOUND", `There is no visit ${c.visitId}.`);
  if (visit.status !== "done" || visit.outcome === "no_show") {
    fail("FEEDBACK_NOT_ALLOWED", "Feedback is for visits where an associate helped.");
  }
  if (visit.feedback) fail("FEEDBACK_ALREADY_GIVEN", "Feedback for this visit was already given.");
  d.emit({
    type: "feedback:given",
    visitId: visit.id,
    satisfaction: c.satisfaction,
    comment: c.comment,
    kudos: c.kudos,
  });
  followUpIfDisputed(d, visit);
  return { visitId: visit.id };
}

export function notAllowed(visit: Visit, action: string): never {
  return fail(
    "INVALID_TRANSITION",
    `Cannot ${action} visit ${visit.code} while it is ${visit.status}.`,
  );
}
