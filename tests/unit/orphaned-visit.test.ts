import { describe, expect, it } from "vitest";
import { Projection, type StoreState } from "../../server/domain/index.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { MIN, SEC, T0, checkIn, run, storeWith } from "../support/engine.js";
import { acceptHeld, associateOf, eventsOf, offeredTo, visitOf } from "../support/scenarios.js";

// A tablet that dies while serving: alerted after the grace (15 s), back to the line after
// orphanedVisitMin (here 5 min, counted from the drop) unless the tablet or a manager acts.

/**
 * v-1 checked in at T0, v-2 at T0+1s; ana serves v-1 and bo v-2; cy is signed out; max is a
 * manager with another skill. ana's tablet drops at T0+1min and her grace ends at T0+1min15s.
 */
function dropped(): { s: StoreState; first: string; second: string } {
  let s = storeWith([
    { id: "ana" },
    { id: "bo" },
    { id: "cy", signIn: false },
    { id: "max", skills: ["service"], manager: true },
  ]);
  const first = checkIn(s, T0);
  const second = checkIn(first.state, T0 + SEC);
  s = acceptHeld(second.state, "ana", T0 + 2 * SEC).state;
  s = acceptHeld(s, "bo", T0 + 2 * SEC).state;
  s = run(s, { type: "tablet:disconnected", associateId: "ana" }, T0 + MIN).state;
  s = run(s, { type: "tick" }, T0 + MIN + 15 * SEC).state;
  return { s, first: first.visitId, second: second.visitId };
}

const BACK_AT = T0 + 6 * MIN;

describe("a tablet that dies while serving", () => {
  it("is alerted after the grace, and the visit is still served until the longer time", () => {
    const { s, first } = dropped();
    expect([...s.alerts.values()]).toMatchObject([
      { kind: "tablet_dropped", visitId: first, associateId: "ana" },
    ]);
    expect(s.nextDeadline).toBe(BACK_AT);
    const early = run(s, { type: "tick" }, BACK_AT - 1);
    expect(early.events).toEqual([]);
    expect(visitOf(early.state, first)).toMatchObject({ status: "serving", associateId: "ana" });
  });

  it("after orphanedVisitMin the visit goes back in its place, ana is away, the alert clears", () => {
    const { s, first, second } = dropped();
    const step = run(s, { type: "tick" }, BACK_AT);
    expect(step.events.map((e) => e.type)).toEqual([
      "visit:reassigned",
      "associate:presence-changed",
      "alert:resolved",
    ]);
    expect(eventsOf(step.events, "visit:reassigned")).toEqual([
      {
        type: "visit:reassigned",
        visitId: first,
        toAssociateId: undefined,
        fromAssociateId: "ana",
        reason: "tablet_lost",
      },
    ]);
    expect(visitOf(step.state, first)).toMatchObject({
      status: "waiting",
      associateId: undefined,
      queuedAt: T0,
    });
    expect(associateOf(step.state, "ana")).toMatchObject({
      presence: "away",
      visitId: undefined,
    });
    expect(step.state.alerts.size).toBe(0);

    // In its place: cy signs in and is offered v-1 (checked in first), not a later visit.
    const later = checkIn(step.state, BACK_AT + SEC).state;
    const cy = run(later, { type: "associate:sign-in", associateId: "cy" }, BACK_AT + 2 * SEC);
    expect(offeredTo(cy.state, "cy")).toBe(first);
    expect(visitOf(cy.state, second).status).toBe("serving");
  });

  it("tells the customer, with an apology, that someone else will help", () => {
    const { s, first } = dropped();
    const before = new Projection(s, BACK_AT - 1).customer(first);
    expect(before).toMatchObject({ status: "serving", apology: null });
    const back = run(s, { type: "tick" }, BACK_AT).state;
    expect(new Projection(back, BACK_AT).customer(first)).toMatchObject({
      status: "waiting",
      place: 1,
      associate: null,
      apology: { previousFirstName: "Ana" },
    });
    const cy = run(back, { type: "associate:sign-in", associateId: "cy" }, BACK_AT + SEC).state;
    const accepted = acceptHeld(cy, "cy", BACK_AT + 2 * SEC).state;
    expect(new Projection(accepted, BACK_AT + 2 * SEC).customer(first)).toMatchObject({
      status: "serving",
      associate: { firstName: "Cy" },
      apology: { previousFirstName: "Ana" },
    });
  });

  it("with ana's tablet back first, nothing happens", () => {
    const { s, first } = dropped();
    const back = run(s, { type: "tablet:connected", associateId: "ana" }, BACK_AT - SEC).state;
    const step = run(back, { type: "tick" }, BACK_AT + MIN);
    expect(step.events).toEqual([]);
    expect(visitOf(step.state, first)).toMatchObject({ status: "serving", associateId: "ana" });
    expect(associateOf(step.state, "ana").presence).toBe("available");
  });

  it("a tablet back and gone again counts from the new drop", () => {
    const { s, first } = dropped();
    let t = run(s, { type: "tablet:connected", associateId: "ana" }, T0 + 2 * MIN).state;
    t = run(t, { type: "tablet:disconnected", associateId: "ana" }, T0 + 3 * MIN).state;
    t = run(t, { type: "tick" }, T0 + 3 * MIN + 15 * SEC).state;
    expect(run(t, { type: "tick" }, T0 + 8 * MIN - 1).events).toEqual([]);
    const step = run(t, { type: "tick" }, T0 + 8 * MIN);
    expect(eventsOf(step.events, "visit:reassigned")).toMatchObject([{ visitId: first }]);
  });

  it("with a manager's reassign first, only the manager's change happens", () => {
    const { s, first } = dropped();
    const moved = run(
      s,
      { type: "visit:reassign", managerId: "max", visitId: first, toAssociateId: "cy" },
      T0 + 2 * MIN,
    );
    expect(eventsOf(moved.events, "visit:reassigned")).toHaveLength(1);
    const step = run(moved.state, { type: "tick" }, BACK_AT + MIN);
    expect(step.events).toEqual([]);
    expect(visitOf(step.state, first)).toMatchObject({
      status: "waiting",
      targetAssociateId: "cy",
    });
  });

  it("with the alert resolved by a manager first, ana keeps the visit", () => {
    const { s, first } = dropped();
    const alertId = [...s.alerts.keys()][0] ?? "";
    const seen = run(s, { type: "alert:resolve", managerId: "max", alertId }, T0 + 2 * MIN);
    const step = run(seen.state, { type: "tick" }, BACK_AT + MIN);
    expect(step.events).toEqual([]);
    expect(visitOf(step.state, first)).toMatchObject({ status: "serving", associateId: "ana" });
  });

  it("never goes back before the grace ends: a shorter orphanedVisitMin acts with the alert", () => {
    let s = storeWith([{ id: "ana" }], { disconnectGraceSec: 600, orphanedVisitMin: 1 });
    const v = checkIn(s, T0);
    s = acceptHeld(v.state, "ana", T0).state;
    s = run(s, { type: "tablet:disconnected", associateId: "ana" }, T0).state;
    expect(run(s, { type: "tick" }, T0 + 10 * MIN - 1).events).toEqual([]);
    // A late tick: the grace's alert starts a timer already due, which fires in the same tick.
    const late = run(s, { type: "tick" }, T0 + 12 * MIN);
    expect(late.events.map((e) => e.type)).toEqual([
      "associate:connection-lost",
      "alert:raised",
      "visit:reassigned",
      "associate:presence-changed",
      "alert:resolved",
    ]);
    expect(visitOf(late.state, v.visitId).status).toBe("waiting");
  });

  it("uses the store's orphanedVisitMin, 5 by default, 1 to 240", () => {
    const base = storeWith().settings;
    expect(base.orphanedVisitMin).toBe(5);
    expect(storeSettingsSchema.safeParse({ ...base, orphanedVisitMin: 0 }).success).toBe(false);
    expect(storeSettingsSchema.safeParse({ ...base, orphanedVisitMin: 241 }).success).toBe(false);
    let s = storeWith([{ id: "ana" }], { orphanedVisitMin: 20 });
    const v = checkIn(s, T0);
    s = acceptHeld(v.state, "ana", T0).state;
    s = run(s, { type: "tablet:disconnected", associateId: "ana" }, T0).state;
    s = run(s, { type: "tick" }, T0 + 15 * SEC).state;
    expect(s.nextDeadline).toBe(T0 + 20 * MIN);
  });
});
