import { describe, expect, it } from "vitest";
import {
  Random,
  drawRemaining,
  normalCdf,
  normalQuantile,
  quantile,
} from "../../server/domain/distributions.js";
import {
  type StoreState,
  decide,
  estimateForTopic,
  estimateWaits,
  serviceMeanMs,
  serviceModel,
  withQuotes,
} from "../../server/domain/index.js";
import { type Command, commandSchema } from "../../shared/commands.js";
import { MIN, SEC, T0, checkIn, rid, run, storeWith, token } from "../support/engine.js";
import { acceptHeld, completeHeld } from "../support/scenarios.js";

// Wait estimates: the line played forward many times; a quote is a band of the simulated waits.

/** ana (phones, 6 min expected) serves v-1 since T0; `waiting` more phones visits wait. */
function line(waiting: number, extra: Parameters<typeof storeWith>[0] = []): StoreState {
  let s = storeWith([{ id: "ana" }, ...extra]);
  s = checkIn(s, T0).state;
  s = acceptHeld(s, "ana", T0).state;
  for (let i = 0; i < waiting; i++) s = checkIn(s, T0).state;
  return s;
}

const ranges = (s: StoreState, now = T0) => Object.fromEntries(estimateWaits(s, now));
const mid = (r: { lowMin: number; highMin: number } | null | undefined) =>
  r ? (r.lowMin + r.highMin) / 2 : Number.NaN;

describe("wait estimates", () => {
  it("give every waiting visit a low–high range in whole minutes, and none to visits not waiting", () => {
    const r = ranges(line(2));
    expect(Object.keys(r).sort()).toEqual(["v-2", "v-3"]);
    for (const range of Object.values(r)) {
      expect(Number.isInteger(range?.lowMin)).toBe(true);
      expect(Number.isInteger(range?.highMin)).toBe(true);
      expect(range?.lowMin).toBeLessThan(range?.highMin ?? 0);
    }
    // ana frees in about 6 min (the topic's expectation); v-3 also waits out v-2's visit.
    expect(mid(r["v-2"])).toBeGreaterThan(3);
    expect(mid(r["v-2"])).toBeLessThan(9);
    expect(mid(r["v-3"])).toBeGreaterThan(mid(r["v-2"]) + 3);
  });

  it("of real visits do not change when the kiosk's probes are asked about too", () => {
    let s = line(4);
    s = run(s, { type: "visit:pause", visitId: "v-3" }, T0).state;
    const probes = ["phones", "fitting", "returns"].flatMap((topicId) =>
      [undefined, "en", "es"].map((language) => ({
        key: `${topicId}/${language}`,
        topicId,
        language,
      })),
    );
    const alone = estimateWaits(s, T0 + 7 * SEC);
    const withProbes = estimateWaits(s, T0 + 7 * SEC, probes);
    for (const [id, range] of alone) expect(withProbes.get(id), id).toEqual(range);
    expect(withProbes.size).toBe(alone.size + probes.length);
  });

  it("are the same for the same state and time (seeded from them), and move with time", () => {
    const s = line(3);
    expect(ranges(s)).toEqual(ranges(s));
    // Four minutes later ana is closer to done: every range starts lower.
    const later = ranges(s, T0 + 4 * MIN);
    expect(later["v-2"]?.highMin).toBeLessThan(ranges(s)["v-2"]?.highMin ?? 0);
  });

  it("grow with each visit ahead that competes for the same associates", () => {
    const mids = [1, 2, 3, 4, 5].map((n) => mid(ranges(line(n))[`v-${n + 1}`]));
    for (let i = 1; i < mids.length; i++)
      expect(mids[i]).toBeGreaterThan((mids[i - 1] as number) + 2);
  });

  it("barely move for visits ahead that other associates serve", () => {
    // cy (fashion) serves a fitting visit; another fitting visit waits ahead of the phones one.
    let s = storeWith([{ id: "ana" }, { id: "cy", skills: ["fashion"] }]);
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state;
    s = checkIn(s, T0, { topicId: "fitting" }).state;
    s = acceptHeld(s, "cy", T0).state;
    const without = checkIn(s, T0);
    const withFitting = checkIn(checkIn(s, T0, { topicId: "fitting" }).state, T0);
    const a = ranges(without.state)[without.visitId];
    const b = ranges(withFitting.state)[withFitting.visitId];
    expect(Math.abs(mid(a) - mid(b))).toBeLessThanOrEqual(1);
  });

  it("grow when a visit behind is moved ahead by priority", () => {
    const s = storeWith([{ id: "ana" }, { id: "max", manager: true, signIn: false }]);
    let t = checkIn(s, T0).state;
    t = acceptHeld(t, "ana", T0).state;
    t = checkIn(t, T0).state; // v-2
    t = checkIn(t, T0 + SEC).state; // v-3
    const before = ranges(t, T0 + SEC)["v-2"];
    t = run(
      t,
      { type: "visit:set-priority", managerId: "max", visitId: "v-3", priority: 2 },
      T0 + SEC,
    ).state;
    expect(mid(ranges(t, T0 + SEC)["v-2"])).toBeGreaterThan(mid(before) + 2);
  });

  it("leave out paused visits ahead, and tell a paused visit its wait if it were ready now", () => {
    let s = line(2);
    const before = ranges(s);
    s = run(s, { type: "visit:pause", visitId: "v-2" }, T0).state;
    const after = ranges(s);
    // v-3 may now be next, but v-2 is expected back before long and keeps its place: v-3's
    // range starts lower and stays wide.
    expect(mid(after["v-3"])).toBeLessThan(mid(before["v-3"]));
    expect(after["v-3"]?.lowMin).toBeLessThan(before["v-3"]?.lowMin ?? 0);
    expect(mid(after["v-2"])).toBeLessThanOrEqual(mid(after["v-3"]));
  });

  it("shrink when another eligible associate becomes available", () => {
    let s = line(3, [{ id: "bo", signIn: false }]);
    const before = ranges(s)["v-4"];
    s = run(s, { type: "associate:sign-in", associateId: "bo" }, T0).state;
    const after = ranges(s)["v-4"];
    expect(after?.highMin).toBeLessThan(before?.highMin ?? 0);
    expect(mid(after)).toBeLessThan(mid(before) - 3);
  });

  it("do not move when an associate who cannot serve the topic signs in", () => {
    // (Widening far off: once it widens, cy may help, and the range rightly drops.)
    let s = storeWith([{ id: "ana" }, { id: "cy", skills: ["fashion"], signIn: false }], {
      wideningMin: 120,
    });
    s = checkIn(s, T0).state;
    s = acceptHeld(s, "ana", T0).state;
    for (let i = 0; i < 3; i++) s = checkIn(s, T0).state;
    const before = ranges(s)["v-4"];
    s = run(s, { type: "associate:sign-in", associateId: "cy" }, T0).state;
    expect(ranges(s)["v-4"]).toEqual(before);
  });

  it("count the wrap-up between visits", () => {
    const without = ranges(line(4))["v-5"];
    const withWrapUp = (() => {
      let s = storeWith([{ id: "ana" }], { wrapUpSec: 120 });
      s = checkIn(s, T0).state;
      s = acceptHeld(s, "ana", T0).state;
      for (let i = 0; i < 4; i++) s = checkIn(s, T0).state;
      return ranges(s)["v-5"];
    })();
    // Four visits end before v-5's turn: about 4 × 2 min more.
    expect(mid(withWrapUp) - mid(without)).toBeGreaterThan(5);
  });

  it("draw the rest of a visit being served given how long it has run", () => {
    // Five minutes into a visit expected to take six, less is left than at its start.
    const s = line(1);
    const atStart = ranges(s, T0)["v-2"];
    const fiveIn = ranges(s, T0 + 5 * MIN)["v-2"];
    expect(mid(fiveIn)).toBeLessThan(mid(atStart) - 1);
    expect(fiveIn?.lowMin).toBeLessThan(atStart?.lowMin ?? 0);
    // A visit far past its usual length is expected to end soon, not never.
    const overdue = ranges(s, T0 + 30 * MIN)["v-2"];
    expect(overdue?.highMin).toBeLessThan(30);
  });

  it("use the topic's expected time before any visit is measured", () => {
    const s = line(0);
    expect(serviceMeanMs(s, "phones")).toBeCloseTo(6 * MIN, -2);
    expect(serviceMeanMs(s, "fitting")).toBeCloseTo(4 * MIN, -2);
  });

  it("learn service times per topic from completed visits", () => {
    // One phones visit took 18 min, three times the expectation.
    let s = line(0);
    s = completeHeld(s, "ana", T0 + 18 * MIN).state;
    const mean = serviceMeanMs(s, "phones");
    expect(mean).toBeGreaterThan(6 * MIN);
    expect(mean).toBeLessThanOrEqual(18 * MIN);
    expect(serviceMeanMs(s, "fitting")).toBeCloseTo(4 * MIN, -2);
  });

  it("let many measured visits outweigh the expectation, spread included", () => {
    let s = storeWith([{ id: "ana" }]);
    let now = T0;
    for (let i = 0; i < 30; i++) {
      s = checkIn(s, now).state;
      s = acceptHeld(s, "ana", now).state;
      now += (i % 2 === 0 ? 1.5 : 2.5) * MIN;
      s = completeHeld(s, "ana", now).state;
    }
    expect(s.serviceStats.get("phones")).toMatchObject({ count: 30, totalMs: 60 * MIN });
    const mean = serviceMeanMs(s, "phones");
    expect(mean).toBeLessThan(3 * MIN);
    expect(mean).toBeGreaterThan(1.8 * MIN);
    // Measured times close together: a narrower spread than the prior's.
    expect(serviceModel(s, "phones").sigma).toBeLessThan(0.5);
  });

  it("for a visit nobody can serve yet, count from when it widens", () => {
    const s = checkIn(storeWith([{ id: "cy", skills: ["fashion"] }]), T0).state;
    // Widens at T0+10min; cy is free then.
    expect(ranges(s)["v-1"]).toMatchObject({ lowMin: 10 });
    expect(ranges(s)["v-1"]?.highMin).toBeLessThanOrEqual(11);
    expect(ranges(s, T0 + 5 * MIN)["v-1"]).toMatchObject({ lowMin: 5 });
  });

  it("are null when nobody is available at all", () => {
    const s = checkIn(storeWith(), T0).state;
    expect(ranges(s)["v-1"]).toBeNull();
  });

  it("for 40 associates and 300 waiting visits, stay quick enough to run on every change", () => {
    let s = storeWith(Array.from({ length: 40 }, (_, i) => ({ id: `a${i}`, skills: ["phones"] })));
    for (let i = 0; i < 340; i++) s = checkIn(s, T0 + i).state;
    for (let i = 0; i < 40; i++) s = acceptHeld(s, `a${i}`, T0 + SEC).state;
    const waits = estimateWaits(s, T0 + SEC);
    expect(waits.size).toBe(300);
    // Later in line, later served.
    expect(mid(waits.get("v-340"))).toBeGreaterThan(mid(waits.get("v-41")) + 20);
  });
});

describe("estimate for a topic and language (kiosk)", () => {
  it("is what a customer checking in now is then told", () => {
    const s = line(1);
    const probe = estimateForTopic(s, "phones", T0);
    const after = checkIn(s, T0);
    expect(Math.abs(mid(ranges(after.state)[after.visitId]) - mid(probe))).toBeLessThanOrEqual(1);
  });

  it("is short when an eligible associate is free, and null when nobody works", () => {
    const free = storeWith([{ id: "ana" }]);
    expect(estimateForTopic(free, "phones", T0)).toEqual({ lowMin: 0, highMin: 1 });
    expect(estimateForTopic(storeWith(), "phones", T0)).toBeNull();
  });

  it("counts only the associates who speak the language asked for", () => {
    // Three English speakers are free; the one who speaks Spanish is busy for a while.
    let s = storeWith([
      { id: "dee", languages: ["en", "es"] },
      { id: "ana" },
      { id: "bo" },
      { id: "cy" },
    ]);
    s = checkIn(s, T0, { language: "es" }).state;
    s = acceptHeld(s, "dee", T0).state;
    expect(estimateForTopic(s, "phones", T0, "en")).toEqual({ lowMin: 0, highMin: 1 });
    expect(mid(estimateForTopic(s, "phones", T0, "es"))).toBeGreaterThan(3);
  });
});

describe("quotes", () => {
  it("are recorded with the visit at check-in: the range its customer is shown", () => {
    const s = line(2);
    const command = commandSchema.parse({
      requestId: rid(),
      type: "visit:check-in",
      topicId: "phones",
      channel: "kiosk",
      customerToken: token(),
    });
    const decided = withQuotes(decideOk(s, command, T0 + 10 * SEC));
    const quoted = decided.events.filter((e) => e.type === "visit:quoted");
    expect(quoted).toEqual([{ type: "visit:quoted", visitId: "v-4", ...quoted[0] }]);
    const visit = decided.state.visits.get("v-4");
    const shown = estimateWaits(decided.state, T0 + 10 * SEC).get("v-4");
    expect(visit?.quotes).toEqual([{ at: T0 + 10 * SEC, ...shown }]);
  });

  it("are recorded again when a call-ahead customer arrives, and not for one who is only expected", () => {
    let s = line(1);
    const call = checkIn(s, T0, { channel: "remote", arrivingInMin: 10 });
    expect(withQuotes(decideOkStep(call)).events.some((e) => e.type === "visit:quoted")).toBe(
      false,
    );
    s = call.state;
    const arrive = commandSchema.parse({
      requestId: rid(),
      type: "visit:arrive",
      visitId: call.visitId,
    });
    const arrived = withQuotes(decideOk(s, arrive, T0 + 9 * MIN));
    expect(arrived.state.visits.get(call.visitId)?.quotes).toHaveLength(1);
  });
});

describe("distributions", () => {
  it("Φ and Φ⁻¹ agree with known values and with each other", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    for (const p of [0.01, 0.1, 0.3, 0.5, 0.8, 0.99])
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
  });

  it("draw the rest of a lognormal time beyond what has elapsed", () => {
    const random = new Random("test");
    const d = { mu: Math.log(6 * MIN), sigma: 0.5 };
    const rests = Array.from({ length: 4000 }, () => drawRemaining(d, 8 * MIN, random)).sort(
      (a, b) => a - b,
    );
    expect(rests[0]).toBeGreaterThanOrEqual(0);
    // Median of X given X > 8 min, less 8 min: by Φ, about 2.1 min for this lognormal.
    const p = normalCdf((Math.log(8 * MIN) - d.mu) / d.sigma);
    const median = Math.exp(d.mu + d.sigma * normalQuantile(p + (1 - p) / 2)) - 8 * MIN;
    expect(quantile(rests, 0.5)).toBeGreaterThan(median * 0.9);
    expect(quantile(rests, 0.5)).toBeLessThan(median * 1.1);
  });
});

function decideOk(s: StoreState, command: Command, now: number) {
  const d = decide(s, command, now);
  if (!d.ok) throw new Error(d.error.message);
  return d;
}

function decideOkStep(step: { state: StoreState; events: unknown[] }) {
  return {
    ok: true as const,
    events: step.events as never[],
    recorded: true,
    reply: {},
    at: step.state.clock,
    state: step.state,
  };
}
