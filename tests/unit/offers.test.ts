import { describe, expect, it } from "vitest";
import type { StoreState } from "../../server/domain/index.js";
import { MIN, SEC, T0, checkIn, offerOf, refuse, run, storeWith } from "../support/engine.js";
import {
  acceptHeld,
  associateOf,
  completeHeld,
  eventsOf,
  offeredTo,
  onlyEvent,
  visitOf,
} from "../support/scenarios.js";

describe("offers", () => {
  it("an offer has its own id and a deadline offerTimeoutSec ahead", () => {
    const v = checkIn(storeWith([{ id: "ana" }]), T0 + 5 * SEC);
    expect(onlyEvent(v.events, "offer:created")).toEqual({
      type: "offer:created",
      offerId: "o-1",
      visitId: v.visitId,
      associateId: "ana",
      deadline: T0 + 35 * SEC,
    });
    expect(v.state.offers.get("o-1")).toEqual({
      id: "o-1",
      visitId: v.visitId,
      associateId: "ana",
      createdAt: T0 + 5 * SEC,
      deadline: T0 + 35 * SEC,
    });
    expect(associateOf(v.state, "ana").offerId).toBe("o-1");
    expect(visitOf(v.state, v.visitId)).toMatchObject({
      status: "offered",
      offerId: "o-1",
      associateId: "ana",
    });
  });

  it("uses the store's offer timeout", () => {
    const v = checkIn(storeWith([{ id: "ana" }], { offerTimeoutSec: 90 }), T0);
    expect(onlyEvent(v.events, "offer:created").deadline).toBe(T0 + 90 * SEC);
  });

  it("an associate holds one offer at a time; the next visit waits", () => {
    const v1 = checkIn(storeWith([{ id: "ana" }]), T0);
    const v2 = checkIn(v1.state, T0 + SEC);
    expect(eventsOf(v2.events, "offer:created")).toEqual([]);
    expect(v2.state.offers.size).toBe(1);
    expect(visitOf(v2.state, v2.visitId).status).toBe("waiting");
  });

  it("accept starts serving and answers the offer and visit ids", () => {
    const v = checkIn(storeWith([{ id: "ana" }]), T0);
    const step = run(
      v.state,
      { type: "offer:accept", associateId: "ana", offerId: "o-1" },
      T0 + 10 * SEC,
    );
    expect(step.events).toEqual([{ type: "offer:accepted", offerId: "o-1" }]);
    expect(step.reply).toEqual({ offerId: "o-1", visitId: v.visitId });
    expect(step.state.offers.size).toBe(0);
    expect(visitOf(step.state, v.visitId)).toMatchObject({
      status: "serving",
      associateId: "ana",
      offerId: undefined,
      servingSince: T0 + 10 * SEC,
    });
    expect(associateOf(step.state, "ana")).toMatchObject({
      offerId: undefined,
      visitId: v.visitId,
    });
  });
});

describe("stale offers", () => {
  /** ana declined o-1 (v1) and now holds o-2 (v2). */
  function afterDecline(): { s: StoreState; v1: string; v2: string } {
    const v1 = checkIn(storeWith([{ id: "ana" }]), T0);
    const v2 = checkIn(v1.state, T0 + SEC);
    const s = run(
      v2.state,
      { type: "offer:decline", associateId: "ana", offerId: "o-1" },
      T0 + 2 * SEC,
    ).state;
    return { s, v1: v1.visitId, v2: v2.visitId };
  }

  it("accepting an answered offer is refused with OFFER_NOT_PENDING, not applied to the new one", () => {
    const { s, v2 } = afterDecline();
    expect(offerOf(s, "ana")).toEqual({ offerId: "o-2", visitId: v2 });
    const err = refuse(
      s,
      { type: "offer:accept", associateId: "ana", offerId: "o-1" },
      T0 + 3 * SEC,
    );
    expect(err.code).toBe("OFFER_NOT_PENDING");
    const decline = refuse(
      s,
      { type: "offer:decline", associateId: "ana", offerId: "o-1" },
      T0 + 3 * SEC,
    );
    expect(decline.code).toBe("OFFER_NOT_PENDING");
  });

  it("accepting an expired offer is refused with OFFER_NOT_PENDING", () => {
    const v = checkIn(storeWith([{ id: "ana" }]), T0);
    const err = refuse(
      v.state,
      { type: "offer:accept", associateId: "ana", offerId: "o-1" },
      T0 + 30 * SEC,
    );
    expect(err.code).toBe("OFFER_NOT_PENDING");
  });

  it("accepting an offer made to someone else is refused with OFFER_NOT_YOURS", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo", signIn: false }]);
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + SEC).state;
    s = checkIn(s, T0 + 2 * SEC).state;
    expect(offerOf(s, "ana").offerId).toBe("o-1");
    expect(
      refuse(s, { type: "offer:accept", associateId: "bo", offerId: "o-1" }, T0 + 3 * SEC).code,
    ).toBe("OFFER_NOT_YOURS");
    expect(
      refuse(s, { type: "offer:decline", associateId: "bo", offerId: "o-1" }, T0 + 3 * SEC).code,
    ).toBe("OFFER_NOT_YOURS");
  });

  it("an offer id never issued is OFFER_NOT_PENDING; an unknown associate is ASSOCIATE_NOT_FOUND", () => {
    const v = checkIn(storeWith([{ id: "ana" }]), T0);
    expect(
      refuse(v.state, { type: "offer:accept", associateId: "ana", offerId: "o-99" }, T0).code,
    ).toBe("OFFER_NOT_PENDING");
    expect(
      refuse(v.state, { type: "offer:accept", associateId: "nobody", offerId: "o-1" }, T0).code,
    ).toBe("ASSOCIATE_NOT_FOUND");
  });
});

describe("decline", () => {
  it("records the reason and puts the visit back in its place", () => {
    const s = storeWith([{ id: "ana" }, { id: "bo" }]);
    const v = checkIn(s, T0);
    const declined = run(
      v.state,
      { type: "offer:decline", associateId: "ana", offerId: "o-1", reason: "on my break" },
      T0 + 5 * SEC,
    );
    expect(declined.events[0]).toEqual({
      type: "offer:declined",
      offerId: "o-1",
      reason: "on my break",
    });
    expect(declined.reply).toEqual({ offerId: "o-1", visitId: v.visitId });
    expect(visitOf(declined.state, v.visitId)).toMatchObject({
      queuedAt: T0,
      declinedBy: ["ana"],
      declineCooldownUntil: T0 + 5 * SEC + 60 * SEC,
      widened: false,
    });
    // bo may take it: it goes to bo, and ana stays available.
    expect(offeredTo(declined.state, "bo")).toBe(v.visitId);
    expect(associateOf(declined.state, "ana").presence).toBe("available");
  });

  it("is 'not me, not now': declined by the only one who could serve it, it widens at once to anyone free", () => {
    // ana is the only phones associate; cy (fashion) stands free.
    const s = storeWith([{ id: "ana" }, { id: "cy", skills: ["fashion"] }]);
    const v = checkIn(s, T0);
    expect(offeredTo(v.state, "ana")).toBe(v.visitId);
    const declined = run(
      v.state,
      { type: "offer:decline", associateId: "ana", offerId: "o-1" },
      T0 + 5 * SEC,
    );
    expect(declined.events.map((e) => e.type)).toEqual([
      "offer:declined",
      "visit:widened",
      "alert:raised",
      "offer:created",
    ]);
    expect(declined.events[2]).toMatchObject({ kind: "declined_by_all", visitId: v.visitId });
    expect(offeredTo(declined.state, "cy")).toBe(v.visitId);
  });

  it("with nobody else available, offers it to the decliner again after the cool-down, not before", () => {
    const s = storeWith([{ id: "ana" }], { declineCooldownSec: 90 });
    const v = checkIn(s, T0);
    const declined = run(
      v.state,
      { type: "offer:decline", associateId: "ana", offerId: "o-1" },
      T0 + 5 * SEC,
    ).state;
    expect(visitOf(declined, v.visitId).widened).toBe(true);
    const early = run(declined, { type: "tick" }, T0 + 94 * SEC).state;
    expect(offeredTo(early, "ana")).toBeUndefined();
    const after = run(early, { type: "tick" }, T0 + 95 * SEC);
    expect(after.events.map((e) => e.type)).toEqual(["visit:cooldown-ended", "offer:created"]);
    expect(offeredTo(after.state, "ana")).toBe(v.visitId);
  });

  it("never goes back to a decliner while someone else available may take it, even busy", () => {
    // bo (phones) is serving; ana declines; the visit waits for bo, not for ana's cool-down.
    let s = storeWith([{ id: "ana" }, { id: "bo" }]);
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state;
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "bo", T0).state;
    s = completeHeld(s, "ana", T0 + SEC).state;
    const v = checkIn(s, T0 + SEC);
    expect(offeredTo(v.state, "ana")).toBe(v.visitId);
    s = run(
      v.state,
      { type: "offer:decline", associateId: "ana", offerId: offerOf(v.state, "ana").offerId },
      T0 + 2 * SEC,
    ).state;
    expect(visitOf(s, v.visitId).widened).toBe(false);
    s = run(s, { type: "tick" }, T0 + 5 * MIN).state;
    expect(offeredTo(s, "ana")).toBeUndefined();
    s = completeHeld(s, "bo", T0 + 6 * MIN).state;
    expect(offeredTo(s, "bo")).toBe(v.visitId);
  });

  it("widens at once when the last one who could serve it and had not declined goes away", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo" }, { id: "cy", skills: ["fashion"] }]);
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state;
    const v = checkIn(s, T0 + SEC);
    s = run(
      v.state,
      { type: "offer:decline", associateId: "bo", offerId: offerOf(v.state, "bo").offerId },
      T0 + 2 * SEC,
    ).state;
    expect(visitOf(s, v.visitId).widened).toBe(false);
    const away = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "away" },
      T0 + 3 * SEC,
    );
    expect(away.events.map((e) => e.type)).toContain("visit:widened");
    expect(offeredTo(away.state, "cy")).toBe(v.visitId);
  });

  it("widens at once when a decliner's tablet comes back and nobody else who could serve it is there", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo" }, { id: "cy", skills: ["fashion"] }]);
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state; // ana serves v-1; v-2 goes to bo, who declines it
    const v = checkIn(s, T0 + SEC);
    s = run(
      v.state,
      { type: "offer:decline", associateId: "bo", offerId: offerOf(v.state, "bo").offerId },
      T0 + 2 * SEC,
    ).state;
    // bo's tablet drops past the grace; ana goes away: nobody who could serve v-2 is in reach.
    s = run(s, { type: "tablet:disconnected", associateId: "bo" }, T0 + 3 * SEC).state;
    s = run(s, { type: "tick" }, T0 + 30 * SEC).state;
    s = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "away" },
      T0 + 31 * SEC,
    ).state;
    expect(visitOf(s, v.visitId).widened).toBe(false);
    // bo is back: the only one in reach who could serve it has declined it, so it widens.
    const back = run(s, { type: "tablet:connected", associateId: "bo" }, T0 + 40 * SEC);
    expect(back.events.map((e) => e.type)).toContain("visit:widened");
    expect(offeredTo(back.state, "cy")).toBe(v.visitId);
  });

  it("the declined visit keeps its place ahead of later ones", () => {
    let s = storeWith([{ id: "ana" }, { id: "bo", signIn: false }]);
    const v1 = checkIn(s, T0);
    const v2 = checkIn(v1.state, T0 + SEC);
    const v3 = checkIn(v2.state, T0 + 2 * SEC);
    s = run(
      v3.state,
      { type: "offer:decline", associateId: "ana", offerId: "o-1" },
      T0 + 3 * SEC,
    ).state;
    expect(offeredTo(s, "ana")).toBe(v2.visitId);
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + 4 * SEC).state;
    expect(offeredTo(s, "bo")).toBe(v1.visitId);
    expect(visitOf(s, v3.visitId).status).toBe("waiting");
  });
});

describe("offer expiry", () => {
  /** bo serves v0; ana holds o-2 for v1 (deadline T0+32s); v2 and v3 wait. */
  function expiring(): { s: StoreState; v1: string; v2: string } {
    let s = storeWith([
      { id: "bo", signIn: false },
      { id: "ana", signIn: false },
    ]);
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0).state;
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "bo", T0).state;
    s = run(s, { type: "associate:sign-in", associateId: "ana" }, T0 + SEC).state;
    const v1 = checkIn(s, T0 + 2 * SEC);
    const v2 = checkIn(v1.state, T0 + 3 * SEC);
    s = checkIn(v2.state, T0 + 4 * SEC).state;
    expect(offerOf(s, "ana")).toEqual({ offerId: "o-2", visitId: v1.visitId });
    return { s, v1: v1.visitId, v2: v2.visitId };
  }

  it("expires at the deadline: the associate goes away and the visit waits in its place", () => {
    const { s, v1 } = expiring();
    const early = run(s, { type: "tick" }, T0 + 32 * SEC - 1);
    expect(early.events).toEqual([]);
    const due = run(early.state, { type: "tick" }, T0 + 32 * SEC);
    expect(due.events).toEqual([{ type: "offer:expired", offerId: "o-2" }]);
    expect(associateOf(due.state, "ana")).toMatchObject({
      presence: "away",
      offerId: undefined,
      expiredOffersInRow: 1,
    });
    expect(visitOf(due.state, v1)).toMatchObject({
      status: "waiting",
      queuedAt: T0 + 2 * SEC,
      declinedBy: [],
    });
    expect(due.state.offers.has("o-2")).toBe(false);
  });

  it("the expired visit is offered next, ahead of those behind it", () => {
    const { s, v1 } = expiring();
    const late = completeHeld(s, "bo", T0 + MIN);
    expect(eventsOf(late.events, "offer:expired")).toEqual([
      { type: "offer:expired", offerId: "o-2" },
    ]);
    expect(offeredTo(late.state, "bo")).toBe(v1);
    expect(offeredTo(late.state, "ana")).toBeUndefined();
  });

  it("a second expiry in a row raises an alert for a manager", () => {
    let s = storeWith([{ id: "ana" }]);
    s = checkIn(s, T0).state;
    const first = run(s, { type: "tick" }, T0 + 30 * SEC);
    expect(eventsOf(first.events, "alert:raised")).toEqual([]);
    s = run(
      first.state,
      { type: "associate:set-presence", associateId: "ana", presence: "available" },
      T0 + MIN,
    ).state;
    expect(offerOf(s, "ana").offerId).toBe("o-2");
    const second = run(s, { type: "tick" }, T0 + MIN + 30 * SEC);
    expect(eventsOf(second.events, "alert:raised")).toEqual([
      {
        type: "alert:raised",
        alertId: "a-1",
        kind: "offer_expired_repeatedly",
        visitId: undefined,
        associateId: "ana",
        note: expect.any(String),
      },
    ]);
    expect(second.state.alerts.get("a-1")).toMatchObject({
      kind: "offer_expired_repeatedly",
      associateId: "ana",
      at: T0 + MIN + 30 * SEC,
    });
  });

  it("an accepted offer in between resets the count: no alert", () => {
    let s = storeWith([{ id: "ana" }]);
    s = checkIn(s, T0).state;
    s = run(s, { type: "tick" }, T0 + 30 * SEC).state;
    s = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "available" },
      T0 + MIN,
    ).state;
    s = acceptHeld(s, "ana", T0 + MIN).state;
    expect(associateOf(s, "ana").expiredOffersInRow).toBe(0);
    s = completeHeld(s, "ana", T0 + 2 * MIN).state;
    s = checkIn(s, T0 + 3 * MIN).state;
    const expired = run(s, { type: "tick" }, T0 + 3 * MIN + 30 * SEC);
    expect(eventsOf(expired.events, "offer:expired")).toHaveLength(1);
    expect(eventsOf(expired.events, "alert:raised")).toEqual([]);
  });
});
