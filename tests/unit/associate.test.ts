import { describe, expect, it } from "vitest";
import type { StoreState } from "../../server/domain/index.js";
import { MIN, SEC, T0, checkIn, refuse, run, storeWith } from "../support/engine.js";
import {
  acceptHeld,
  associateOf,
  completeHeld,
  eventsOf,
  offeredTo,
  visitOf,
} from "../support/scenarios.js";

// Signing in and out, and presence (available / away / offline).

describe("sign in and out", () => {
  it("a registered associate starts offline and signs in available and connected", () => {
    const s = storeWith([{ id: "ana", signIn: false }]);
    expect(associateOf(s, "ana")).toMatchObject({ presence: "offline", connected: false });
    const step = run(s, { type: "associate:sign-in", associateId: "ana" }, T0 + MIN);
    expect(step.events).toEqual([
      { type: "associate:signed-in", associateId: "ana", presence: "available" },
    ]);
    expect(associateOf(step.state, "ana")).toMatchObject({
      presence: "available",
      connected: true,
      idleSince: T0 + MIN,
    });
  });

  it("signing in as away is offered nobody", () => {
    let s = checkIn(storeWith([{ id: "ana", signIn: false }]), T0).state;
    const step = run(
      s,
      { type: "associate:sign-in", associateId: "ana", presence: "away" },
      T0 + MIN,
    );
    expect(step.events).toEqual([
      { type: "associate:signed-in", associateId: "ana", presence: "away" },
    ]);
    s = step.state;
    expect(offeredTo(s, "ana")).toBeUndefined();
  });

  it("refuses signing in as offline, and an unknown associate", () => {
    const s = storeWith([{ id: "ana", signIn: false }]);
    expect(
      refuse(s, { type: "associate:sign-in", associateId: "ana", presence: "offline" }, T0).code,
    ).toBe("INVALID_COMMAND");
    expect(refuse(s, { type: "associate:sign-in", associateId: "zoe" }, T0).code).toBe(
      "ASSOCIATE_NOT_FOUND",
    );
  });

  it("sign out goes offline and hands a pending offer to someone else", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo", signIn: false }]);
    const v = checkIn(s, T0);
    s = run(v.state, { type: "associate:sign-in", associateId: "bo" }, T0 + SEC).state;
    const out = run(s, { type: "associate:sign-out", associateId: "ana" }, T0 + 2 * SEC);
    expect(out.events.map((e) => e.type)).toEqual([
      "offer:withdrawn",
      "associate:signed-out",
      "offer:created",
    ]);
    expect(eventsOf(out.events, "offer:withdrawn")).toEqual([
      { type: "offer:withdrawn", offerId: "o-1", reason: "associate_away" },
    ]);
    expect(associateOf(out.state, "ana")).toMatchObject({
      presence: "offline",
      connected: false,
      offerId: undefined,
    });
    expect(offeredTo(out.state, "bo")).toBe(v.visitId);
  });

  it("refuses sign out while serving a customer (ASSOCIATE_BUSY)", () => {
    let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
    s = acceptHeld(s, "ana", T0).state;
    expect(refuse(s, { type: "associate:sign-out", associateId: "ana" }, T0 + MIN).code).toBe(
      "ASSOCIATE_BUSY",
    );
  });

  it("signing out twice changes nothing the second time", () => {
    let s = storeWith([{ id: "ana" }]);
    s = run(s, { type: "associate:sign-out", associateId: "ana" }, T0).state;
    expect(run(s, { type: "associate:sign-out", associateId: "ana" }, T0 + SEC).events).toEqual([]);
  });
});

describe("presence", () => {
  it("away withdraws a pending offer, which goes to someone else", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo", signIn: false }]);
    const v = checkIn(s, T0);
    s = run(v.state, { type: "associate:sign-in", associateId: "bo" }, T0 + SEC).state;
    const away = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "away" },
      T0 + 2 * SEC,
    );
    expect(away.events.slice(0, 2)).toEqual([
      { type: "offer:withdrawn", offerId: "o-1", reason: "associate_away" },
      { type: "associate:presence-changed", associateId: "ana", presence: "away" },
    ]);
    expect(offeredTo(away.state, "bo")).toBe(v.visitId);
    expect(visitOf(away.state, v.visitId).declinedBy).toEqual([]);
  });

  it("coming back available is offered the waiting visit", () => {
    let s = storeWith([{ id: "ana" }]);
    s = run(s, { type: "associate:set-presence", associateId: "ana", presence: "away" }, T0).state;
    const v = checkIn(s, T0 + MIN);
    expect(offeredTo(v.state, "ana")).toBeUndefined();
    const back = run(
      v.state,
      { type: "associate:set-presence", associateId: "ana", presence: "available" },
      T0 + 2 * MIN,
    );
    expect(associateOf(back.state, "ana").idleSince).toBe(T0 + 2 * MIN);
    expect(offeredTo(back.state, "ana")).toBe(v.visitId);
  });

  it("away while serving keeps the visit; offline while serving is refused", () => {
    let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
    const served = acceptHeld(s, "ana", T0);
    s = run(
      served.state,
      { type: "associate:set-presence", associateId: "ana", presence: "away" },
      T0 + MIN,
    ).state;
    expect(associateOf(s, "ana")).toMatchObject({ presence: "away", visitId: served.visitId });
    expect(visitOf(s, served.visitId).status).toBe("serving");
    expect(
      refuse(
        s,
        { type: "associate:set-presence", associateId: "ana", presence: "offline" },
        T0 + MIN,
      ).code,
    ).toBe("ASSOCIATE_BUSY");
  });

  it("offline takes the associate off the floor and hands on a pending offer", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo", signIn: false }]);
    const v = checkIn(s, T0);
    s = run(v.state, { type: "associate:sign-in", associateId: "bo" }, T0 + SEC).state;
    const off = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "offline" },
      T0 + 2 * SEC,
    );
    expect(eventsOf(off.events, "associate:presence-changed")).toEqual([
      { type: "associate:presence-changed", associateId: "ana", presence: "offline" },
    ]);
    expect(eventsOf(off.events, "offer:withdrawn")).toMatchObject([{ offerId: "o-1" }]);
    expect(associateOf(off.state, "ana").presence).toBe("offline");
    expect(offeredTo(off.state, "bo")).toBe(v.visitId);
    const later = checkIn(off.state, T0 + MIN);
    expect(offeredTo(later.state, "ana")).toBeUndefined();
  });

  it("refuses a presence change before signing in (NOT_SIGNED_IN)", () => {
    const s = storeWith([{ id: "ana", signIn: false }]);
    expect(
      refuse(s, { type: "associate:set-presence", associateId: "ana", presence: "available" }, T0)
        .code,
    ).toBe("NOT_SIGNED_IN");
  });

  it("setting the same presence again changes nothing", () => {
    const s = storeWith([{ id: "ana" }]);
    expect(
      run(s, { type: "associate:set-presence", associateId: "ana", presence: "available" }, T0)
        .events,
    ).toEqual([]);
  });
});

// The tablet's connection, apart from presence: the disconnect grace.

/** ana holds o-1 for v-1 (deadline T0+30s); bo is signed out. ana's tablet drops at T0+5s. */
function dropped(): { s: StoreState; visitId: string } {
  const v = checkIn(storeWith([{ id: "ana" }, { id: "bo", signIn: false }]), T0);
  const s = run(v.state, { type: "tablet:disconnected", associateId: "ana" }, T0 + 5 * SEC).state;
  return { s, visitId: v.visitId };
}

describe("tablet connection", () => {
  it("a disconnect is recorded apart from presence and keeps the offer", () => {
    const v = checkIn(storeWith([{ id: "ana" }]), T0);
    const step = run(v.state, { type: "tablet:disconnected", associateId: "ana" }, T0 + 5 * SEC);
    expect(step.events).toEqual([{ type: "tablet:disconnected", associateId: "ana" }]);
    expect(associateOf(step.state, "ana")).toMatchObject({
      presence: "available",
      connected: false,
      disconnectedAt: T0 + 5 * SEC,
      connectionLost: false,
      offerId: "o-1",
    });
  });

  it("reconnecting within the grace keeps the same offer", () => {
    const { s, visitId } = dropped();
    const back = run(s, { type: "tablet:connected", associateId: "ana" }, T0 + 19 * SEC);
    expect(back.events).toEqual([{ type: "tablet:connected", associateId: "ana" }]);
    expect(associateOf(back.state, "ana")).toMatchObject({ connected: true, offerId: "o-1" });
    // The grace would have ended at T0+20s: nothing happens then.
    const later = run(back.state, { type: "tick" }, T0 + 25 * SEC);
    expect(later.events).toEqual([]);
    expect(offeredTo(later.state, "ana")).toBe(visitId);
  });

  it("past the grace the offer is withdrawn, re-offered, and a manager is alerted", () => {
    const { s, visitId } = dropped();
    const early = run(s, { type: "tick" }, T0 + 20 * SEC - 1);
    expect(early.events).toEqual([]);
    let state = run(
      early.state,
      { type: "associate:sign-in", associateId: "bo" },
      T0 + 20 * SEC - 1,
    ).state;
    const due = run(state, { type: "tick" }, T0 + 20 * SEC);
    expect(due.events).toEqual([
      { type: "offer:withdrawn", offerId: "o-1", reason: "connection_lost" },
      { type: "associate:connection-lost", associateId: "ana" },
      {
        type: "alert:raised",
        alertId: "a-1",
        kind: "tablet_dropped",
        visitId: undefined,
        associateId: "ana",
        note: expect.any(String),
      },
      {
        type: "offer:created",
        offerId: "o-2",
        visitId,
        associateId: "bo",
        deadline: T0 + 50 * SEC,
      },
    ]);
    state = due.state;
    expect(associateOf(state, "ana")).toMatchObject({
      connectionLost: true,
      offerId: undefined,
      presence: "available",
    });
    // A tablet that is gone is offered nobody, even with customers waiting.
    const next = checkIn(state, T0 + MIN);
    expect(offeredTo(next.state, "ana")).toBeUndefined();
    expect(visitOf(next.state, next.visitId).status).toBe("waiting");
  });

  it("after a lost connection, reconnecting makes the associate offerable again", () => {
    let { s } = dropped();
    s = run(s, { type: "tick" }, T0 + 20 * SEC).state;
    expect(visitOf(s, "v-1").status).toBe("waiting");
    const back = run(s, { type: "tablet:connected", associateId: "ana" }, T0 + MIN);
    expect(associateOf(back.state, "ana").connectionLost).toBe(false);
    // v-1 was never declined by ana: she may be offered it again.
    expect(offeredTo(back.state, "ana")).toBe("v-1");
  });

  it("uses the store's disconnectGraceSec", () => {
    const v = checkIn(
      storeWith([{ id: "ana" }], { disconnectGraceSec: 5, offerTimeoutSec: 60 }),
      T0,
    );
    const s = run(v.state, { type: "tablet:disconnected", associateId: "ana" }, T0).state;
    const due = run(s, { type: "tick" }, T0 + 5 * SEC);
    expect(eventsOf(due.events, "associate:connection-lost")).toHaveLength(1);
  });

  it("a tablet lost while serving raises an alert naming the visit, which stays served", () => {
    let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
    const served = acceptHeld(s, "ana", T0);
    s = run(served.state, { type: "tablet:disconnected", associateId: "ana" }, T0 + MIN).state;
    const due = run(s, { type: "tick" }, T0 + MIN + 15 * SEC);
    expect(eventsOf(due.events, "alert:raised")).toMatchObject([
      { kind: "tablet_dropped", visitId: served.visitId, associateId: "ana" },
    ]);
    expect(visitOf(due.state, served.visitId)).toMatchObject({
      status: "serving",
      associateId: "ana",
    });
  });

  it("a disconnect after signing out starts no grace", () => {
    let s = storeWith([{ id: "ana" }]);
    s = run(s, { type: "associate:sign-out", associateId: "ana" }, T0).state;
    const step = run(s, { type: "tablet:disconnected", associateId: "ana" }, T0 + SEC);
    expect(step.events).toEqual([]);
    expect(run(step.state, { type: "tick" }, T0 + MIN).events).toEqual([]);
  });
});

// Ending a visit: complete with an outcome and a note, or no-show.

/** ana serves v-1 since T0+1min. */
function serving(): { s: StoreState; visitId: string } {
  const v = checkIn(storeWith([{ id: "ana" }, { id: "bo", signIn: false }]), T0 + MIN);
  return { s: acceptHeld(v.state, "ana", T0 + MIN).state, visitId: v.visitId };
}

describe("complete", () => {
  it.each(["resolved", "follow_up", "not_resolved"] as const)(
    "closes the visit as done with outcome %s and keeps the note",
    (outcome) => {
      const { s, visitId } = serving();
      const step = run(
        s,
        { type: "visit:complete", associateId: "ana", visitId, outcome, note: "ordered a case" },
        T0 + 7 * MIN,
      );
      expect(step.events).toEqual([
        { type: "visit:completed", visitId, outcome, note: "ordered a case" },
      ]);
      expect(step.reply).toEqual({ visitId });
      expect(step.state.visits.has(visitId)).toBe(false);
      expect(step.state.closed.get(visitId)).toMatchObject({
        status: "done",
        outcome,
        closedAt: T0 + 7 * MIN,
        associateId: "ana",
        notes: [{ at: T0 + 7 * MIN, by: "ana", text: "ordered a case" }],
      });
      expect(associateOf(step.state, "ana")).toMatchObject({
        visitId: undefined,
        offerId: undefined,
      });
    },
  );

  it("measures the service time from accept to complete, per topic", () => {
    const { s, visitId } = serving();
    const step = run(
      s,
      { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
      T0 + 9 * MIN,
    );
    expect(step.state.serviceStats.get("phones")).toMatchObject({ count: 1, totalMs: 8 * MIN });
    expect(step.state.serviceStats.get("fitting")).toBeUndefined();
  });

  it("frees the associate for the next visit at once when there is no wrap-up time", () => {
    const { s, visitId } = serving();
    const next = checkIn(s, T0 + 2 * MIN);
    const step = run(
      next.state,
      { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
      T0 + 3 * MIN,
    );
    expect(offeredTo(step.state, "ana")).toBe(next.visitId);
  });

  it("no-show closes the visit as done(no_show) without counting a service time", () => {
    const { s, visitId } = serving();
    const step = run(s, { type: "visit:no-show", associateId: "ana", visitId }, T0 + 4 * MIN);
    expect(step.events).toEqual([
      { type: "visit:completed", visitId, outcome: "no_show", note: "" },
    ]);
    expect(step.state.closed.get(visitId)).toMatchObject({ status: "done", outcome: "no_show" });
    expect(step.state.serviceStats.size).toBe(0);
    expect(associateOf(step.state, "ana").visitId).toBeUndefined();
  });

  it("only the associate serving the visit may complete it (NOT_SERVING)", () => {
    let { s, visitId } = serving();
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + 2 * MIN).state;
    const complete = { type: "visit:complete", visitId, outcome: "resolved" } as const;
    expect(refuse(s, { ...complete, associateId: "bo" }, T0 + 3 * MIN).code).toBe("NOT_SERVING");
    expect(
      refuse(s, { type: "visit:no-show", associateId: "bo", visitId }, T0 + 3 * MIN).code,
    ).toBe("NOT_SERVING");
    expect(visitOf(s, visitId).status).toBe("serving");
  });

  it("an offered visit cannot be completed before it is accepted", () => {
    const v = checkIn(storeWith([{ id: "ana" }]), T0);
    expect(
      refuse(
        v.state,
        { type: "visit:complete", associateId: "ana", visitId: v.visitId, outcome: "resolved" },
        T0 + SEC,
      ).code,
    ).toBe("NOT_SERVING");
  });

  it("a visit that already ended cannot be completed again; an unknown one is not found", () => {
    let { s, visitId } = serving();
    s = run(
      s,
      { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
      T0 + 3 * MIN,
    ).state;
    expect(
      refuse(
        s,
        { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
        T0 + 4 * MIN,
      ).code,
    ).toBe("NOT_SERVING");
    expect(
      refuse(
        s,
        { type: "visit:complete", associateId: "ana", visitId: "v-404", outcome: "resolved" },
        T0 + 4 * MIN,
      ).code,
    ).toBe("VISIT_NOT_FOUND");
  });
});

// Handing a visit on (to a topic or a colleague) and calling a manager.

/**
 * ana (phones) serves v-1 (phones, checked in at T0). dee (service), bo (phones) and
 * cy (phones, uk) are signed out unless asked for.
 */
function servingV1(): { s: StoreState; visitId: string } {
  const s = storeWith([
    { id: "ana" },
    { id: "bo", signIn: false },
    { id: "cy", languages: ["uk"], signIn: false },
    { id: "dee", skills: ["service"], signIn: false },
    { id: "max", manager: true, signIn: false },
  ]);
  const v = checkIn(s, T0);
  return { s: acceptHeld(v.state, "ana", T0 + SEC).state, visitId: v.visitId };
}

describe("transfer to a topic", () => {
  it("puts the visit back in line for the new topic, with the note travelling with it", () => {
    const { s, visitId } = servingV1();
    const step = run(
      s,
      {
        type: "visit:transfer",
        associateId: "ana",
        visitId,
        toTopicId: "returns",
        note: "wants a refund for the old phone",
      },
      T0 + 3 * MIN,
    );
    expect(step.events).toEqual([
      {
        type: "visit:transferred",
        visitId,
        toTopicId: "returns",
        toAssociateId: undefined,
        note: "wants a refund for the old phone",
      },
    ]);
    expect(visitOf(step.state, visitId)).toMatchObject({
      status: "waiting",
      topicId: "returns",
      queuedAt: T0,
      waitingSince: T0 + 3 * MIN,
      associateId: undefined,
      servingSince: undefined,
      targetAssociateId: undefined,
      notes: [{ at: T0 + 3 * MIN, by: "ana", text: "wants a refund for the old phone" }],
    });
    expect(associateOf(step.state, "ana").visitId).toBeUndefined();
    // An associate with the new topic's skill gets it, note and all.
    const dee = run(step.state, { type: "associate:sign-in", associateId: "dee" }, T0 + 4 * MIN);
    expect(offeredTo(dee.state, "dee")).toBe(visitId);
    expect(visitOf(dee.state, visitId).notes.map((n) => n.text)).toEqual([
      "wants a refund for the old phone",
    ]);
  });

  it("is never offered back to the associate who handed it on", () => {
    const { s, visitId } = servingV1();
    const step = run(
      s,
      { type: "visit:transfer", associateId: "ana", visitId, toTopicId: "phones" },
      T0 + 3 * MIN,
    );
    expect(visitOf(step.state, visitId).declinedBy).toEqual(["ana"]);
    expect(offeredTo(step.state, "ana")).toBeUndefined();
    const bo = run(step.state, { type: "associate:sign-in", associateId: "bo" }, T0 + 4 * MIN);
    expect(offeredTo(bo.state, "bo")).toBe(visitId);
  });

  it("keeps the visit's original place, ahead of visits that came later", () => {
    let { s, visitId } = servingV1();
    const other = checkIn(s, T0 + MIN, { topicId: "returns" });
    s = run(
      other.state,
      { type: "visit:transfer", associateId: "ana", visitId, toTopicId: "returns" },
      T0 + 3 * MIN,
    ).state;
    s = run(s, { type: "associate:sign-in", associateId: "dee" }, T0 + 4 * MIN).state;
    expect(offeredTo(s, "dee")).toBe(visitId);
    expect(visitOf(s, other.visitId).status).toBe("waiting");
  });
});

describe("transfer to a named associate", () => {
  it("offers the visit only to that colleague, even one without the skill", () => {
    let { s, visitId } = servingV1();
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + MIN).state;
    s = run(s, { type: "associate:sign-in", associateId: "dee" }, T0 + 2 * MIN).state;
    const step = run(
      s,
      {
        type: "visit:transfer",
        associateId: "ana",
        visitId,
        toAssociateId: "dee",
        note: "needs the store card",
      },
      T0 + 3 * MIN,
    );
    expect(eventsOf(step.events, "visit:transferred")).toEqual([
      {
        type: "visit:transferred",
        visitId,
        toTopicId: undefined,
        toAssociateId: "dee",
        note: "needs the store card",
      },
    ]);
    // bo has the phones skill and was idle longer, but the transfer names dee.
    expect(offeredTo(step.state, "dee")).toBe(visitId);
    expect(offeredTo(step.state, "bo")).toBeUndefined();
    expect(visitOf(step.state, visitId)).toMatchObject({
      targetAssociateId: "dee",
      topicId: "phones",
      notes: [{ by: "ana", text: "needs the store card" }],
    });
  });

  it("waits for the named colleague while others are free", () => {
    let { s, visitId } = servingV1();
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + MIN).state;
    s = run(
      s,
      { type: "visit:transfer", associateId: "ana", visitId, toAssociateId: "cy" },
      T0 + 3 * MIN,
    ).state;
    expect(visitOf(s, visitId).status).toBe("waiting");
    expect(offeredTo(s, "bo")).toBeUndefined();
    s = run(s, { type: "associate:sign-in", associateId: "cy" }, T0 + 4 * MIN).state;
    expect(offeredTo(s, "cy")).toBe(visitId);
  });

  it("the handing associate is free for the next customer", () => {
    let { s, visitId } = servingV1();
    const next = checkIn(s, T0 + MIN);
    s = run(
      next.state,
      { type: "visit:transfer", associateId: "ana", visitId, toAssociateId: "bo" },
      T0 + 3 * MIN,
    ).state;
    expect(offeredTo(s, "ana")).toBe(next.visitId);
  });

  it("refuses a transfer to oneself, to both or neither, and to unknown targets", () => {
    const { s, visitId } = servingV1();
    const t = { type: "visit:transfer", associateId: "ana", visitId } as const;
    expect(refuse(s, { ...t, toAssociateId: "ana" }, T0 + MIN).code).toBe("INVALID_COMMAND");
    expect(refuse(s, t, T0 + MIN).code).toBe("INVALID_COMMAND");
    expect(refuse(s, { ...t, toTopicId: "returns", toAssociateId: "bo" }, T0 + MIN).code).toBe(
      "INVALID_COMMAND",
    );
    expect(refuse(s, { ...t, toTopicId: "garden" }, T0 + MIN).code).toBe("UNKNOWN_TOPIC");
    expect(refuse(s, { ...t, toAssociateId: "zoe" }, T0 + MIN).code).toBe("ASSOCIATE_NOT_FOUND");
  });

  it("refuses a transfer by someone not serving the visit", () => {
    let { s, visitId } = servingV1();
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + MIN).state;
    expect(
      refuse(
        s,
        { type: "visit:transfer", associateId: "bo", visitId, toTopicId: "returns" },
        T0 + 2 * MIN,
      ).code,
    ).toBe("NOT_SERVING");
  });
});

describe("call a manager", () => {
  it("raises an alert naming the associate, the visit and the note", () => {
    const { s, visitId } = servingV1();
    const step = run(
      s,
      { type: "manager:call", associateId: "ana", visitId, note: "customer is upset" },
      T0 + 2 * MIN,
    );
    expect(step.events).toEqual([
      {
        type: "alert:raised",
        alertId: "a-1",
        kind: "manager_called",
        visitId,
        associateId: "ana",
        note: "customer is upset",
      },
    ]);
    expect(step.reply).toEqual({ alertId: "a-1" });
    expect(step.state.alerts.get("a-1")).toEqual({
      id: "a-1",
      kind: "manager_called",
      at: T0 + 2 * MIN,
      visitId,
      associateId: "ana",
      note: "customer is upset",
    });
    // The visit is untouched.
    expect(visitOf(step.state, visitId).status).toBe("serving");
  });

  it("may be called without a visit; an unknown visit is refused", () => {
    const { s } = servingV1();
    const step = run(s, { type: "manager:call", associateId: "ana" }, T0 + MIN);
    expect(step.state.alerts.get("a-1")).toMatchObject({
      kind: "manager_called",
      visitId: undefined,
    });
    expect(
      refuse(s, { type: "manager:call", associateId: "ana", visitId: "v-404" }, T0 + MIN).code,
    ).toBe("VISIT_NOT_FOUND");
  });

  it("a manager resolves the alert, once", () => {
    let { s } = servingV1();
    s = run(s, { type: "manager:call", associateId: "ana" }, T0 + MIN).state;
    const resolved = run(
      s,
      { type: "alert:resolve", managerId: "max", alertId: "a-1" },
      T0 + 2 * MIN,
    );
    expect(resolved.events).toEqual([{ type: "alert:resolved", alertId: "a-1" }]);
    expect(resolved.state.alerts.size).toBe(0);
    expect(
      refuse(
        resolved.state,
        { type: "alert:resolve", managerId: "max", alertId: "a-1" },
        T0 + 3 * MIN,
      ).code,
    ).toBe("ALERT_NOT_FOUND");
    expect(
      refuse(s, { type: "alert:resolve", managerId: "ana", alertId: "a-1" }, T0 + 2 * MIN).code,
    ).toBe("NOT_A_MANAGER");
  });

  it("completing after a transfer is not possible for the old server", () => {
    let { s, visitId } = servingV1();
    s = run(
      s,
      { type: "visit:transfer", associateId: "ana", visitId, toAssociateId: "bo" },
      T0 + MIN,
    ).state;
    expect(() => completeHeld(s, "ana", T0 + 2 * MIN)).toThrow(/serves nobody/);
    expect(
      refuse(
        s,
        { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
        T0 + 2 * MIN,
      ).code,
    ).toBe("NOT_SERVING");
  });
});
