import { describe, expect, it } from "vitest";
import { Projection } from "../../server/domain/index.js";
import { MIN, SEC, T0, checkIn, offerOf, run, storeWith } from "../support/engine.js";

/** What each role is shown, built from the engine's state. */

function busyStore() {
  let state = storeWith([
    { id: "julia", skills: ["phones"] },
    { id: "max", skills: ["service"], manager: true },
  ]);
  const first = checkIn(state, T0 + SEC);
  state = first.state;
  const second = checkIn(state, T0 + 2 * SEC);
  state = second.state;
  const third = checkIn(state, T0 + 3 * SEC);
  state = third.state;
  return { state, visits: [first.visitId, second.visitId, third.visitId] };
}

describe("views", () => {
  it("never show a kiosk or a display a customer's name, note or token", () => {
    let state = storeWith([{ id: "ana", skills: ["phones"] }]);
    state = run(
      state,
      {
        type: "visit:check-in",
        topicId: "phones",
        channel: "kiosk",
        customerToken: "secret-token-aaaaaaaaaaaaaaaa",
        name: "Zebulon",
        note: "blue jacket size M",
      },
      T0,
    ).state;
    state = checkIn(state, T0 + SEC).state;
    const projection = new Projection(state, T0 + 2 * SEC);
    for (const view of [projection.kiosk(), projection.display()]) {
      const text = JSON.stringify(view);
      expect(text).not.toContain("Zebulon");
      expect(text).not.toContain("blue jacket");
      expect(text).not.toContain("secret-token");
      expect(text).not.toContain("Alex");
    }
    expect(projection.display().nowServing).toEqual([
      { code: "P-001", topicName: "Phones", associateFirstName: "Ana", status: "offered" },
    ]);
    expect(projection.display().waiting[0]?.codes).toEqual(["P-002"]);
  });

  it("show a customer their place, range and who is coming, and nothing of others", () => {
    const { state, visits } = busyStore();
    const projection = new Projection(state, T0 + 4 * SEC);
    const [offered, second, third] = visits.map((id) => projection.customer(id ?? ""));
    expect(offered).toMatchObject({
      status: "offered",
      place: null,
      associate: { firstName: "Julia", initials: "J" },
    });
    expect(second).toMatchObject({ status: "waiting", place: 1, ahead: 0, youreNext: true });
    expect(third).toMatchObject({ status: "waiting", place: 2, ahead: 1, youreNext: false });
    expect(third?.wait?.highMin).toBeGreaterThan(second?.wait?.highMin ?? 0);
    expect(JSON.stringify(third)).not.toContain("Alex");
    expect(projection.customer("v-404")).toBeUndefined();
  });

  it("show an associate the line in full, their offer with its deadline, and colleagues", () => {
    const { state, visits } = busyStore();
    const view = new Projection(state, T0 + 4 * SEC).associate("julia");
    expect(view?.role).toBe("associate");
    expect(view?.line.map((v) => v.visitId)).toEqual(visits);
    expect(view?.line[1]).toMatchObject({ name: "Alex", status: "waiting" });
    expect(view?.offer).toMatchObject({ offerId: "o-1", deadline: T0 + SEC + 30 * SEC });
    expect(view?.offer?.visit.visitId).toBe(visits[0]);
    expect(view?.colleagues.map((c) => c.id)).toEqual(["max"]);
  });

  it("give the serving associate an apology hint when the customer waited over the SLA limit", () => {
    let state = storeWith([{ id: "ana", skills: ["phones"] }], { slaWaitMin: 5 });
    state = run(
      state,
      { type: "associate:set-presence", associateId: "ana", presence: "away" },
      T0,
    ).state;
    state = checkIn(state, T0).state;
    state = run(
      state,
      { type: "associate:set-presence", associateId: "ana", presence: "available" },
      T0 + 6 * MIN,
    ).state;
    const { offerId } = offerOf(state, "ana");
    state = run(state, { type: "offer:accept", associateId: "ana", offerId }, T0 + 6 * MIN).state;
    const view = new Projection(state, T0 + 7 * MIN).associate("ana");
    expect(view?.visit).toMatchObject({ apologyHint: true, waitedMin: 6, slaBreached: true });
  });

  it("give a manager alerts and live stats, and only a manager", () => {
    let { state } = busyStore();
    const { offerId } = offerOf(state, "julia");
    state = run(
      state,
      { type: "offer:decline", associateId: "julia", offerId, reason: "on a call" },
      T0 + 5 * SEC,
    ).state;
    state = run(
      state,
      { type: "manager:call", associateId: "julia", note: "help" },
      T0 + 6 * SEC,
    ).state;
    const projection = new Projection(state, T0 + 7 * SEC);
    const view = projection.manager("max");
    expect(view?.alerts).toMatchObject([{ kind: "manager_called", note: "help" }]);
    expect(view?.stats.offers).toEqual({ created: 2, accepted: 0, declined: 1, expired: 0 });
    expect(view?.stats.availableAssociates).toBe(2);
    expect(view?.stats.visitsByStatus).toEqual({ offered: 1, waiting: 2 });
    expect(projection.manager("julia")).toBeUndefined();
    // Offer stats look back 15 minutes only.
    const later = run(state, { type: "tick" }, T0 + 16 * MIN).state;
    expect(new Projection(later, T0 + 16 * MIN).stats().offers.declined).toBe(0);
  });
});
