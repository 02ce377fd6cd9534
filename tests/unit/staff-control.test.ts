import { describe, expect, it } from "vitest";
import { Projection, type StoreState, associateIdFor } from "../../server/domain/index.js";
import { MIN, SEC, T0, checkIn, refuse, run, storeWith } from "../support/engine.js";
import { acceptHeld, associateOf, eventsOf, offeredTo, visitOf } from "../support/scenarios.js";

// Staff in control of the line (issue 11, point 1): presence back from offline, no-show undo,
// walk-ins, bringing a browsing customer back (tablet and kiosk), "ready now", and why away.

/** Ana serves a phones customer (v-1). */
function serving(extra: Parameters<typeof storeWith>[0] = [], settings = {}) {
  const s = checkIn(storeWith([{ id: "ana" }, ...extra], settings), T0).state;
  return acceptHeld(s, "ana", T0 + SEC);
}

describe("offline and back", () => {
  it("an associate who tapped Offline on a signed-in tablet may come back to Available", () => {
    let s = storeWith([{ id: "ana" }]);
    s = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "offline" },
      T0,
    ).state;
    expect(associateOf(s, "ana")).toMatchObject({ presence: "offline", connected: true });
    const back = run(
      checkIn(s, T0 + SEC).state,
      { type: "associate:set-presence", associateId: "ana", presence: "available" },
      T0 + MIN,
    );
    expect(associateOf(back.state, "ana")).toMatchObject({
      presence: "available",
      idleSince: T0 + MIN,
    });
    // ... and is offered the customer who came meanwhile.
    expect(offeredTo(back.state, "ana")).toBe("v-1");
  });

  it("after signing out (no tablet) they must sign in again", () => {
    let s = storeWith([{ id: "ana" }]);
    s = run(s, { type: "associate:sign-out", associateId: "ana" }, T0).state;
    expect(
      refuse(
        s,
        { type: "associate:set-presence", associateId: "ana", presence: "available" },
        T0 + MIN,
      ).code,
    ).toBe("NOT_SIGNED_IN");
  });
});

describe("undoing a no-show", () => {
  it("within a minute, the associate serves the customer again (their wrap-up ends)", () => {
    let { state: s, visitId } = serving([], { wrapUpSec: 30 });
    const noShow = run(s, { type: "visit:no-show", associateId: "ana", visitId }, T0 + MIN);
    expect(noShow.reply).toEqual({ visitId, undoUntil: T0 + 2 * MIN });
    s = noShow.state;
    // The customer's page says what happened: not a thank-you for a visit that did not happen.
    expect(new Projection(s, T0 + MIN).customer(visitId)).toMatchObject({
      status: "done",
      outcome: "no_show",
      canGiveFeedback: false,
    });
    expect(new Projection(s, T0 + MIN + 10 * SEC).associate("ana")?.undoNoShow).toEqual({
      visitId,
      code: "P-001",
      until: T0 + 2 * MIN,
    });
    const undo = run(
      s,
      { type: "visit:undo-no-show", associateId: "ana", visitId },
      T0 + MIN + 10 * SEC,
    );
    expect(undo.events).toEqual([{ type: "visit:no-show-undone", visitId, serving: true }]);
    expect(undo.reply).toEqual({ visitId, status: "serving" });
    expect(visitOf(undo.state, visitId)).toMatchObject({
      status: "serving",
      associateId: "ana",
      outcome: undefined,
      closedAt: undefined,
      servingSince: T0 + SEC,
    });
    expect(undo.state.closed.has(visitId)).toBe(false);
    expect(associateOf(undo.state, "ana")).toMatchObject({ visitId, wrapUpUntil: undefined });
    // The customer's page is back to "serving", not "thank you".
    expect(new Projection(undo.state, T0 + MIN + 10 * SEC).customer(visitId)).toMatchObject({
      status: "serving",
      associate: { firstName: "Ana" },
    });
    // It can then be completed as usual.
    const done = run(
      undo.state,
      { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
      T0 + 3 * MIN,
    );
    expect(visitOf(done.state, visitId)).toMatchObject({ status: "done", outcome: "resolved" });
  });

  it("after the minute it is refused with UNDO_EXPIRED, and the view no longer offers it", () => {
    let { state: s, visitId } = serving();
    s = run(s, { type: "visit:no-show", associateId: "ana", visitId }, T0 + MIN).state;
    expect(
      refuse(s, { type: "visit:undo-no-show", associateId: "ana", visitId }, T0 + 2 * MIN + 1).code,
    ).toBe("UNDO_EXPIRED");
    expect(new Projection(s, T0 + 2 * MIN + 1).associate("ana")?.undoNoShow).toBeNull();
  });

  it("only the associate who recorded it, only a no-show, only a closed visit", () => {
    let { state: s, visitId } = serving([{ id: "bo" }]);
    expect(
      refuse(s, { type: "visit:undo-no-show", associateId: "ana", visitId }, T0 + MIN).code,
    ).toBe("INVALID_TRANSITION");
    const completed = run(
      s,
      { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
      T0 + MIN,
    ).state;
    expect(
      refuse(completed, { type: "visit:undo-no-show", associateId: "ana", visitId }, T0 + MIN).code,
    ).toBe("INVALID_TRANSITION");
    s = run(s, { type: "visit:no-show", associateId: "ana", visitId }, T0 + MIN).state;
    expect(
      refuse(s, { type: "visit:undo-no-show", associateId: "bo", visitId }, T0 + MIN).code,
    ).toBe("NOT_SERVING");
    expect(
      refuse(s, { type: "visit:undo-no-show", associateId: "ana", visitId: "v-404" }, T0 + MIN)
        .code,
    ).toBe("VISIT_NOT_FOUND");
  });

  it("an associate gone offline meanwhile puts it back in its place, not held by them", () => {
    let { state: s, visitId } = serving();
    s = run(s, { type: "visit:no-show", associateId: "ana", visitId }, T0 + MIN).state;
    s = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "offline" },
      T0 + MIN,
    ).state;
    const undo = run(s, { type: "visit:undo-no-show", associateId: "ana", visitId }, T0 + MIN);
    expect(undo.reply).toEqual({ visitId, status: "waiting" });
    expect(associateOf(undo.state, "ana").visitId).toBeUndefined();
  });

  it("an associate already holding another customer puts the visit back first in line", () => {
    let { state: s, visitId } = serving();
    s = checkIn(s, T0 + 2 * SEC).state; // v-2 waits behind v-1
    s = run(s, { type: "visit:no-show", associateId: "ana", visitId }, T0 + MIN).state;
    // Wrap-up is 0 here: Ana is offered v-2 at once.
    expect(offeredTo(s, "ana")).toBe("v-2");
    s = run(
      s,
      {
        type: "associate:register",
        associateId: "bo",
        name: "Bo",
        skills: ["phones"],
        languages: ["en"],
        manager: false,
      },
      T0 + MIN,
    ).state;
    const undo = run(
      s,
      { type: "visit:undo-no-show", associateId: "ana", visitId },
      T0 + MIN + SEC,
    );
    expect(undo.reply).toEqual({ visitId, status: "waiting" });
    expect(visitOf(undo.state, visitId)).toMatchObject({
      status: "waiting",
      associateId: undefined,
      queuedAt: T0,
    });
    // Its place is its own: first for Bo once he signs in.
    const bo = run(undo.state, { type: "associate:sign-in", associateId: "bo" }, T0 + 2 * MIN);
    expect(offeredTo(bo.state, "bo")).toBe(visitId);
  });
});

describe("bringing a browsing customer back", () => {
  function browsing(): { s: StoreState; visitId: string } {
    const v = checkIn(storeWith([{ id: "ana", signIn: false }]), T0);
    const s = run(v.state, { type: "visit:pause", visitId: v.visitId }, T0 + SEC).state;
    return {
      s: run(s, { type: "associate:sign-in", associateId: "ana" }, T0 + 2 * SEC).state,
      visitId: v.visitId,
    };
  }

  it("a tablet brings them back, recording who; they are offered in their place", () => {
    const { s, visitId } = browsing();
    expect(offeredTo(s, "ana")).toBeUndefined();
    const back = run(s, { type: "visit:bring-back", associateId: "ana", visitId }, T0 + MIN);
    expect(eventsOf(back.events, "visit:resumed")).toEqual([
      { type: "visit:resumed", visitId, by: "ana" },
    ]);
    expect(offeredTo(back.state, "ana")).toBe(visitId);
    // Not waiting (offered, served): refused.
    expect(
      refuse(back.state, { type: "visit:bring-back", associateId: "ana", visitId }, T0 + MIN).code,
    ).toBe("INVALID_TRANSITION");
    const served = acceptHeld(back.state, "ana", T0 + MIN).state;
    expect(
      refuse(served, { type: "visit:bring-back", associateId: "ana", visitId }, T0 + MIN).code,
    ).toBe("INVALID_TRANSITION");
  });

  it("the kiosk's I'm back finds today's browsing visit by its code, however typed", () => {
    const { s, visitId } = browsing();
    for (const typed of ["P-001", "p001", "p 1", " P-1 "]) {
      const back = run(s, { type: "visit:resume-by-code", code: typed }, T0 + MIN);
      expect(back.reply).toEqual({ visitId, code: "P-001" });
      expect(back.events[0]).toEqual({ type: "visit:resumed", visitId });
    }
    expect(refuse(s, { type: "visit:resume-by-code", code: "P-002" }, T0 + MIN).code).toBe(
      "VISIT_NOT_FOUND",
    );
    // Yesterday's P-001 is not today's (codes restart each local day).
    expect(
      refuse(s, { type: "visit:resume-by-code", code: "P-001" }, T0 + 24 * 60 * MIN).code,
    ).toBe("VISIT_NOT_FOUND");
    // Only a browsing visit.
    const resumed = run(s, { type: "visit:resume", visitId }, T0 + MIN).state;
    expect(refuse(resumed, { type: "visit:resume-by-code", code: "P-001" }, T0 + MIN).code).toBe(
      "INVALID_TRANSITION",
    );
  });

  it("a manager's reassign of a browsing visit brings it back too", () => {
    let { s, visitId } = browsing();
    s = run(
      s,
      {
        type: "associate:register",
        associateId: "max",
        name: "Max",
        skills: [],
        languages: ["en"],
        manager: true,
      },
      T0 + MIN,
    ).state;
    const moved = run(
      s,
      { type: "visit:reassign", managerId: "max", visitId, toAssociateId: "ana" },
      T0 + MIN,
    );
    expect(eventsOf(moved.events, "visit:resumed")).toEqual([
      { type: "visit:resumed", visitId, by: "max" },
    ]);
    expect(offeredTo(moved.state, "ana")).toBe(visitId);
  });
});

describe("a walk-in added by staff", () => {
  it("joins the line like a kiosk check-in, as channel staff", () => {
    const s = storeWith([{ id: "ana" }]);
    const v = checkIn(s, T0, { channel: "staff" });
    expect(visitOf(v.state, v.visitId)).toMatchObject({ channel: "staff", queuedAt: T0 });
    expect(offeredTo(v.state, "ana")).toBe(v.visitId);
  });
});

describe("ready now", () => {
  it("ends the associate's own wrap-up early: idle from now, offered the next customer", () => {
    let { state: s, visitId } = serving([], { wrapUpSec: 60 });
    s = checkIn(s, T0 + 2 * SEC).state;
    s = run(
      s,
      { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
      T0 + MIN,
    ).state;
    expect(associateOf(s, "ana").wrapUpUntil).toBe(T0 + 2 * MIN);
    expect(offeredTo(s, "ana")).toBeUndefined();
    const ready = run(s, { type: "associate:end-wrap-up", associateId: "ana" }, T0 + MIN + 5 * SEC);
    expect(ready.events[0]).toEqual({ type: "associate:wrap-up-ended", associateId: "ana" });
    expect(associateOf(ready.state, "ana")).toMatchObject({
      wrapUpUntil: undefined,
      idleSince: T0 + MIN + 5 * SEC,
    });
    expect(offeredTo(ready.state, "ana")).toBe("v-2");
    // Not wrapping up: nothing to do.
    expect(
      run(ready.state, { type: "associate:end-wrap-up", associateId: "ana" }, T0 + MIN + 9 * SEC)
        .events,
    ).toEqual([]);
  });
});

describe("why an associate is away", () => {
  it("a missed offer says so in their view, until they choose a presence", () => {
    let s = checkIn(storeWith([{ id: "ana" }]), T0).state;
    s = run(s, { type: "tick" }, T0 + 31 * SEC).state;
    expect(associateOf(s, "ana").presence).toBe("away");
    expect(new Projection(s, T0 + 31 * SEC).associate("ana")?.me.awayReason).toBe("offer_expired");
    s = run(
      s,
      { type: "associate:set-presence", associateId: "ana", presence: "available" },
      T0 + MIN,
    ).state;
    expect(new Projection(s, T0 + MIN).associate("ana")?.me.awayReason).toBeNull();
  });

  it("a visit sent back to the line while their tablet was gone says so", () => {
    let { state: s } = serving([], { orphanedVisitMin: 2 });
    s = run(s, { type: "tablet:disconnected", associateId: "ana" }, T0 + MIN).state;
    s = run(s, { type: "tick" }, T0 + 4 * MIN).state;
    s = run(s, { type: "tablet:connected", associateId: "ana" }, T0 + 5 * MIN).state;
    expect(new Projection(s, T0 + 5 * MIN).associate("ana")?.me).toMatchObject({
      presence: "away",
      awayReason: "tablet_lost",
    });
  });
});

describe("sign-in ids without regard to case", () => {
  it("an id typed in another case names the associate; two ids may not differ only by case", () => {
    const s = storeWith([{ id: "ana" }, { id: "max", manager: true }]);
    expect(associateIdFor(s, "ANA")).toBe("ana");
    expect(associateIdFor(s, "ana")).toBe("ana");
    expect(associateIdFor(s, "zoe")).toBeUndefined();
    const taken = refuse(
      s,
      {
        type: "associate:register",
        managerId: "max",
        associateId: "Ana",
        name: "Ana Two",
        skills: [],
        languages: ["en"],
        manager: false,
      },
      T0,
    );
    expect(taken.code).toBe("INVALID_COMMAND");
  });
});
