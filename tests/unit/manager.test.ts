import { describe, expect, it } from "vitest";
import type { StoreState } from "../../server/domain/index.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import {
  type CommandBody,
  MIN,
  SEC,
  T0,
  checkIn,
  demoSettings,
  offerOf,
  refuse,
  run,
  storeWith,
} from "../support/engine.js";
import { acceptHeld, associateOf, eventsOf, offeredTo, visitOf } from "../support/scenarios.js";

/** ana and bo (phones) signed in, ana first; max is a manager, signed out. */
function floor(): StoreState {
  let s = storeWith([
    { id: "ana" },
    { id: "bo", signIn: false },
    { id: "max", manager: true, signIn: false },
  ]);
  s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0 + SEC).state;
  return s;
}

const settings = (over: Record<string, unknown> = {}) =>
  storeSettingsSchema.parse({ ...demoSettings, ...over });

describe("manager: reassign", () => {
  it("moves an offered visit to a named associate: the offer is withdrawn and remade", () => {
    const v = checkIn(floor(), T0 + MIN);
    expect(offeredTo(v.state, "ana")).toBe(v.visitId);
    const step = run(
      v.state,
      { type: "visit:reassign", managerId: "max", visitId: v.visitId, toAssociateId: "bo" },
      T0 + MIN + 5 * SEC,
    );
    expect(step.events.map((e) => e.type)).toEqual([
      "offer:withdrawn",
      "visit:reassigned",
      "offer:created",
    ]);
    expect(eventsOf(step.events, "offer:withdrawn")[0]?.reason).toBe("reassigned");
    expect(offeredTo(step.state, "bo")).toBe(v.visitId);
    expect(offeredTo(step.state, "ana")).toBeUndefined();
    expect(visitOf(step.state, v.visitId)).toMatchObject({
      targetAssociateId: "bo",
      queuedAt: T0 + MIN,
    });
  });

  it("moves a visit being served to another associate and frees the first", () => {
    let s = checkIn(floor(), T0 + MIN).state;
    const served = acceptHeld(s, "ana", T0 + MIN);
    s = run(
      served.state,
      { type: "visit:reassign", managerId: "max", visitId: served.visitId, toAssociateId: "bo" },
      T0 + 2 * MIN,
    ).state;
    expect(associateOf(s, "ana")).toMatchObject({ visitId: undefined, idleSince: T0 + 2 * MIN });
    expect(offeredTo(s, "bo")).toBe(served.visitId);
    expect(visitOf(s, served.visitId)).toMatchObject({
      status: "offered",
      servingSince: undefined,
    });
  });

  it("without a named associate, puts a served visit back in line, in its place, for anyone else", () => {
    let s = checkIn(floor(), T0 + MIN).state;
    s = acceptHeld(s, "ana", T0 + MIN).state;
    const later = checkIn(s, T0 + 2 * MIN);
    expect(offeredTo(later.state, "bo")).toBe(later.visitId);
    s = run(
      later.state,
      { type: "visit:reassign", managerId: "max", visitId: "v-1" },
      T0 + 2 * MIN + 5 * SEC,
    ).state;
    expect(visitOf(s, "v-1")).toMatchObject({
      status: "waiting",
      targetAssociateId: undefined,
      queuedAt: T0 + MIN,
      declinedBy: ["ana"],
    });
    // Ana is free again but is not handed back the visit taken from her.
    expect(offeredTo(s, "ana")).toBeUndefined();
    expect(associateOf(s, "ana")).toMatchObject({
      visitId: undefined,
      idleSince: T0 + 2 * MIN + 5 * SEC,
    });
    // Bo takes it once free.
    s = acceptHeld(s, "bo", T0 + 2 * MIN + 10 * SEC).state;
    s = run(
      s,
      { type: "visit:complete", associateId: "bo", visitId: later.visitId, outcome: "resolved" },
      T0 + 4 * MIN,
    ).state;
    expect(offerOf(s, "bo").visitId).toBe("v-1");
  });

  it("without a named associate, takes an offered visit from that associate for good", () => {
    const v = checkIn(floor(), T0 + MIN);
    expect(offeredTo(v.state, "ana")).toBe(v.visitId);
    const s = run(
      v.state,
      { type: "visit:reassign", managerId: "max", visitId: v.visitId },
      T0 + MIN + 5 * SEC,
    ).state;
    expect(offeredTo(s, "ana")).toBeUndefined();
    expect(offeredTo(s, "bo")).toBe(v.visitId);
  });

  it("refuses an expected visit, an unknown visit and an unknown associate", () => {
    const called = checkIn(floor(), T0, { channel: "remote", arrivingInMin: 10 });
    const r = { type: "visit:reassign", managerId: "max" } as const;
    expect(refuse(called.state, { ...r, visitId: called.visitId }, T0 + MIN).code).toBe(
      "INVALID_TRANSITION",
    );
    expect(refuse(called.state, { ...r, visitId: "v-404" }, T0 + MIN).code).toBe("VISIT_NOT_FOUND");
    const v = checkIn(called.state, T0 + MIN);
    expect(refuse(v.state, { ...r, visitId: v.visitId, toAssociateId: "zoe" }, T0 + MIN).code).toBe(
      "ASSOCIATE_NOT_FOUND",
    );
  });
});

describe("manager: priority", () => {
  it("changes a visit's priority, and a second identical change does nothing", () => {
    const v = checkIn(storeWith([{ id: "max", manager: true, signIn: false }]), T0);
    const step = run(
      v.state,
      { type: "visit:set-priority", managerId: "max", visitId: v.visitId, priority: 3 },
      T0 + MIN,
    );
    expect(step.events).toEqual([
      { type: "visit:priority-changed", visitId: v.visitId, priority: 3 },
    ]);
    expect(visitOf(step.state, v.visitId).priority).toBe(3);
    expect(
      run(
        step.state,
        { type: "visit:set-priority", managerId: "max", visitId: v.visitId, priority: 3 },
        T0 + 2 * MIN,
      ).events,
    ).toEqual([]);
  });

  it("refuses to change the priority of a visit being served", () => {
    let s = checkIn(floor(), T0 + MIN).state;
    s = acceptHeld(s, "ana", T0 + MIN).state;
    expect(
      refuse(
        s,
        { type: "visit:set-priority", managerId: "max", visitId: "v-1", priority: 2 },
        T0 + 2 * MIN,
      ).code,
    ).toBe("INVALID_TRANSITION");
  });
});

describe("manager: intake", () => {
  it("pausing or resuming twice changes nothing the second time", () => {
    let s = storeWith([{ id: "max", manager: true, signIn: false }]);
    const paused = run(s, { type: "intake:pause", managerId: "max" }, T0);
    expect(paused.events).toEqual([{ type: "intake:paused" }]);
    expect(paused.reply).toEqual({ intakeOpen: false });
    s = paused.state;
    expect(run(s, { type: "intake:pause", managerId: "max" }, T0 + SEC).events).toEqual([]);
    s = run(s, { type: "intake:resume", managerId: "max" }, T0 + 2 * SEC).state;
    expect(run(s, { type: "intake:resume", managerId: "max" }, T0 + 3 * SEC).events).toEqual([]);
  });
});

describe("manager: settings", () => {
  it("applies new settings: the next offer uses the new offer timeout", () => {
    let s = storeWith([{ id: "ana" }, { id: "max", manager: true, signIn: false }]);
    const step = run(
      s,
      {
        type: "store:update-settings",
        managerId: "max",
        settings: settings({ offerTimeoutSec: 90 }),
      },
      T0 + MIN,
    );
    expect(step.events).toMatchObject([{ type: "store:settings-changed" }]);
    s = step.state;
    expect(s.settings.offerTimeoutSec).toBe(90);
    const v = checkIn(s, T0 + 2 * MIN);
    expect(eventsOf(v.events, "offer:created")[0]?.deadline).toBe(T0 + 2 * MIN + 90 * SEC);
  });

  it("a shorter widening limit applies to visits already waiting", () => {
    let s = storeWith([
      { id: "cy", skills: ["fashion"] },
      { id: "max", manager: true, signIn: false },
    ]);
    s = checkIn(s, T0, { topicId: "phones" }).state;
    s = run(
      s,
      { type: "store:update-settings", managerId: "max", settings: settings({ wideningMin: 3 }) },
      T0 + MIN,
    ).state;
    expect(s.nextDeadline).toBe(T0 + 3 * MIN);
    const due = run(s, { type: "tick" }, T0 + 3 * MIN);
    expect(eventsOf(due.events, "visit:widened")).toHaveLength(1);
    expect(offeredTo(due.state, "cy")).toBe("v-1");
  });

  it("refuses to remove a topic that has open visits (TOPIC_IN_USE)", () => {
    const s = checkIn(storeWith([{ id: "max", manager: true, signIn: false }]), T0, {
      topicId: "returns",
    }).state;
    const topics = demoSettings.topics.filter((t) => t.id !== "returns");
    expect(
      refuse(
        s,
        { type: "store:update-settings", managerId: "max", settings: settings({ topics }) },
        T0 + MIN,
      ).code,
    ).toBe("TOPIC_IN_USE");
  });
});

describe("manager: only managers", () => {
  it.each([
    ["an associate who is not a manager", "ana"],
    ["someone unknown", "zoe"],
  ])("refuses every manager command from %s with NOT_A_MANAGER", (_, who) => {
    const s = checkIn(floor(), T0 + MIN).state;
    const commands: CommandBody[] = [
      { type: "visit:reassign", managerId: who, visitId: "v-1", toAssociateId: "bo" },
      { type: "visit:set-priority", managerId: who, visitId: "v-1", priority: 4 },
      { type: "intake:pause", managerId: who },
      { type: "intake:resume", managerId: who },
      { type: "store:update-settings", managerId: who, settings: settings() },
      {
        type: "associate:register",
        managerId: who,
        associateId: "new",
        name: "New",
        skills: [],
        languages: [],
        manager: true,
      },
      { type: "associate:remove", managerId: who, associateId: "bo" },
    ];
    for (const c of commands) expect(refuse(s, c, T0 + 2 * MIN).code, c.type).toBe("NOT_A_MANAGER");
  });
});

describe("manager: associates", () => {
  it("registers an associate with skills, languages and role, signed out", () => {
    const s = storeWith([{ id: "max", manager: true, signIn: false }]);
    const step = run(
      s,
      {
        type: "associate:register",
        managerId: "max",
        associateId: "lia",
        name: "Lia",
        skills: ["phones", "phones", "fashion"],
        languages: ["uk"],
        manager: false,
      },
      T0,
    );
    expect(associateOf(step.state, "lia")).toMatchObject({
      name: "Lia",
      skills: ["phones", "fashion"],
      languages: ["uk"],
      manager: false,
      presence: "offline",
    });
  });

  it("refuses to remove an associate who holds a customer", () => {
    const s = checkIn(floor(), T0 + MIN).state;
    expect(
      refuse(s, { type: "associate:remove", managerId: "max", associateId: "ana" }, T0 + MIN).code,
    ).toBe("ASSOCIATE_BUSY");
    const removed = run(
      s,
      { type: "associate:remove", managerId: "max", associateId: "bo" },
      T0 + MIN,
    );
    expect(removed.state.associates.has("bo")).toBe(false);
  });
});
