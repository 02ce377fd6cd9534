import { describe, expect, it } from "vitest";
import {
  Projection,
  type StoreState,
  fromSnapshot,
  toStateData,
} from "../../server/domain/index.js";
import { commandSchema } from "../../shared/commands.js";
import { MIN, SEC, T0, checkIn, refuse, run, storeWith } from "../support/engine.js";
import { acceptHeld, eventsOf } from "../support/scenarios.js";

// Resolution that is real (issue 12, point 6): a visit closed `resolved` that the customer says
// was not, or only partly, goes on the follow-up list with an alert until a manager follows it up.

const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Ana serves a customer named "Olena Koval" and closes the visit with `outcome`. */
function served(outcome: "resolved" | "follow_up" | "not_resolved" = "resolved"): StoreState {
  let s = storeWith([{ id: "ana" }, { id: "max", manager: true, signIn: false }]);
  s = run(
    s,
    {
      type: "visit:check-in",
      topicId: "phones",
      channel: "kiosk",
      customerToken: "tok_follow_up_000000000001",
      name: "Olena Koval",
    },
    T0,
  ).state;
  s = acceptHeld(s, "ana", T0 + SEC).state;
  return run(
    s,
    { type: "visit:complete", associateId: "ana", visitId: "v-1", outcome },
    T0 + 5 * MIN,
  ).state;
}

const answer = (s: StoreState, satisfaction: "yes" | "partly" | "no", comment = "") =>
  run(s, { type: "feedback:give", visitId: "v-1", satisfaction, comment }, T0 + 6 * MIN);

const followUpDone = (s: StoreState, note: string, managerId = "max", now = T0 + 10 * MIN) =>
  run(s, { type: "follow-up:done", managerId, visitId: "v-1", note }, now);

const managerView = (s: StoreState, now = T0 + 7 * MIN) => {
  const view = new Projection(s, now).manager("max");
  if (!view) throw new Error("max has no manager view");
  return view;
};

describe("a disputed resolution goes on the follow-up list", () => {
  it("'no' to a resolved visit: listed, and the managers are alerted with who, what and why", () => {
    const step = answer(served(), "no", "The screen still flickers");
    expect(step.events.map((e) => e.type)).toEqual([
      "feedback:given",
      "visit:follow-up-needed",
      "alert:raised",
    ]);
    const view = managerView(step.state);
    expect(view.followUps).toEqual([
      expect.objectContaining({
        visitId: "v-1",
        code: "P-001",
        topicName: "Phones",
        customerName: "Olena Koval",
        associateId: "ana",
        associateName: "Ana",
        satisfaction: "no",
        comment: "The screen still flickers",
        done: null,
      }),
    ]);
    expect(view.alerts).toEqual([
      expect.objectContaining({
        kind: "follow_up_needed",
        visitId: "v-1",
        code: "P-001",
        associateName: "Ana",
        followUp: {
          customerName: "Olena Koval",
          satisfaction: "no",
          comment: "The screen still flickers",
        },
        actions: ["open_follow_up", "resolve"],
      }),
    ]);
    // The alert's own words name nobody: names and comments live in the list entry.
    expect(view.alerts[0]?.note).not.toContain("Olena");
  });

  it("'partly' counts too; 'yes', or a visit not closed as resolved, does not", () => {
    expect(managerView(answer(served(), "partly").state).followUps).toHaveLength(1);
    for (const [outcome, said] of [
      ["resolved", "yes"],
      ["follow_up", "no"],
      ["not_resolved", "partly"],
    ] as const) {
      const step = answer(served(outcome), said);
      expect(eventsOf(step.events, "visit:follow-up-needed")).toEqual([]);
      expect(step.state.alerts.size).toBe(0);
      expect(managerView(step.state).followUps).toEqual([]);
    }
  });
});

describe("a manager follows it up", () => {
  it("with a note: it leaves the open list, its alert clears, who/when/note are kept", () => {
    const listed = answer(served(), "no", "Still broken").state;
    const step = followUpDone(listed, "Called her; a new screen is ordered");
    expect(step.events).toEqual([
      {
        type: "visit:followed-up",
        visitId: "v-1",
        by: "max",
        note: "Called her; a new screen is ordered",
      },
      { type: "alert:resolved", alertId: "a-1", reason: "cause_gone" },
    ]);
    expect(step.reply).toEqual({ visitId: "v-1" });
    const view = managerView(step.state, T0 + 11 * MIN);
    expect(view.followUps).toEqual([]);
    expect(view.alerts).toEqual([]);
    expect(view.followedUp).toEqual([
      expect.objectContaining({
        visitId: "v-1",
        customerName: "Olena Koval",
        done: {
          by: "max",
          byName: "Max",
          at: T0 + 10 * MIN,
          note: "Called her; a new screen is ordered",
        },
      }),
    ]);
  });

  it("refuses with stable codes: twice, an unknown visit, an associate, an empty note", () => {
    const listed = answer(served(), "no").state;
    const done = followUpDone(listed, "Called back").state;
    const again = refuse(
      done,
      { type: "follow-up:done", managerId: "max", visitId: "v-1", note: "Again" },
      T0 + 11 * MIN,
    );
    expect(again).toEqual({
      code: "INVALID_TRANSITION",
      message: "Visit P-001 was already followed up by Max.",
    });
    expect(
      refuse(
        listed,
        { type: "follow-up:done", managerId: "max", visitId: "v-9", note: "x" },
        T0 + 11 * MIN,
      ).code,
    ).toBe("VISIT_NOT_FOUND");
    expect(
      refuse(
        listed,
        { type: "follow-up:done", managerId: "ana", visitId: "v-1", note: "x" },
        T0 + 11 * MIN,
      ).code,
    ).toBe("NOT_A_MANAGER");
    const blank = commandSchema.safeParse({
      type: "follow-up:done",
      requestId: "r-1",
      visitId: "v-1",
      note: "   ",
    });
    expect(blank.success).toBe(false);
  });

  it("a manager may close the alert and follow up later: the entry stays open until then", () => {
    const listed = answer(served(), "partly").state;
    const closed = run(
      listed,
      { type: "alert:resolve", managerId: "max", alertId: "a-1" },
      T0 + 7 * MIN,
    ).state;
    expect(closed.alerts.size).toBe(0);
    expect(managerView(closed).followUps.map((f) => f.visitId)).toEqual(["v-1"]);
    const done = followUpDone(closed, "Sorted");
    expect(eventsOf(done.events, "alert:resolved")).toEqual([]);
    expect(managerView(done.state, T0 + 11 * MIN).followUps).toEqual([]);
  });

  it("outlives the visit's week in state, and survives a snapshot", () => {
    const listed = answer(served(), "no", "Nope").state;
    // Any commit a week on lets the ended visit go (a tick that fires nothing commits nothing).
    const weekLater = run(
      listed,
      { type: "associate:set-presence", associateId: "ana", presence: "away" },
      T0 + 8 * DAY,
    ).state;
    expect(weekLater.closed.has("v-1")).toBe(false);
    const view = managerView(weekLater, T0 + 8 * DAY);
    expect(view.followUps.map((f) => [f.code, f.customerName])).toEqual([["P-001", "Olena Koval"]]);
    expect(fromSnapshot(6, toStateData(weekLater))).toEqual(weekLater);
    // A snapshot from before the list (schema 5) reads with an empty one.
    const { followUps: _gone, ...older } = toStateData(weekLater);
    expect(fromSnapshot(5, older)?.followUps.size).toBe(0);
  });
});

describe("retention erases a follow-up's personal words", () => {
  it("one done is forgotten; one still open keeps its code, not the name or comment", () => {
    let s = served();
    // A second customer, served by ana after the first.
    s = run(
      s,
      {
        type: "visit:check-in",
        topicId: "phones",
        channel: "kiosk",
        customerToken: "tok_follow_up_000000000002",
        name: "Marta Bondar",
      },
      T0 + 5 * MIN,
    ).state;
    s = acceptHeld(s, "ana", T0 + 5 * MIN + SEC).state;
    s = run(
      s,
      { type: "visit:complete", associateId: "ana", visitId: "v-2", outcome: "resolved" },
      T0 + 8 * MIN,
    ).state;
    s = answer(s, "no", "Olena says it flickers").state;
    s = run(
      s,
      {
        type: "feedback:give",
        visitId: "v-2",
        satisfaction: "partly",
        comment: "Marta says it is slow",
      },
      T0 + 9 * MIN,
    ).state;
    s = followUpDone(s, "Olena got a new screen").state;
    // retentionDays is 30: every hour logged so far has expired by then.
    const expired = run(s, { type: "tick" }, T0 + 31 * DAY + 2 * HOUR);
    expect(eventsOf(expired.events, "data:expired")).toHaveLength(1);
    const text = JSON.stringify(toStateData(expired.state));
    for (const secret of ["Olena", "Marta", "flickers", "slow", "new screen"])
      expect(text).not.toContain(secret);
    const view = managerView(expired.state, T0 + 31 * DAY + 2 * HOUR);
    expect(view.followedUp).toEqual([]);
    expect(view.followUps).toEqual([
      expect.objectContaining({ visitId: "v-2", code: "P-002", customerName: "", comment: "" }),
    ]);
    // Its alert is still open (nobody followed it up), without words.
    expect(view.alerts.map((a) => [a.kind, a.code, a.note])).toEqual([
      ["follow_up_needed", "P-002", ""],
    ]);
  });
});

describe("decline reasons reach the manager", () => {
  it("declined by everyone: the alert lists who declined and the reason they gave", () => {
    let s = storeWith([
      { id: "ana" },
      { id: "bo" },
      { id: "max", manager: true, skills: ["fashion"] },
    ]);
    s = checkIn(s, T0).state;
    const first = s.offers.first();
    if (!first) throw new Error("no offer");
    s = run(
      s,
      { type: "offer:decline", associateId: first.associateId, offerId: first.id, reason: "busy" },
      T0 + SEC,
    ).state;
    const second = s.offers.first();
    if (!second) throw new Error("no second offer");
    s = run(
      s,
      {
        type: "offer:decline",
        associateId: second.associateId,
        offerId: second.id,
        reason: "Waiting for a delivery",
      },
      T0 + 2 * SEC,
    ).state;
    const alert = managerView(s, T0 + 3 * SEC).alerts.find((a) => a.kind === "declined_by_all");
    expect(alert?.declines).toEqual([
      {
        associateId: first.associateId,
        associateName: first.associateId === "ana" ? "Ana" : "Bo",
        reason: "busy",
      },
      {
        associateId: second.associateId,
        associateName: second.associateId === "ana" ? "Ana" : "Bo",
        reason: "Waiting for a delivery",
      },
    ]);
    // Other alerts carry none.
    expect(managerView(s, T0 + 3 * SEC).alerts.filter((a) => a.kind !== "declined_by_all")).toEqual(
      [],
    );
  });
});
