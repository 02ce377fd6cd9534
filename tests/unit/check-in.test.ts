import { describe, expect, it } from "vitest";
import { emptyState } from "../../server/domain/index.js";
import { MIN, T0, checkIn, refuse, run, storeWith, token } from "../support/engine.js";
import {
  acceptHeld,
  completeHeld,
  eventsOf,
  offeredTo,
  onlyEvent,
  visitOf,
} from "../support/scenarios.js";

// Check-in at the kiosk, by staff or from a phone; intake; visit codes.

describe("check in", () => {
  it("records topic, name, language, note and channel, and answers the visit's id, code and token", () => {
    const s0 = storeWith();
    const customerToken = token();
    const step = run(
      s0,
      {
        type: "visit:check-in",
        topicId: "fitting",
        name: "  Olena  ",
        language: "uk",
        note: "size 38 in blue",
        channel: "kiosk",
        customerToken,
      },
      T0 + MIN,
    );
    expect(step.reply).toEqual({
      visitId: "v-1",
      code: "F-001",
      token: customerToken,
      status: "waiting",
    });
    const e = onlyEvent(step.events, "visit:checked-in");
    expect(e).toMatchObject({
      visitId: "v-1",
      code: "F-001",
      topicId: "fitting",
      name: "Olena",
      language: "uk",
      note: "size 38 in blue",
      channel: "kiosk",
      holdUntil: undefined,
    });
    const v = visitOf(step.state, "v-1");
    expect(v).toMatchObject({
      status: "waiting",
      topicId: "fitting",
      name: "Olena",
      language: "uk",
      note: "size 38 in blue",
      channel: "kiosk",
      priority: 0,
      checkedInAt: T0 + MIN,
      queuedAt: T0 + MIN,
      presentSince: T0 + MIN,
      paused: false,
    });
    expect(step.state.tokens.get(customerToken)).toBe("v-1");
  });

  it("accepts a nickname only, with no language and no note", () => {
    const step = run(
      storeWith(),
      { type: "visit:check-in", topicId: "phones", channel: "kiosk", customerToken: token() },
      T0,
    );
    const v = visitOf(step.state, String(step.reply.visitId));
    expect(v.name).toBe("");
    expect(v.language).toBeUndefined();
    expect(v.note).toBe("");
  });

  it.each(["kiosk", "staff"] as const)("a %s check-in waits in line at once", (channel) => {
    const { state, visitId } = checkIn(storeWith(), T0, { channel });
    expect(visitOf(state, visitId)).toMatchObject({ channel, status: "waiting" });
  });

  it("a remote check-in with an arrival time is expected, not waiting", () => {
    const { state, visitId, reply } = checkIn(storeWith(), T0, {
      channel: "remote",
      arrivingInMin: 20,
    });
    expect(reply.status).toBe("expected");
    expect(visitOf(state, visitId)).toMatchObject({ channel: "remote", status: "expected" });
  });

  it("refuses an unknown topic with UNKNOWN_TOPIC and changes nothing", () => {
    const s0 = storeWith();
    const err = refuse(
      s0,
      { type: "visit:check-in", topicId: "garden", channel: "kiosk", customerToken: token() },
      T0,
    );
    expect(err.code).toBe("UNKNOWN_TOPIC");
  });

  it("refuses a language the store does not offer with UNKNOWN_LANGUAGE", () => {
    const err = refuse(
      storeWith(),
      {
        type: "visit:check-in",
        topicId: "phones",
        language: "fr",
        channel: "kiosk",
        customerToken: token(),
      },
      T0,
    );
    expect(err.code).toBe("UNKNOWN_LANGUAGE");
  });

  it("refuses a customer token already in use", () => {
    const s0 = storeWith();
    const customerToken = token();
    const s1 = run(
      s0,
      { type: "visit:check-in", topicId: "phones", channel: "kiosk", customerToken },
      T0,
    ).state;
    const err = refuse(
      s1,
      { type: "visit:check-in", topicId: "phones", channel: "kiosk", customerToken },
      T0 + MIN,
    );
    expect(err.code).toBe("INVALID_COMMAND");
    expect(s1.visits.size).toBe(1);
  });

  it("refuses a check-in to a store that does not exist", () => {
    const err = refuse(
      emptyState("nowhere"),
      { type: "visit:check-in", topicId: "phones", channel: "kiosk", customerToken: token() },
      T0,
    );
    expect(err.code).toBe("STORE_NOT_FOUND");
  });
});

describe("intake paused", () => {
  it("refuses new check-ins with INTAKE_PAUSED while visits already in line are still served", () => {
    let s = storeWith([
      { id: "ana", signIn: false },
      { id: "max", manager: true, signIn: false },
    ]);
    const first = checkIn(s, T0);
    s = first.state;
    s = run(s, { type: "intake:pause", managerId: "max" }, T0 + MIN).state;
    expect(s.intakeOpen).toBe(false);
    expect(
      refuse(
        s,
        { type: "visit:check-in", topicId: "phones", channel: "kiosk", customerToken: token() },
        T0 + 2 * MIN,
      ).code,
    ).toBe("INTAKE_PAUSED");
    // The customer already in line is still offered to an associate who comes in.
    const signedIn = run(s, { type: "associate:sign-in", associateId: "ana" }, T0 + 3 * MIN);
    expect(eventsOf(signedIn.events, "offer:created")).toMatchObject([
      { visitId: first.visitId, associateId: "ana" },
    ]);
    expect(offeredTo(signedIn.state, "ana")).toBe(first.visitId);
  });

  it("still takes a walk-in staff add while intake is paused", () => {
    let s = storeWith([{ id: "max", manager: true, signIn: false }]);
    s = run(s, { type: "intake:pause", managerId: "max" }, T0).state;
    for (const channel of ["kiosk", "remote"] as const)
      expect(
        refuse(
          s,
          { type: "visit:check-in", topicId: "phones", channel, customerToken: token() },
          T0,
        ).code,
      ).toBe("INTAKE_PAUSED");
    const walkIn = run(
      s,
      { type: "visit:check-in", topicId: "phones", channel: "staff", customerToken: token() },
      T0 + MIN,
    );
    expect(eventsOf(walkIn.events, "visit:checked-in")).toMatchObject([{ channel: "staff" }]);
    expect(walkIn.state.intakeOpen).toBe(false);
  });

  it("takes check-ins again once intake resumes", () => {
    let s = storeWith([{ id: "max", manager: true, signIn: false }]);
    s = run(s, { type: "intake:pause", managerId: "max" }, T0).state;
    const resumed = run(s, { type: "intake:resume", managerId: "max" }, T0 + MIN);
    expect(eventsOf(resumed.events, "intake:resumed")).toHaveLength(1);
    expect(resumed.state.intakeOpen).toBe(true);
    const { state, visitId } = checkIn(resumed.state, T0 + 2 * MIN);
    expect(visitOf(state, visitId).status).toBe("waiting");
  });
});

describe("visit codes", () => {
  it("are the topic's letter and a number counted per letter", () => {
    let s = storeWith();
    const codes: string[] = [];
    for (const topicId of ["phones", "phones", "fitting", "phones", "returns", "fitting"]) {
      const step = checkIn(s, T0, { topicId });
      s = step.state;
      codes.push(String(step.reply.code));
    }
    expect(codes).toEqual(["P-001", "P-002", "F-001", "P-003", "R-001", "F-002"]);
    expect(new Set([...s.visits.values()].map((v) => v.code)).size).toBe(6);
  });

  it("are never reused the same day, even after a visit ends", () => {
    let s = storeWith();
    const a = checkIn(s, T0);
    s = run(a.state, { type: "visit:leave", visitId: a.visitId }, T0 + MIN).state;
    const b = checkIn(s, T0 + 2 * MIN);
    expect(a.reply.code).toBe("P-001");
    expect(b.reply.code).toBe("P-002");
  });

  it("restart on the store's next local day, not the UTC day", () => {
    // Europe/Kyiv is UTC+2 in November: local midnight is 22:00 UTC.
    const lateEvening = Date.UTC(2026, 10, 23, 21, 30); // 23:30 in Kyiv, same local day as T0
    const afterMidnight = Date.UTC(2026, 10, 23, 22, 30); // 00:30 on the 24th in Kyiv
    let s = storeWith();
    const one = checkIn(s, T0);
    const two = checkIn(one.state, lateEvening);
    const three = checkIn(two.state, afterMidnight);
    const four = checkIn(three.state, afterMidnight + MIN, { topicId: "fitting" });
    s = four.state;
    expect([one, two, three, four].map((x) => x.reply.code)).toEqual([
      "P-001",
      "P-002",
      "P-001",
      "F-001",
    ]);
    expect(onlyEvent(three.events, "visit:checked-in")).toMatchObject({
      codeDay: "2026-11-24",
      codeNumber: 1,
    });
    expect(s.codeDay).toBe("2026-11-24");
  });
});

// Call-ahead: a remote check-in that is expected until it arrives.

describe("call-ahead (remote check-in with an arrival time)", () => {
  it("holds its place until the arrival time plus the hold window", () => {
    const { state, visitId } = checkIn(storeWith(), T0, { channel: "remote", arrivingInMin: 10 });
    expect(visitOf(state, visitId)).toMatchObject({
      status: "expected",
      queuedAt: T0,
      holdUntil: T0 + 10 * MIN + 30 * MIN,
      presentSince: undefined,
    });
  });

  it("is not offered before it arrives, and is offered once it does", () => {
    const s0 = storeWith([{ id: "ana" }]);
    const called = checkIn(s0, T0, { channel: "remote", arrivingInMin: 10 });
    expect(eventsOf(called.events, "offer:created")).toEqual([]);
    expect(offeredTo(called.state, "ana")).toBeUndefined();

    const arrived = run(
      called.state,
      { type: "visit:arrive", visitId: called.visitId },
      T0 + 8 * MIN,
    );
    expect(eventsOf(arrived.events, "visit:arrived")).toEqual([
      { type: "visit:arrived", visitId: called.visitId },
    ]);
    expect(eventsOf(arrived.events, "offer:created")).toMatchObject([
      { visitId: called.visitId, associateId: "ana" },
    ]);
    expect(visitOf(arrived.state, called.visitId)).toMatchObject({
      status: "offered",
      presentSince: T0 + 8 * MIN,
      holdUntil: undefined,
    });
  });

  it("keeps the place in line from the time it joined, ahead of later kiosk check-ins", () => {
    let s = storeWith([{ id: "ana" }]);
    // ana is busy serving a first customer.
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state;
    const remote = checkIn(s, T0 + MIN, { channel: "remote", arrivingInMin: 5 });
    const walkIn = checkIn(remote.state, T0 + 2 * MIN);
    s = run(walkIn.state, { type: "visit:arrive", visitId: remote.visitId }, T0 + 6 * MIN).state;
    expect(visitOf(s, remote.visitId).queuedAt).toBe(T0 + MIN);

    const done = completeHeld(s, "ana", T0 + 8 * MIN);
    expect(offeredTo(done.state, "ana")).toBe(remote.visitId);
    expect(visitOf(done.state, walkIn.visitId).status).toBe("waiting");
  });

  it("may arrive late, within the hold window", () => {
    const called = checkIn(storeWith(), T0, { channel: "remote", arrivingInMin: 10 });
    const late = run(
      called.state,
      { type: "visit:arrive", visitId: called.visitId },
      T0 + 39 * MIN,
    );
    expect(visitOf(late.state, called.visitId).status).toBe("waiting");
  });

  it("expires when the hold window passes without arrival (on tick)", () => {
    const called = checkIn(storeWith(), T0, { channel: "remote", arrivingInMin: 10 });
    const holdUntil = T0 + 40 * MIN;
    const early = run(called.state, { type: "tick" }, holdUntil - 1);
    expect(early.events).toEqual([]);
    expect(visitOf(early.state, called.visitId).status).toBe("expected");

    const due = run(early.state, { type: "tick" }, holdUntil);
    expect(due.events).toEqual([{ type: "visit:expired", visitId: called.visitId }]);
    expect(due.state.visits.has(called.visitId)).toBe(false);
    expect(due.state.closed.get(called.visitId)).toMatchObject({
      status: "expired",
      closedAt: holdUntil,
    });
    expect(
      refuse(due.state, { type: "visit:arrive", visitId: called.visitId }, holdUntil + MIN).code,
    ).toBe("VISIT_NOT_FOUND");
  });

  it("with no arrival time is held for the hold window from check-in", () => {
    const called = checkIn(storeWith(), T0, { channel: "remote" });
    expect(visitOf(called.state, called.visitId)).toMatchObject({
      status: "expected",
      holdUntil: T0 + 30 * MIN,
    });
  });

  it("counts the SLA wait from arrival, not from the call", () => {
    let s = storeWith();
    const called = checkIn(s, T0, { channel: "remote", arrivingInMin: 20 });
    s = run(called.state, { type: "visit:arrive", visitId: called.visitId }, T0 + 20 * MIN).state;
    // 15 min SLA from arrival: nothing at T0+34, a breach at T0+35.
    const before = run(s, { type: "tick" }, T0 + 34 * MIN);
    expect(eventsOf(before.events, "visit:sla-breached")).toEqual([]);
    const after = run(before.state, { type: "tick" }, T0 + 35 * MIN);
    expect(eventsOf(after.events, "visit:sla-breached")).toEqual([
      { type: "visit:sla-breached", visitId: called.visitId },
    ]);
  });

  it("refuses arrive for a visit that is already waiting", () => {
    const { state, visitId } = checkIn(storeWith(), T0);
    expect(refuse(state, { type: "visit:arrive", visitId }, T0 + MIN).code).toBe(
      "INVALID_TRANSITION",
    );
  });

  it("can leave before arriving", () => {
    const called = checkIn(storeWith(), T0, { channel: "remote", arrivingInMin: 10 });
    const left = run(called.state, { type: "visit:leave", visitId: called.visitId }, T0 + MIN);
    expect(left.state.closed.get(called.visitId)?.status).toBe("left");
  });
});
