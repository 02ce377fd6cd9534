import { describe, expect, it } from "vitest";
import {
  SNAPSHOT_SCHEMA,
  computeNextDeadline,
  fromSnapshot,
  toStateData,
} from "../../server/domain/index.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { MIN, T0, checkIn, demoSettings, offerOf, run, storeWith } from "../support/engine.js";
import { eventsOf, onlyEvent } from "../support/scenarios.js";

/** Retention in the engine: when a store's old data expires, and what goes with it. */

const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A store (retention `days`) where Alex is served by ana and has left feedback, at T0. */
function servedAndClosed(days: number) {
  let state = storeWith([{ id: "ana" }, { id: "max", manager: true, skills: ["service"] }], {
    retentionDays: days,
  });
  const { state: s1, visitId } = checkIn(state, T0);
  state = run(
    s1,
    { type: "offer:accept", associateId: "ana", offerId: offerOf(s1, "ana").offerId },
    T0,
  ).state;
  state = run(state, { type: "manager:call", associateId: "ana", note: "Alex is upset" }, T0).state;
  state = run(
    state,
    { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved", note: "call back" },
    T0 + 5 * MIN,
  ).state;
  state = run(
    state,
    { type: "feedback:give", visitId, satisfaction: "yes", comment: "thanks Ana" },
    T0 + 6 * MIN,
  ).state;
  return { state, visitId };
}

describe("retention", () => {
  it("is 30 days unless set, and 1 to 365", () => {
    expect(storeSettingsSchema.parse(demoSettings).retentionDays).toBe(30);
    expect(storeSettingsSchema.safeParse({ ...demoSettings, retentionDays: 0 }).success).toBe(
      false,
    );
    expect(storeSettingsSchema.safeParse({ ...demoSettings, retentionDays: 366 }).success).toBe(
      false,
    );
  });

  it("expires the hour's data retentionDays after the hour ends, closed visits and alert notes with it", () => {
    const { state, visitId } = servedAndClosed(2);
    const hour = T0 - (T0 % HOUR);
    expect(state.logHours.toArray()).toEqual([hour]);
    expect(computeNextDeadline(state)).toBeLessThanOrEqual(hour + HOUR + 2 * DAY);
    // A minute early: nothing expires.
    const early = run(state, { type: "tick" }, hour + HOUR + 2 * DAY - MIN);
    expect(eventsOf(early.events, "data:expired")).toEqual([]);
    expect(early.state.closed.has(visitId)).toBe(true);
    const due = run(state, { type: "tick" }, hour + HOUR + 2 * DAY);
    expect(onlyEvent(due.events, "data:expired").before).toBe(hour + HOUR);
    expect(due.state.closed.has(visitId)).toBe(false);
    expect(due.state.tokens.size).toBe(0);
    // The manager's alert is still open: it keeps its kind, not its words.
    expect([...due.state.alerts.values()].map((a) => [a.kind, a.note])).toEqual([
      ["manager_called", ""],
    ]);
    expect(due.state.logHours.toArray()).toEqual([]);
    expect(due.state.dataExpiry).toEqual({ before: hour + HOUR, version: due.state.version });
    // The counts stay.
    expect(due.state.serviceStats.toJS()).toEqual(state.serviceStats.toJS());
    // A commit that only expires data starts no new hour: nothing more is due, ever.
    expect(computeNextDeadline(due.state)).toBeNull();
  });

  it("follows a change of the setting: shortened, what is older expires at once", () => {
    const { state, visitId } = servedAndClosed(30);
    const later = T0 + 3 * DAY;
    expect(run(state, { type: "tick" }, later).state.closed.has(visitId)).toBe(true);
    const shorter = run(
      state,
      {
        type: "store:update-settings",
        managerId: "max",
        settings: storeSettingsSchema.parse({ ...demoSettings, retentionDays: 1 }),
      },
      later,
    );
    expect(eventsOf(shorter.events, "data:expired")).toHaveLength(1);
    expect(shorter.state.closed.has(visitId)).toBe(false);
    // The settings change itself is logged in its own hour, which expires in its time.
    expect(shorter.state.logHours.toArray()).toEqual([later - (later % HOUR)]);
  });

  it("reads a snapshot of the schema before retention: its history expires from its clock's hour", () => {
    const { state } = servedAndClosed(2);
    const { logHours: _h, dataExpiry: _e, ...old } = toStateData(state);
    const read = fromSnapshot(4, old);
    const hour = state.clock - (state.clock % HOUR);
    expect(read?.logHours.toArray()).toEqual([hour]);
    expect(read?.dataExpiry).toBeUndefined();
    expect(read?.nextDeadline).toBe(computeNextDeadline(read ?? state));
    expect(fromSnapshot(SNAPSHOT_SCHEMA, toStateData(state))).toEqual(state);
    expect(fromSnapshot(3, old)).toBeUndefined();
  });
});
