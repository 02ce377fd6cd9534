import { describe, expect, it } from "vitest";
import { Projection, type StoreState } from "../../server/domain/index.js";
import { MIN, SEC, T0, checkIn, run, storeWith } from "../support/engine.js";
import { acceptHeld, eventsOf } from "../support/scenarios.js";

// Alerts keep themselves true (issue 11, point 2): each closes once its cause is gone, and the
// manager's view names people and offers only what still fits.

const kinds = (s: StoreState) => [...s.alerts.values()].map((a) => a.kind);
const clearedBy = (events: Parameters<typeof eventsOf>[0]) =>
  eventsOf(events, "alert:resolved").map((e) => [e.alertId, e.reason]);

describe("alerts clear when their cause is gone", () => {
  it("tablet dropped: cleared when the tablet is back", () => {
    let s = storeWith([{ id: "ana" }]);
    s = run(s, { type: "tablet:disconnected", associateId: "ana" }, T0).state;
    s = run(s, { type: "tick" }, T0 + 20 * SEC).state;
    expect(kinds(s)).toEqual(["tablet_dropped"]);
    const back = run(s, { type: "tablet:connected", associateId: "ana" }, T0 + MIN);
    expect(clearedBy(back.events)).toEqual([["a-1", "cause_gone"]]);
    expect(back.state.alerts.size).toBe(0);
  });

  it("waited too long: cleared once the visit is served, or once it ends", () => {
    let s = checkIn(storeWith([{ id: "ana", signIn: false }]), T0).state;
    s = checkIn(s, T0 + SEC).state;
    s = run(s, { type: "tick" }, T0 + 16 * MIN).state;
    expect(kinds(s)).toEqual(["sla", "sla"]);
    s = run(s, { type: "associate:sign-in", associateId: "ana" }, T0 + 17 * MIN).state;
    // Offered is not served yet.
    expect(s.alerts.size).toBe(2);
    const served = acceptHeld(s, "ana", T0 + 17 * MIN);
    expect(clearedBy(served.events)).toEqual([["a-1", "cause_gone"]]);
    const left = run(served.state, { type: "visit:leave", visitId: "v-2" }, T0 + 18 * MIN);
    expect(clearedBy(left.events)).toEqual([["a-2", "cause_gone"]]);
    expect(left.state.alerts.size).toBe(0);
  });

  it("manager called about a visit: cleared when the visit ends; without a visit it stays", () => {
    let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
    s = acceptHeld(s, "ana", T0 + SEC).state;
    s = run(s, { type: "manager:call", associateId: "ana", visitId: "v-1" }, T0 + MIN).state;
    s = run(s, { type: "manager:call", associateId: "ana" }, T0 + MIN).state;
    const done = run(
      s,
      { type: "visit:complete", associateId: "ana", visitId: "v-1", outcome: "resolved" },
      T0 + 2 * MIN,
    );
    expect(clearedBy(done.events)).toEqual([["a-1", "cause_gone"]]);
    expect([...done.state.alerts.keys()]).toEqual(["a-2"]);
  });

  it("declined by everyone: cleared when someone accepts it", () => {
    let s = checkIn(storeWith([{ id: "ana" }, { id: "bo", skills: ["fashion"] }]), T0).state;
    const offerId = s.associates.get("ana")?.offerId ?? "";
    s = run(s, { type: "offer:decline", associateId: "ana", offerId }, T0 + SEC).state;
    expect(kinds(s)).toEqual(["declined_by_all"]);
    const taken = acceptHeld(s, "bo", T0 + 2 * SEC);
    expect(clearedBy(taken.events)).toEqual([["a-1", "cause_gone"]]);
  });

  it("offers expiring in a row: cleared when they accept an offer, or go offline", () => {
    let s = storeWith([{ id: "ana" }]);
    for (let i = 0; i < 2; i++) {
      const at = T0 + i * MIN;
      s = checkIn(s, at).state;
      s = run(s, { type: "tick" }, at + 31 * SEC).state;
      s = run(s, { type: "visit:leave", visitId: `v-${i + 1}` }, at + 32 * SEC).state;
      s = run(
        s,
        { type: "associate:set-presence", associateId: "ana", presence: "available" },
        at + 33 * SEC,
      ).state;
    }
    expect(kinds(s)).toEqual(["offer_expired_repeatedly"]);
    const offline = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "offline" },
      T0 + 3 * MIN,
    );
    expect(clearedBy(offline.events)).toEqual([["a-1", "cause_gone"]]);
    s = checkIn(s, T0 + 3 * MIN).state;
    const accepted = acceptHeld(s, "ana", T0 + 3 * MIN + SEC);
    expect(clearedBy(accepted.events)).toEqual([["a-1", "cause_gone"]]);
  });

  it("a manager may still resolve an alert by hand", () => {
    let s = storeWith([{ id: "ana" }, { id: "max", manager: true }]);
    s = run(s, { type: "manager:call", associateId: "ana" }, T0).state;
    const resolved = run(s, { type: "alert:resolve", managerId: "max", alertId: "a-1" }, T0 + SEC);
    expect(resolved.events).toEqual([{ type: "alert:resolved", alertId: "a-1" }]);
  });
});

describe("alerts in the manager's view", () => {
  it("name the associate and offer only what fits the visit now", () => {
    let s = storeWith([{ id: "ana" }, { id: "max", manager: true, skills: [], signIn: false }]);
    s = run(s, { type: "tablet:disconnected", associateId: "ana" }, T0).state;
    s = checkIn(s, T0 + 30 * SEC, { topicId: "returns" }).state;
    s = run(s, { type: "visit:pause", visitId: "v-1" }, T0 + MIN).state;
    s = run(s, { type: "visit:resume", visitId: "v-1" }, T0 + 2 * MIN).state;
    s = run(s, { type: "tick" }, T0 + 20 * MIN).state;
    const alerts = new Projection(s, T0 + 20 * MIN).manager("max")?.alerts ?? [];
    expect(alerts.map((a) => [a.kind, a.associateName, a.code, a.visitStatus, a.actions])).toEqual([
      ["tablet_dropped", "Ana", null, null, ["resolve"]],
      ["sla", null, "R-001", "waiting", ["serve_next", "reassign", "resolve"]],
    ]);
    // Browsing: "bring back" first.
    const paused = run(s, { type: "visit:pause", visitId: "v-1" }, T0 + 21 * MIN).state;
    expect(new Projection(paused, T0 + 21 * MIN).manager("max")?.alerts[1]).toMatchObject({
      paused: true,
      actions: ["bring_back", "serve_next", "reassign", "resolve"],
    });
  });
});
