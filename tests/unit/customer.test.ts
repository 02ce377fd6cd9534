import { describe, expect, it } from "vitest";
import type { StoreState } from "../../server/domain/index.js";
import { MIN, SEC, T0, checkIn, refuse, run, storeWith } from "../support/engine.js";
import { acceptHeld, completeHeld, eventsOf, offeredTo, visitOf } from "../support/scenarios.js";

// The customer's own commands in line: pause (I'm browsing), resume, leave.

/** ana serves a first customer; v1 and v2 (then v3) wait behind, in that order. */
function busyLine(extra = 2): { s: StoreState; ids: string[] } {
  let s = storeWith([{ id: "ana" }]);
  s = checkIn(s, T0).state;
  s = acceptHeld(s, "ana", T0).state;
  const ids: string[] = [];
  for (let i = 1; i <= extra; i++) {
    const step = checkIn(s, T0 + i * MIN);
    s = step.state;
    ids.push(step.visitId);
  }
  return { s, ids };
}

describe("pause (I'm browsing)", () => {
  it("keeps the place but is not offered while paused", () => {
    const { s, ids } = busyLine(2);
    const [v1, v2] = ids as [string, string];
    const paused = run(s, { type: "visit:pause", visitId: v1 }, T0 + 3 * MIN);
    expect(paused.events).toEqual([{ type: "visit:paused", visitId: v1 }]);
    expect(visitOf(paused.state, v1)).toMatchObject({
      status: "waiting",
      paused: true,
      queuedAt: T0 + MIN,
    });
    const done = completeHeld(paused.state, "ana", T0 + 4 * MIN);
    expect(offeredTo(done.state, "ana")).toBe(v2);
    expect(visitOf(done.state, v1).status).toBe("waiting");
  });

  it("after resume, is offered again in its original place", () => {
    const { s, ids } = busyLine(2);
    const [v1] = ids as [string, string];
    let next = run(s, { type: "visit:pause", visitId: v1 }, T0 + 3 * MIN).state;
    const resumed = run(next, { type: "visit:resume", visitId: v1 }, T0 + 4 * MIN);
    expect(resumed.events).toEqual([{ type: "visit:resumed", visitId: v1 }]);
    next = resumed.state;
    expect(visitOf(next, v1)).toMatchObject({ paused: false, queuedAt: T0 + MIN });
    const done = completeHeld(next, "ana", T0 + 5 * MIN);
    expect(offeredTo(done.state, "ana")).toBe(v1);
  });

  it("withdraws a pending offer and offers the associate the next visit", () => {
    let s = storeWith([{ id: "ana" }]);
    const v1 = checkIn(s, T0);
    const v2 = checkIn(v1.state, T0 + 5 * SEC);
    s = v2.state;
    const offerId = s.associates.get("ana")?.offerId;
    expect(offerId).toBe("o-1");
    expect(offeredTo(s, "ana")).toBe(v1.visitId);

    const paused = run(s, { type: "visit:pause", visitId: v1.visitId }, T0 + 10 * SEC);
    expect(eventsOf(paused.events, "offer:withdrawn")).toEqual([
      { type: "offer:withdrawn", offerId, reason: "visit_paused" },
    ]);
    expect(offeredTo(paused.state, "ana")).toBe(v2.visitId);
    expect(visitOf(paused.state, v1.visitId)).toMatchObject({
      status: "waiting",
      paused: true,
      offerId: undefined,
      associateId: undefined,
      declinedBy: [],
    });
  });

  it("pausing twice or resuming a visit not paused changes nothing", () => {
    const { s, ids } = busyLine(1);
    const [v1] = ids as [string];
    expect(run(s, { type: "visit:resume", visitId: v1 }, T0 + 2 * MIN).events).toEqual([]);
    const paused = run(s, { type: "visit:pause", visitId: v1 }, T0 + 2 * MIN).state;
    expect(run(paused, { type: "visit:pause", visitId: v1 }, T0 + 3 * MIN).events).toEqual([]);
  });

  it("refuses pause for an expected or serving visit", () => {
    const called = checkIn(storeWith(), T0, { channel: "remote", arrivingInMin: 5 });
    expect(refuse(called.state, { type: "visit:pause", visitId: called.visitId }, T0).code).toBe(
      "INVALID_TRANSITION",
    );
    let s = storeWith([{ id: "ana" }]);
    const v = checkIn(s, T0);
    s = acceptHeld(v.state, "ana", T0).state;
    expect(refuse(s, { type: "visit:pause", visitId: v.visitId }, T0).code).toBe(
      "INVALID_TRANSITION",
    );
  });
});

describe("leave", () => {
  it("closes a waiting visit as left", () => {
    const { state, visitId } = checkIn(storeWith(), T0);
    const left = run(state, { type: "visit:leave", visitId }, T0 + 2 * MIN);
    expect(left.events).toEqual([{ type: "visit:left", visitId }]);
    expect(left.state.visits.has(visitId)).toBe(false);
    expect(left.state.closed.get(visitId)).toMatchObject({
      status: "left",
      closedAt: T0 + 2 * MIN,
    });
  });

  it("withdraws the offer of an offered visit and frees the associate for the next", () => {
    const s = storeWith([{ id: "ana" }]);
    const v1 = checkIn(s, T0);
    const v2 = checkIn(v1.state, T0 + 5 * SEC);
    const offerId = v2.state.associates.get("ana")?.offerId;
    expect(offerId).toBe("o-1");
    const left = run(v2.state, { type: "visit:leave", visitId: v1.visitId }, T0 + 10 * SEC);
    expect(eventsOf(left.events, "offer:withdrawn")).toEqual([
      { type: "offer:withdrawn", offerId, reason: "visit_left" },
    ]);
    expect(left.state.offers.has(String(offerId))).toBe(false);
    expect(offeredTo(left.state, "ana")).toBe(v2.visitId);
  });

  it("a paused visit may leave", () => {
    const { s, ids } = busyLine(1);
    const [v1] = ids as [string];
    const paused = run(s, { type: "visit:pause", visitId: v1 }, T0 + 2 * MIN).state;
    const left = run(paused, { type: "visit:leave", visitId: v1 }, T0 + 3 * MIN);
    expect(left.state.closed.get(v1)?.status).toBe("left");
  });

  it("refuses leave while being served, and for a visit that already ended", () => {
    let s = storeWith([{ id: "ana" }]);
    const v = checkIn(s, T0);
    s = acceptHeld(v.state, "ana", T0).state;
    expect(refuse(s, { type: "visit:leave", visitId: v.visitId }, T0 + MIN).code).toBe(
      "INVALID_TRANSITION",
    );
    s = completeHeld(s, "ana", T0 + 2 * MIN).state;
    expect(refuse(s, { type: "visit:leave", visitId: v.visitId }, T0 + 3 * MIN).code).toBe(
      "VISIT_NOT_FOUND",
    );
  });
});

// Feedback once the visit is over.

/** v-1 was served by ana and completed at T0+5min. */
function done(): { s: StoreState; visitId: string } {
  let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
  s = acceptHeld(s, "ana", T0).state;
  const step = completeHeld(s, "ana", T0 + 5 * MIN, "resolved");
  return { s: step.state, visitId: step.visitId };
}

describe("feedback", () => {
  it.each(["yes", "partly", "no"] as const)(
    "records satisfaction %s with a comment and kudos on the ended visit",
    (satisfaction) => {
      const { s, visitId } = done();
      const step = run(
        s,
        { type: "feedback:give", visitId, satisfaction, comment: "Ana was great", kudos: true },
        T0 + 10 * MIN,
      );
      // A resolved visit answered "partly" or "no" also goes on the follow-up list (follow-ups.test.ts).
      expect(step.events[0]).toEqual({
        type: "feedback:given",
        visitId,
        satisfaction,
        comment: "Ana was great",
        kudos: true,
      });
      expect(step.state.closed.get(visitId)?.feedback).toEqual({
        at: T0 + 10 * MIN,
        satisfaction,
        comment: "Ana was great",
        kudos: true,
      });
    },
  );

  it("comment and kudos are optional", () => {
    const { s, visitId } = done();
    const step = run(s, { type: "feedback:give", visitId, satisfaction: "partly" }, T0 + 6 * MIN);
    expect(step.state.closed.get(visitId)?.feedback).toMatchObject({ comment: "", kudos: false });
  });

  it("is refused before the visit is over (FEEDBACK_NOT_ALLOWED)", () => {
    const waiting = checkIn(storeWith(), T0);
    expect(
      refuse(
        waiting.state,
        { type: "feedback:give", visitId: waiting.visitId, satisfaction: "yes" },
        T0,
      ).code,
    ).toBe("FEEDBACK_NOT_ALLOWED");
    let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
    s = acceptHeld(s, "ana", T0).state;
    expect(
      refuse(s, { type: "feedback:give", visitId: "v-1", satisfaction: "yes" }, T0 + MIN).code,
    ).toBe("FEEDBACK_NOT_ALLOWED");
  });

  it("is refused for a visit nobody helped (left, no-show)", () => {
    const v = checkIn(storeWith(), T0);
    const left = run(v.state, { type: "visit:leave", visitId: v.visitId }, T0 + MIN).state;
    expect(
      refuse(left, { type: "feedback:give", visitId: v.visitId, satisfaction: "no" }, T0 + 2 * MIN)
        .code,
    ).toBe("FEEDBACK_NOT_ALLOWED");

    let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
    s = acceptHeld(s, "ana", T0).state;
    s = run(s, { type: "visit:no-show", associateId: "ana", visitId: "v-1" }, T0 + MIN).state;
    expect(
      refuse(s, { type: "feedback:give", visitId: "v-1", satisfaction: "no" }, T0 + 2 * MIN).code,
    ).toBe("FEEDBACK_NOT_ALLOWED");
  });

  it("is refused the second time (FEEDBACK_ALREADY_GIVEN), keeping the first", () => {
    const { s, visitId } = done();
    const first = run(
      s,
      { type: "feedback:give", visitId, satisfaction: "no", comment: "still broken" },
      T0 + 6 * MIN,
    );
    const err = refuse(
      first.state,
      { type: "feedback:give", visitId, satisfaction: "yes", kudos: true },
      T0 + 7 * MIN,
    );
    expect(err.code).toBe("FEEDBACK_ALREADY_GIVEN");
    expect(first.state.closed.get(visitId)?.feedback).toMatchObject({
      satisfaction: "no",
      comment: "still broken",
      kudos: false,
    });
  });

  it("is refused for an unknown visit (VISIT_NOT_FOUND)", () => {
    const { s } = done();
    expect(
      refuse(s, { type: "feedback:give", visitId: "v-404", satisfaction: "yes" }, T0).code,
    ).toBe("VISIT_NOT_FOUND");
  });

  it("is accepted for follow_up and not_resolved outcomes too", () => {
    for (const outcome of ["follow_up", "not_resolved"] as const) {
      let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
      s = acceptHeld(s, "ana", T0).state;
      s = completeHeld(s, "ana", T0 + MIN, outcome).state;
      const step = run(
        s,
        { type: "feedback:give", visitId: "v-1", satisfaction: "partly" },
        T0 + 2 * MIN,
      );
      expect(step.state.closed.get("v-1")?.feedback?.satisfaction).toBe("partly");
    }
  });
});
