import { describe, expect, it } from "vitest";
import { percentile } from "../../server/analytics/counters.js";
import {
  type DayModel,
  type Projection,
  daysNeeded,
  emptyProjection,
  foldCommit,
  openStaffed,
} from "../../server/analytics/fold.js";
import { breakdown, toCsv } from "../../server/analytics/report.js";
import type { DomainEvent } from "../../server/domain/events.js";
import type { Commit } from "../../server/store/event-store.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { demoSettings } from "../support/engine.js";

/**
 * The analytics fold (server/analytics/fold.ts): commits in, counters per store-local day and
 * cell out; idempotent; days cut at the store's midnight, not UTC's.
 */

const MIN = 60_000;
/** 2026-11-23 21:00 UTC = 23:00 in Kyiv (UTC+2). */
const EVENING = Date.UTC(2026, 10, 23, 21, 0, 0);
const settings = storeSettingsSchema.parse(demoSettings);

/** A log being written: its commits, and `add` to append one at `at`. */
function logBuilder() {
  const commits: Commit<DomainEvent>[] = [];
  const add = (at: number, ...events: DomainEvent[]) =>
    commits.push({
      storeId: "s",
      version: commits.length + 1,
      requestId: `r${commits.length + 1}`,
      command: "test",
      at,
      events,
      reply: {},
    });
  return { commits, add };
}

function log(): Commit<DomainEvent>[] {
  const { commits, add } = logBuilder();
  const checkIn = (visitId: string, channel: "kiosk" | "remote", holdUntil?: number) =>
    ({
      type: "visit:checked-in",
      visitId,
      code: "P-001",
      codeDay: "2026-11-23",
      codeNumber: 1,
      token: `tok-${visitId}`,
      topicId: "phones",
      name: "Olena Secretname",
      language: "uk",
      note: "a private note",
      channel,
      holdUntil,
    }) as const;
  add(EVENING - 60 * MIN, { type: "store:created", settings });
  add(EVENING - 60 * MIN, {
    type: "associate:registered",
    associateId: "ana",
    name: "Ана",
    skills: ["phones"],
    languages: ["uk"],
    manager: false,
  });
  // v1: kiosk at 23:00 local, quoted 5–10 min, offered, accepted after 8 min (inside), served 6 min.
  add(EVENING, checkIn("v1", "kiosk"), {
    type: "visit:quoted",
    visitId: "v1",
    lowMin: 5,
    highMin: 10,
  });
  add(EVENING + 7 * MIN, {
    type: "offer:created",
    offerId: "o1",
    visitId: "v1",
    associateId: "ana",
    deadline: EVENING + 8 * MIN,
  });
  add(EVENING + 8 * MIN, { type: "offer:accepted", offerId: "o1" });
  add(EVENING + 14 * MIN, {
    type: "visit:completed",
    visitId: "v1",
    outcome: "resolved",
    note: "handover note",
  });
  add(EVENING + 14 * MIN + 30_000, { type: "associate:wrap-up-ended", associateId: "ana" });
  // v2: kiosk at 23:50 local, offered, declined (a reason from the tablet and a free one), leaves.
  add(EVENING + 50 * MIN, checkIn("v2", "kiosk"));
  add(EVENING + 51 * MIN, {
    type: "offer:created",
    offerId: "o2",
    visitId: "v2",
    associateId: "ana",
    deadline: EVENING + 52 * MIN,
  });
  add(EVENING + 52 * MIN, { type: "offer:declined", offerId: "o2", reason: "Не мій відділ" });
  // 00:05 local on the 24th (22:05 UTC, still the 23rd in UTC).
  add(EVENING + 65 * MIN, { type: "visit:left", visitId: "v2" });
  // v3: calls ahead on the 24th and never comes.
  add(EVENING + 70 * MIN, checkIn("v3", "remote", EVENING + 100 * MIN));
  add(EVENING + 100 * MIN, { type: "visit:expired", visitId: "v3" });
  // Feedback for v1 the next day counts on the day it was given, for ana and Phones.
  add(EVENING + 120 * MIN, {
    type: "feedback:given",
    visitId: "v1",
    satisfaction: "partly",
    comment: "Olena's private comment",
    kudos: true,
  });
  return commits;
}

function project(commits: Commit<DomainEvent>[], into: Projection = emptyProjection()): Projection {
  for (const c of commits) foldCommit(into, c);
  return into;
}

function dayOf(p: Projection, day: string): DayModel {
  const model = p.days.get(day);
  if (!model) throw new Error(`no day ${day}`);
  return model;
}

describe("the analytics fold", () => {
  it("counts a visit's arrival, wait, quote, service, wrap-up and feedback in its store-local cells", () => {
    const p = project(log());
    const [day23] = breakdown([dayOf(p, "2026-11-23")], "day");
    expect(day23).toMatchObject({
      key: "2026-11-23",
      arrivals: 2,
      arrivalsKiosk: 2,
      served: 1,
      declines: 1,
      declinesByReason: { not_my_skill: 1 },
      quoteInside: 1,
      quoteBelow: 0,
      quoteAbove: 0,
      wrapUpAvgSec: 30,
      leftAfterOffer: 0,
    });
    // 8 minutes' wait falls in the 420–600 s bucket; 6 minutes' service in 300–420 s.
    expect(day23?.waitP50Sec).toBeGreaterThanOrEqual(420);
    expect(day23?.waitP50Sec).toBeLessThanOrEqual(600);
    expect(day23?.serviceP90Sec).toBeGreaterThanOrEqual(300);
    expect(day23?.serviceP90Sec).toBeLessThanOrEqual(420);
    const byHour = breakdown([dayOf(p, "2026-11-23")], "hour");
    expect(byHour.map((r) => r.key)).toEqual(["23:00"]);
    const byChannel = breakdown([dayOf(p, "2026-11-23")], "channel");
    expect(byChannel.find((r) => r.key === "kiosk")).toMatchObject({ arrivals: 2, served: 1 });
  });

  it("cuts days at the store's midnight (Europe/Kyiv), not UTC's", () => {
    const p = project(log());
    expect([...p.days.keys()].sort()).toEqual(["2026-11-23", "2026-11-24"]);
    const [day24] = breakdown([dayOf(p, "2026-11-24")], "day");
    expect(day24).toMatchObject({
      leftAfterOffer: 1,
      callAheads: 1,
      callAheadsExpired: 1,
      arrivals: 0,
      satisfactionPartly: 1,
      kudos: 1,
    });
    expect(breakdown([dayOf(p, "2026-11-24")], "hour").map((r) => r.key)).toEqual([
      "00:00",
      "01:00",
    ]);
    const byAssociate = breakdown([...p.days.values()], "associate", {
      associate: (id) => p.working.names.get(id),
    });
    expect(byAssociate.find((r) => r.key === "ana")).toMatchObject({
      label: "Ана",
      served: 1,
      kudos: 1,
      satisfactionPartly: 1,
    });
  });

  it("counts a commit folded twice once, and goes on from a day saved past the cursor", () => {
    const commits = log();
    const once = project(commits);
    const twice = project(commits, project(commits));
    expect([...twice.days.values()]).toEqual([...once.days.values()]);
    // A crash after the days were saved at version 12 but before the cursor moved from 8.
    const half = project(commits.slice(0, 8));
    const restarted: Projection = {
      working: structuredClone(half.working),
      days: new Map(structuredClone([...project(commits.slice(0, 12)).days])),
    };
    project(commits.slice(8), restarted);
    expect([...restarted.days.values()]).toEqual([...once.days.values()]);
    expect(() => foldCommit(emptyProjection(), commits[3] as Commit<DomainEvent>)).toThrow(/jumps/);
  });

  it("keeps no names, notes or comments; free decline reasons count as other", () => {
    const commits = log();
    const free = commits.find((c) => c.events[0]?.type === "offer:declined");
    (free?.events[0] as { reason: string }).reason = "Olena Secretname is rude";
    const p = project(commits);
    const kept = JSON.stringify([...p.days.values()]) + JSON.stringify([...p.working.visits]);
    for (const secret of ["Secretname", "private", "handover", "rude", "tok-"])
      expect(kept).not.toContain(secret);
    expect(breakdown([...p.days.values()], "day")[0]?.declinesByReason).toEqual({ other: 1 });
  });

  it("counts how far misses were from their quote, outcome against satisfaction, and staffed hours", () => {
    const commits = log();
    const at = (n: number) => commits.length + n;
    const add = (when: number, ...events: DomainEvent[]) =>
      commits.push({
        storeId: "s",
        version: at(1),
        requestId: `r${at(1)}`,
        command: "test",
        at: when,
        events,
        reply: {},
      });
    // Ana signs in at 22:40 local on the 23rd (half an hour before it is counted), away a
    // while, offline at 00:20 on the 24th: 1 h 40 min signed in, split across hours and days.
    const T = EVENING - 20 * MIN;
    add(T, { type: "associate:signed-in", associateId: "ana", presence: "available" });
    add(T + 30 * MIN, { type: "associate:presence-changed", associateId: "ana", presence: "away" });
    add(T + 100 * MIN, {
      type: "associate:presence-changed",
      associateId: "ana",
      presence: "offline",
    });
    // v4 on the 24th: quoted 2–4 min, served after 10 (6 min late), "resolved", customer: "no".
    const V4 = EVENING + 130 * MIN;
    add(V4, {
      type: "visit:checked-in",
      visitId: "v4",
      code: "P-002",
      codeDay: "2026-11-24",
      codeNumber: 2,
      token: "tok-v4",
      topicId: "phones",
      channel: "kiosk",
    } as DomainEvent);
    add(V4, { type: "visit:quoted", visitId: "v4", lowMin: 2, highMin: 4 });
    add(V4 + 9 * MIN, {
      type: "offer:created",
      offerId: "o4",
      visitId: "v4",
      associateId: "ana",
      deadline: V4 + 11 * MIN,
    });
    add(V4 + 10 * MIN, { type: "offer:accepted", offerId: "o4" });
    add(V4 + 15 * MIN, { type: "visit:completed", visitId: "v4", outcome: "resolved", note: "" });
    add(V4 + 20 * MIN, {
      type: "feedback:given",
      visitId: "v4",
      satisfaction: "no",
      comment: "",
      kudos: false,
    });
    // Folded in commit order, the signing in and out come after the day's visits: sort by time.
    commits.sort((a, b) => a.at - b.at || a.version - b.version);
    commits.forEach((c, i) => {
      c.version = i + 1;
    });
    const p = project(commits);
    const byHour = breakdown([dayOf(p, "2026-11-23")], "hour");
    expect(byHour.find((r) => r.key === "22:00")?.staffedHours).toBeCloseTo(0.3, 1);
    expect(byHour.find((r) => r.key === "23:00")?.staffedHours).toBe(1);
    const [day24] = breakdown([dayOf(p, "2026-11-24")], "day");
    expect(day24?.staffedHours).toBeCloseTo(0.3, 1);
    // v1 ("resolved", "partly", answered on the 24th) and v4 are both disputed.
    expect(day24).toMatchObject({ quoteAbove: 1, quoteInsidePct: 0, disputed: 2 });
    // Six minutes late: the 300–420 s bucket.
    expect(day24?.quoteOverAvgSec).toBe(360);
    expect(day24?.satisfactionByOutcome.resolved).toEqual({ yes: 0, partly: 1, no: 1 });
    const [day23] = breakdown([dayOf(p, "2026-11-23")], "day");
    expect(day23).toMatchObject({ quoteInsidePct: 100, disputed: 0, quoteOverAvgSec: null });
  });

  it("closes an open session's days as the next begins, across a clock change, and reads the rest", () => {
    const { commits, add } = logBuilder();
    // Saturday 2026-10-24, 20:00 in Kyiv (UTC+3); the clocks go back an hour early on Sunday.
    const saturday20 = Date.UTC(2026, 9, 24, 17);
    add(saturday20, { type: "store:created", settings });
    add(saturday20, { type: "associate:signed-in", associateId: "ana", presence: "available" });
    // Monday 10:00 in Kyiv (UTC+2 now).
    const monday10 = Date.UTC(2026, 9, 26, 8);
    add(monday10, { type: "associate:presence-changed", associateId: "ana", presence: "away" });
    const p = project(commits.slice(0, 2));
    expect(daysNeeded(p.working, commits[2] as Commit<DomainEvent>).sort()).toEqual([
      "2026-10-24",
      "2026-10-25",
      "2026-10-26",
    ]);
    project(commits.slice(2), p);
    const staffed = (day: string) => breakdown([dayOf(p, day)], "day")[0]?.staffedHours;
    expect(staffed("2026-10-24")).toBe(4);
    expect(staffed("2026-10-25")).toBe(25);
    // 03:00 comes twice that night.
    const sunday = breakdown([dayOf(p, "2026-10-25")], "hour");
    expect(sunday.find((r) => r.key === "03:00")?.staffedHours).toBe(2);
    expect(p.working.signedIn.get("ana")).toBe(Date.UTC(2026, 9, 25, 22));
    // Read at 11:30 on Monday: the open part, not folded into the days.
    const open = openStaffed(p.working, monday10 + 90 * 60_000);
    expect(breakdown(open, "day").map((r) => [r.key, r.staffedHours])).toEqual([
      ["2026-10-26", 11.5],
    ]);
    expect(p.days.get("2026-10-26")?.cells ?? {}).toEqual({});
  });

  it("answers percentiles from bucket counts", () => {
    const counters = { "wait.n": 10, "wait.b2": 5, "wait.b4": 5 };
    expect(percentile(counters, "wait", 0.5)).toBe(60);
    expect(percentile(counters, "wait", 0.9)).toBe(114);
    expect(percentile({}, "wait", 0.5)).toBeUndefined();
  });

  it("writes CSV with a byte-order mark, CRLF and quoted fields", () => {
    const p = project(log());
    const rows = breakdown([...p.days.values()], "associate", {
      associate: () => 'Ана "Comma, Quote"',
    });
    const csv = toCsv(rows, "associate");
    expect(csv.startsWith("\uFEFFassociate,label,arrivals,")).toBe(true);
    expect(csv).toContain('"Ана ""Comma, Quote"""');
    expect(csv.split("\r\n").length).toBe(rows.length + 2);
    const formula = toCsv(
      breakdown([...p.days.values()], "associate", { associate: () => "=HYPERLINK(1)" }),
      "associate",
    );
    expect(formula).toContain("'=HYPERLINK(1)");
  });
});
