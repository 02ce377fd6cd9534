import { describe, expect, it } from "vitest";
import { emptyState } from "../../server/domain/index.js";
import { MIN, SEC, T0, checkIn, refuse, run, storeWith } from "../support/engine.js";
import {
  acceptHeld,
  associateOf,
  completeHeld,
  eventsOf,
  offeredTo,
  visitOf,
} from "../support/scenarios.js";

// Timers: SLA, wrap-up, and a tick that fires everything due.

describe("SLA", () => {
  it("a wait past slaWaitMin marks the visit and raises an sla alert, once", () => {
    const v = checkIn(storeWith([], { wideningMin: 120 }), T0);
    const early = run(v.state, { type: "tick" }, T0 + 15 * MIN - 1);
    expect(early.events).toEqual([]);
    const due = run(early.state, { type: "tick" }, T0 + 15 * MIN);
    expect(due.events).toEqual([
      { type: "visit:sla-breached", visitId: v.visitId },
      {
        type: "alert:raised",
        alertId: "a-1",
        kind: "sla",
        visitId: v.visitId,
        associateId: undefined,
        note: expect.stringContaining("P-001"),
      },
    ]);
    expect(visitOf(due.state, v.visitId).slaBreached).toBe(true);
    expect(due.state.alerts.get("a-1")).toMatchObject({ kind: "sla", at: T0 + 15 * MIN });
    expect(run(due.state, { type: "tick" }, T0 + 60 * MIN).events).toEqual([]);
  });

  it("uses the store's slaWaitMin", () => {
    const v = checkIn(storeWith([], { slaWaitMin: 4, wideningMin: 30 }), T0);
    expect(run(v.state, { type: "tick" }, T0 + 4 * MIN - 1).events).toEqual([]);
    expect(
      eventsOf(run(v.state, { type: "tick" }, T0 + 4 * MIN).events, "visit:sla-breached"),
    ).toHaveLength(1);
  });

  it("a visit served in time raises no alert", () => {
    let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
    s = acceptHeld(s, "ana", T0 + 10 * SEC).state;
    const later = run(s, { type: "tick" }, T0 + 30 * MIN);
    expect(later.events).toEqual([]);
    expect(later.state.alerts.size).toBe(0);
  });

  it("is also raised late, by whatever command comes next after the deadline", () => {
    const v = checkIn(storeWith(), T0);
    const next = checkIn(v.state, T0 + 20 * MIN);
    expect(next.events.map((e) => e.type)).toEqual([
      "visit:widened",
      "visit:sla-breached",
      "alert:raised",
      "visit:checked-in",
    ]);
  });
});

describe("wrap-up", () => {
  it("after completing, the associate is offered nobody until wrapUpSec has passed", () => {
    let s = storeWith([{ id: "ana" }], { wrapUpSec: 30 });
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state;
    const waiting = checkIn(s, T0 + MIN);
    const done = completeHeld(waiting.state, "ana", T0 + 5 * MIN);
    expect(associateOf(done.state, "ana")).toMatchObject({
      wrapUpUntil: T0 + 5 * MIN + 30 * SEC,
      idleSince: T0 + 5 * MIN + 30 * SEC,
    });
    expect(offeredTo(done.state, "ana")).toBeUndefined();
    expect(visitOf(done.state, waiting.visitId).status).toBe("waiting");

    const early = run(done.state, { type: "tick" }, T0 + 5 * MIN + 30 * SEC - 1);
    expect(early.events).toEqual([]);
    const due = run(early.state, { type: "tick" }, T0 + 5 * MIN + 30 * SEC);
    expect(due.events.map((e) => e.type)).toEqual(["associate:wrap-up-ended", "offer:created"]);
    expect(associateOf(due.state, "ana").wrapUpUntil).toBeUndefined();
    expect(offeredTo(due.state, "ana")).toBe(waiting.visitId);
  });

  it("during one associate's wrap-up, a free colleague takes the next customer", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo", signIn: false }], { wrapUpSec: 60 });
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state;
    s = completeHeld(s, "ana", T0 + 2 * MIN).state;
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + 2 * MIN + SEC).state;
    const v = checkIn(s, T0 + 2 * MIN + 2 * SEC);
    expect(offeredTo(v.state, "bo")).toBe(v.visitId);
  });

  it("also applies after a no-show", () => {
    let s = storeWith([{ id: "ana" }], { wrapUpSec: 45 });
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state;
    s = run(s, { type: "visit:no-show", associateId: "ana", visitId: "v-1" }, T0 + MIN).state;
    expect(associateOf(s, "ana").wrapUpUntil).toBe(T0 + MIN + 45 * SEC);
  });
});

describe("tick", () => {
  it("fires every timer due by now, in deadline order, then makes offers", () => {
    let s = storeWith(
      [
        { id: "ana", skills: ["phones"] },
        { id: "bo", skills: ["service"] },
        { id: "cy", skills: ["phones"] },
      ],
      {
        offerTimeoutSec: 30,
        disconnectGraceSec: 15,
        wrapUpSec: 60,
        wideningMin: 1,
        slaWaitMin: 2,
        callAheadHoldMin: 0,
      },
    );
    // cy is away and her tablet drops (grace ends T0+15s).
    s = run(s, { type: "associate:set-presence", associateId: "cy", presence: "away" }, T0).state;
    s = run(s, { type: "tablet:disconnected", associateId: "cy" }, T0).state;
    // bo serves and finishes a returns visit: wrap-up until T0+60s.
    s = checkIn(s, T0, { topicId: "returns" }).state;
    s = acceptHeld(s, "bo", T0).state;
    s = completeHeld(s, "bo", T0).state;
    // ana is offered a phones visit (expires T0+30s); a fitting visit waits for nobody.
    const phones = checkIn(s, T0, { topicId: "phones" });
    expect(offeredTo(phones.state, "ana")).toBe(phones.visitId);
    const fitting = checkIn(phones.state, T0, { topicId: "fitting" });
    // A call-ahead due right away (hold until T0+1min).
    const called = checkIn(fitting.state, T0, { channel: "remote", arrivingInMin: 1 });
    s = called.state;
    expect(s.nextDeadline).toBe(T0 + 15 * SEC);

    const tick = run(s, { type: "tick" }, T0 + 2 * MIN);
    expect(tick.events.map((e) => e.type)).toEqual([
      // T0+15s: cy's grace
      "associate:connection-lost",
      "alert:raised",
      // T0+30s: ana's offer
      "offer:expired",
      // T0+60s: the call-ahead hold, bo's wrap-up, widening of both visits
      "visit:expired",
      "associate:wrap-up-ended",
      "visit:widened",
      "visit:widened",
      // T0+2min: SLA of both visits
      "visit:sla-breached",
      "alert:raised",
      "visit:sla-breached",
      "alert:raised",
      // then assignment: bo is free, the phones visit is first in line
      "offer:created",
    ]);
    expect(eventsOf(tick.events, "alert:raised").map((e) => e.kind)).toEqual([
      "tablet_dropped",
      "sla",
      "sla",
    ]);
    expect(eventsOf(tick.events, "offer:created")).toMatchObject([
      { visitId: phones.visitId, associateId: "bo" },
    ]);
    expect(tick.state.closed.get(called.visitId)?.status).toBe("expired");
    expect(associateOf(tick.state, "ana").presence).toBe("away");
    // Nothing is left overdue.
    expect(tick.state.nextDeadline).toBeGreaterThan(T0 + 2 * MIN);
  });

  it("with nothing due, a tick changes nothing", () => {
    const s = checkIn(storeWith(), T0).state;
    const step = run(s, { type: "tick" }, T0 + MIN);
    expect(step.events).toEqual([]);
    expect(step.state).toBe(s);
  });

  it("a command dated before the store's clock takes effect at the clock", () => {
    const s = checkIn(storeWith(), T0 + 10 * MIN).state;
    const step = checkIn(s, T0);
    expect(visitOf(step.state, step.visitId).checkedInAt).toBe(T0 + 10 * MIN);
  });

  it("a tick on a store that does not exist does nothing", () => {
    const s = emptyState("nowhere");
    const step = run(s, { type: "tick" }, T0);
    expect(step.events).toEqual([]);
    expect(step.state).toBe(s);
  });

  it("creating a store twice is refused", () => {
    const s = storeWith();
    expect(refuse(s, { type: "store:create", settings: s.settings }, T0).code).toBe("STORE_EXISTS");
  });
});
