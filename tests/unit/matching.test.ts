import { describe, expect, it } from "vitest";
import { MIN, SEC, T0, checkIn, run, storeWith } from "../support/engine.js";
import { acceptHeld, completeHeld, eventsOf, offeredTo, visitOf } from "../support/scenarios.js";

// Who is offered which visit: skill, language, longest idle, fair order.

describe("matching: skill and language", () => {
  it("offers a visit only to an associate with the topic's skill", () => {
    const s = storeWith([{ id: "cy", skills: ["fashion"] }]);
    const phones = checkIn(s, T0, { topicId: "phones" });
    expect(eventsOf(phones.events, "offer:created")).toEqual([]);
    expect(visitOf(phones.state, phones.visitId).status).toBe("waiting");

    const fitting = checkIn(phones.state, T0 + SEC, { topicId: "fitting" });
    expect(eventsOf(fitting.events, "offer:created")).toMatchObject([
      { visitId: fitting.visitId, associateId: "cy" },
    ]);
  });

  it("offers a visit that asks for a language only to an associate who speaks it", () => {
    // ana signs in first (idle longest) but speaks only English.
    let s = storeWith([
      { id: "ana", languages: ["en"] },
      { id: "bo", languages: ["en", "uk"], signIn: false },
    ]);
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + MIN).state;
    const uk = checkIn(s, T0 + 2 * MIN, { language: "uk" });
    expect(eventsOf(uk.events, "offer:created")).toMatchObject([
      { visitId: uk.visitId, associateId: "bo" },
    ]);
    const es = checkIn(uk.state, T0 + 2 * MIN, { language: "es" });
    expect(eventsOf(es.events, "offer:created")).toEqual([]);
  });

  it("a visit without a language goes to any associate with the skill", () => {
    const s = storeWith([{ id: "bo", languages: ["uk"] }]);
    const v = checkIn(s, T0);
    expect(offeredTo(v.state, "bo")).toBe(v.visitId);
  });

  it("never offers anyone to an associate who is away or signed out", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo", signIn: false }]);
    s = run(s, { type: "associate:set-presence", associateId: "ana", presence: "away" }, T0).state;
    const v = checkIn(s, T0 + SEC);
    expect(eventsOf(v.events, "offer:created")).toEqual([]);
  });
});

describe("matching: longest idle associate", () => {
  it("gives the offer to the associate idle longest, whatever their id", () => {
    let s = storeWith([
      { id: "zed", signIn: false },
      { id: "amy", signIn: false },
    ]);
    s = run(s, { type: "associate:sign-in", associateId: "zed" }, T0).state;
    s = run(s, { type: "associate:sign-in", associateId: "amy" }, T0 + MIN).state;
    const v1 = checkIn(s, T0 + 2 * MIN);
    expect(eventsOf(v1.events, "offer:created")).toMatchObject([
      { visitId: v1.visitId, associateId: "zed" },
    ]);
    const v2 = checkIn(v1.state, T0 + 2 * MIN + SEC);
    expect(eventsOf(v2.events, "offer:created")).toMatchObject([
      { visitId: v2.visitId, associateId: "amy" },
    ]);
  });

  it("an associate who just finished a visit goes behind those idle longer", () => {
    let s = storeWith([
      { id: "zed", signIn: false },
      { id: "amy", signIn: false },
    ]);
    s = run(s, { type: "associate:sign-in", associateId: "zed" }, T0).state;
    s = run(s, { type: "associate:sign-in", associateId: "amy" }, T0 + MIN).state;
    s = checkIn(s, T0 + 2 * MIN).state;
    s = acceptHeld(s, "zed", T0 + 2 * MIN).state;
    s = completeHeld(s, "zed", T0 + 5 * MIN).state;
    expect(s.associates.get("zed")?.idleSince).toBe(T0 + 5 * MIN);
    const next = checkIn(s, T0 + 6 * MIN);
    expect(eventsOf(next.events, "offer:created")).toMatchObject([
      { visitId: next.visitId, associateId: "amy" },
    ]);
  });

  it("with many free associates, still the longest idle one", () => {
    let s = storeWith(["e1", "e2", "e3", "e4", "e5", "e6"].map((id) => ({ id, signIn: false })));
    for (const [i, id] of ["e4", "e6", "e1", "e2", "e5", "e3"].entries())
      s = run(s, { type: "associate:sign-in", associateId: id }, T0 + i * SEC).state;
    const v = checkIn(s, T0 + MIN);
    expect(offeredTo(v.state, "e4")).toBe(v.visitId);
  });
});

describe("matching: fair order", () => {
  it("offers the earliest check-in first", () => {
    let s = storeWith([{ id: "ana", signIn: false }]);
    const v1 = checkIn(s, T0);
    const v2 = checkIn(v1.state, T0 + MIN);
    s = run(v2.state, { type: "associate:sign-in", associateId: "ana" }, T0 + 2 * MIN).state;
    expect(offeredTo(s, "ana")).toBe(v1.visitId);
  });

  it("orders visits with the same check-in time by check-in order", () => {
    let s = storeWith([{ id: "ana", signIn: false }]);
    const v1 = checkIn(s, T0);
    const v2 = checkIn(v1.state, T0);
    s = run(v2.state, { type: "associate:sign-in", associateId: "ana" }, T0 + MIN).state;
    expect(offeredTo(s, "ana")).toBe(v1.visitId);
  });

  it("offers a higher priority visit before earlier ones", () => {
    let s = storeWith([
      { id: "ana", signIn: false },
      { id: "max", manager: true, signIn: false },
    ]);
    const v1 = checkIn(s, T0);
    const v2 = checkIn(v1.state, T0 + MIN);
    const v3 = checkIn(v2.state, T0 + 2 * MIN);
    s = run(
      v3.state,
      { type: "visit:set-priority", managerId: "max", visitId: v3.visitId, priority: 5 },
      T0 + 3 * MIN,
    ).state;
    s = run(s, { type: "associate:sign-in", associateId: "ana" }, T0 + 4 * MIN).state;
    expect(offeredTo(s, "ana")).toBe(v3.visitId);
    s = acceptHeld(s, "ana", T0 + 4 * MIN).state;
    s = completeHeld(s, "ana", T0 + 5 * MIN).state;
    expect(offeredTo(s, "ana")).toBe(v1.visitId);
  });

  it("serves one visit per associate, in line order, when several come free at once", () => {
    let s = storeWith([
      { id: "ana", signIn: false },
      { id: "bo", signIn: false },
    ]);
    const v1 = checkIn(s, T0);
    const v2 = checkIn(v1.state, T0 + MIN);
    const v3 = checkIn(v2.state, T0 + 2 * MIN);
    s = run(v3.state, { type: "associate:sign-in", associateId: "ana" }, T0 + 3 * MIN).state;
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + 3 * MIN + SEC).state;
    expect(offeredTo(s, "ana")).toBe(v1.visitId);
    expect(offeredTo(s, "bo")).toBe(v2.visitId);
    expect(visitOf(s, v3.visitId).status).toBe("waiting");
  });
});

// Widening: after the skill's limit, any available associate may take a visit.

describe("widening (no starvation)", () => {
  it("after wideningMin, a visit nobody skilled can take goes to any available associate", () => {
    const s = storeWith([{ id: "cy", skills: ["fashion"] }]);
    const v = checkIn(s, T0, { topicId: "phones" });
    expect(offeredTo(v.state, "cy")).toBeUndefined();

    const early = run(v.state, { type: "tick" }, T0 + 10 * MIN - 1);
    expect(early.events).toEqual([]);
    expect(visitOf(early.state, v.visitId).widened).toBe(false);

    const due = run(early.state, { type: "tick" }, T0 + 10 * MIN);
    expect(due.events.map((e) => e.type)).toEqual(["visit:widened", "offer:created"]);
    expect(eventsOf(due.events, "offer:created")).toMatchObject([
      { visitId: v.visitId, associateId: "cy" },
    ]);
    expect(visitOf(due.state, v.visitId).widened).toBe(true);
  });

  it("widens even when nobody is there to take it, so the first associate in gets it", () => {
    let s = checkIn(storeWith([{ id: "cy", skills: ["fashion"], signIn: false }]), T0).state;
    const widened = run(s, { type: "tick" }, T0 + 10 * MIN);
    expect(widened.events.map((e) => e.type)).toEqual(["visit:widened"]);
    s = run(widened.state, { type: "associate:sign-in", associateId: "cy" }, T0 + 11 * MIN).state;
    expect(offeredTo(s, "cy")).toBe("v-1");
  });

  it("uses the per-skill limit from wideningMinBySkill, and the store limit for other skills", () => {
    const s0 = storeWith([{ id: "dee", skills: ["service"] }], {
      wideningMinBySkill: { phones: 2 },
    });
    const phones = checkIn(s0, T0, { topicId: "phones" });
    const fitting = checkIn(phones.state, T0, { topicId: "fitting" });

    const at2 = run(fitting.state, { type: "tick" }, T0 + 2 * MIN);
    expect(eventsOf(at2.events, "visit:widened")).toEqual([
      { type: "visit:widened", visitId: phones.visitId },
    ]);
    expect(offeredTo(at2.state, "dee")).toBe(phones.visitId);
    expect(visitOf(at2.state, fitting.visitId).widened).toBe(false);

    const at9 = run(at2.state, { type: "tick" }, T0 + 9 * MIN);
    expect(eventsOf(at9.events, "visit:widened")).toEqual([]);
    const at10 = run(at9.state, { type: "tick" }, T0 + 10 * MIN);
    expect(eventsOf(at10.events, "visit:widened")).toEqual([
      { type: "visit:widened", visitId: fitting.visitId },
    ]);
  });

  it("a per-skill limit may be longer than the store's", () => {
    const s0 = storeWith([{ id: "dee", skills: ["service"] }], {
      wideningMinBySkill: { phones: 20 },
    });
    const v = checkIn(s0, T0, { topicId: "phones" });
    const at10 = run(v.state, { type: "tick" }, T0 + 10 * MIN);
    expect(eventsOf(at10.events, "visit:widened")).toEqual([]);
    const at20 = run(at10.state, { type: "tick" }, T0 + 20 * MIN);
    expect(eventsOf(at20.events, "visit:widened")).toHaveLength(1);
  });

  it("when several visits widen at once, they go in line order to the longest idle", () => {
    let s = storeWith(
      ["e1", "e2", "e3", "e4", "e5"].map((id) => ({ id, skills: ["service"], signIn: false })),
    );
    for (const [i, id] of ["e3", "e1", "e5", "e2", "e4"].entries())
      s = run(s, { type: "associate:sign-in", associateId: id }, T0 + i * SEC).state;
    const v1 = checkIn(s, T0 + MIN, { topicId: "phones" });
    const v2 = checkIn(v1.state, T0 + MIN, { topicId: "fitting" });
    const v3 = checkIn(v2.state, T0 + MIN, { topicId: "phones" });
    const due = run(v3.state, { type: "tick" }, T0 + 11 * MIN);
    expect(eventsOf(due.events, "offer:created")).toMatchObject([
      { visitId: v1.visitId, associateId: "e3" },
      { visitId: v2.visitId, associateId: "e1" },
      { visitId: v3.visitId, associateId: "e5" },
    ]);
  });

  it("counts from when the visit started waiting for its current topic (transfer resets it)", () => {
    let s = storeWith([
      { id: "ana", skills: ["phones"] },
      { id: "cy", skills: ["fashion"], signIn: false },
    ]);
    const v = checkIn(s, T0);
    s = acceptHeld(v.state, "ana", T0).state;
    s = run(
      s,
      { type: "visit:transfer", associateId: "ana", visitId: v.visitId, toTopicId: "returns" },
      T0 + 8 * MIN,
    ).state;
    expect(visitOf(s, v.visitId)).toMatchObject({ waitingSince: T0 + 8 * MIN, widened: false });
    s = run(s, { type: "associate:sign-in", associateId: "cy" }, T0 + 9 * MIN).state;
    const at10 = run(s, { type: "tick" }, T0 + 10 * MIN);
    expect(eventsOf(at10.events, "visit:widened")).toEqual([]);
    const at18 = run(at10.state, { type: "tick" }, T0 + 18 * MIN);
    expect(eventsOf(at18.events, "visit:widened")).toHaveLength(1);
    expect(offeredTo(at18.state, "cy")).toBe(v.visitId);
  });
});
