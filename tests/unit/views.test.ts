import { describe, expect, it } from "vitest";
import { Projection, evolve } from "../../server/domain/index.js";
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
    // Nobody is named before they accepted; then the display names them.
    expect(projection.display().nowServing).toEqual([
      { code: "P-001", topicName: "Phones", associateFirstName: null, status: "offered" },
    ]);
    const { offerId } = offerOf(state, "ana");
    state = run(state, { type: "offer:accept", associateId: "ana", offerId }, T0 + 3 * SEC).state;
    expect(new Projection(state, T0 + 3 * SEC).display().nowServing).toEqual([
      { code: "P-001", topicName: "Phones", associateFirstName: "Ana", status: "serving" },
    ]);
    expect(projection.display().waiting[0]?.codes).toEqual(["P-002"]);
  });

  it("show a customer their place, range and who is coming once they said yes, and nothing of others", () => {
    const { state, visits } = busyStore();
    const projection = new Projection(state, T0 + 4 * SEC);
    const [offered, second, third] = visits.map((id) => projection.customer(id ?? ""));
    // Offered to Julia, who has not said yes: someone is being found, nobody is named.
    expect(offered).toMatchObject({ status: "offered", place: null, associate: null });
    expect(JSON.stringify(offered)).not.toContain("Julia");
    const { offerId } = offerOf(state, "julia");
    const accepted = run(
      state,
      { type: "offer:accept", associateId: "julia", offerId },
      T0 + 5 * SEC,
    ).state;
    expect(new Projection(accepted, T0 + 5 * SEC).customer(visits[0] ?? "")).toMatchObject({
      status: "serving",
      associate: { firstName: "Julia", initials: "J" },
      apology: null,
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
    // julia, the only phones associate, declined: the visit widened at once and max (a manager
    // who serves returns) was offered it; the managers hear that everyone who could declined.
    expect(view?.alerts).toMatchObject([
      { kind: "declined_by_all", code: "P-001" },
      { kind: "manager_called", note: "help" },
    ]);
    // o-1 (declined), then P-001 to max and P-002 to julia.
    expect(view?.stats.offers).toEqual({ created: 3, accepted: 0, declined: 1, expired: 0 });
    expect(view?.stats.availableAssociates).toBe(2);
    expect(view?.stats.visitsByStatus).toEqual({ offered: 2, waiting: 1 });
    expect(view?.offer?.visit.code).toBe("P-001");
    expect(projection.manager("julia")).toBeUndefined();
    // Offer stats look back 15 minutes only.
    const later = run(state, { type: "tick" }, T0 + 16 * MIN).state;
    expect(new Projection(later, T0 + 16 * MIN).stats().offers.declined).toBe(0);
  });

  it("tell a customer, with an apology, when the person named to them changes", () => {
    let state = storeWith(
      [
        { id: "julia", skills: ["phones"] },
        { id: "sam", skills: ["phones"] },
      ],
      {
        topics: [
          {
            id: "phones",
            name: "Phones",
            letter: "P",
            skill: "phones",
            meetAt: { en: "at the phone counter", es: "en el mostrador de teléfonos" },
          },
        ],
      },
    );
    const v = checkIn(state, T0);
    state = v.state;
    state = run(
      state,
      { type: "offer:accept", associateId: "julia", offerId: offerOf(state, "julia").offerId },
      T0 + SEC,
    ).state;
    const serving = new Projection(state, T0 + SEC).customer(v.visitId);
    expect(serving).toMatchObject({
      associate: { firstName: "Julia" },
      apology: null,
      meetAt: { en: "at the phone counter", es: "en el mostrador de teléfonos" },
    });
    // Julia hands the customer on to Sam: while Sam is asked, they hear sorry and no new name.
    state = run(
      state,
      { type: "visit:transfer", associateId: "julia", visitId: v.visitId, toAssociateId: "sam" },
      T0 + 2 * MIN,
    ).state;
    const handedOn = new Projection(state, T0 + 2 * MIN).customer(v.visitId);
    expect(handedOn).toMatchObject({
      status: "offered",
      associate: null,
      apology: { previousFirstName: "Julia" },
    });
    expect(JSON.stringify(handedOn)).not.toContain("Sam");
    state = run(
      state,
      { type: "offer:accept", associateId: "sam", offerId: offerOf(state, "sam").offerId },
      T0 + 2 * MIN + 5 * SEC,
    ).state;
    expect(new Projection(state, T0 + 3 * MIN).customer(v.visitId)).toMatchObject({
      status: "serving",
      associate: { firstName: "Sam" },
      apology: { previousFirstName: "Julia" },
    });
  });

  it("tell a customer still waiting past the range they were told that we are late", () => {
    let s = storeWith([{ id: "ana" }]);
    s = checkIn(s, T0).state;
    s = run(
      s,
      { type: "offer:accept", associateId: "ana", offerId: offerOf(s, "ana").offerId },
      T0,
    ).state;
    const told = { at: T0, lowMin: 2, highMin: 5 };
    // The quote the app layer records at check-in (withQuotes), here by hand.
    const v = checkIn(s, T0);
    s = evolve(v.state, { type: "visit:quoted", visitId: v.visitId, ...told }, T0);
    expect(new Projection(s, T0 + 4 * MIN).customer(v.visitId)?.late).toBe(false);
    expect(new Projection(s, T0 + 5 * MIN).customer(v.visitId)?.late).toBe(false);
    expect(new Projection(s, T0 + 5 * MIN + 15 * SEC).customer(v.visitId)?.late).toBe(true);
  });
});
