import { describe, expect, it } from "vitest";
import { DAY_MARGIN, DAY_SEEDS, advise } from "../../server/staffing/advisor.js";
import type { HourDemand } from "../../server/staffing/demand.js";
import {
  type SimulatedTopic,
  simulateDay,
  simulateHour,
  specialists,
} from "../../server/staffing/hour-simulation.js";
import { crewOf, membersOf, teamOf } from "../../server/staffing/team.js";
import { type StoreSettings, storeSettingsSchema } from "../../shared/settings.js";

/**
 * The advisor's correction of Erlang C, through the real engine: a short peak that starts from
 * an empty line needs fewer than the steady state says (and one fewer than advised misses the
 * level), and a narrow skill needs more than the same customers would if anyone could serve them.
 */

const level = { pct: 80, withinSec: 300 };

function storeWith(topics: Array<{ id: string; skill: string; serviceMin: number }>): {
  settings: StoreSettings;
  simulated: SimulatedTopic[];
} {
  const settings = storeSettingsSchema.parse({
    name: "Staffing test",
    timezone: "UTC",
    languages: ["en"],
    wrapUpSec: 30,
    offerTimeoutSec: 30,
    wideningMin: 10,
    topics: topics.map((t, i) => ({
      id: t.id,
      name: t.id,
      letter: "PRX"[i],
      skill: t.skill,
      expectedServiceMin: t.serviceMin,
    })),
  });
  const simulated = topics.map((t) => ({
    id: t.id,
    skill: t.skill,
    serviceMeanSec: t.serviceMin * 60,
    sigma: 0.5,
  }));
  return { settings, simulated };
}

const monday = (hour: number, arrivals: HourDemand["arrivals"]): HourDemand => ({
  weekday: 1,
  hour,
  arrivals,
  signedIn: null,
});

describe("the staffing advisor", () => {
  it("gives a short peak from an empty line fewer associates than Erlang C, and one fewer misses the level", async () => {
    const { settings, simulated } = storeWith([{ id: "phones", skill: "phones", serviceMin: 20 }]);
    const arrivals = [{ topicId: "phones", language: "", perHour: 12 }];
    const [peak] = await advise({
      settings,
      topics: simulated,
      hours: [monday(10, arrivals)],
      serviceLevel: level,
    });
    // Four erlangs of 20-minute visits: the steady state wants 6 for 80 % within 5 minutes.
    expect(peak?.erlangC).toBe(6);
    expect(peak?.recommended).toBeLessThan(6);
    expect(peak?.predictedPct).toBeGreaterThanOrEqual(80);
    const fewer = simulateHour(
      { settings, topics: simulated, withinSec: level.withinSec },
      undefined,
      {
        arrivals,
        staff: specialists([
          { skill: "phones", count: (peak?.recommended ?? 0) - 1, speakers: {} },
        ]),
      },
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    expect(fewer.customers).toBeGreaterThan(80);
    expect(fewer.within / fewer.customers).toBeLessThan(0.8);
  });

  it("gives a narrow skill its own associates: more than the same customers pooled", async () => {
    const advice = async (repairsSkill: string) => {
      const { settings, simulated } = storeWith([
        { id: "phones", skill: "phones", serviceMin: 4 },
        { id: "repairs", skill: repairsSkill, serviceMin: 30 },
      ]);
      const arrivals = [
        { topicId: "phones", language: "", perHour: 30 },
        { topicId: "repairs", language: "", perHour: 3 },
      ];
      const hours = [monday(9, arrivals), monday(10, arrivals)];
      return (await advise({ settings, topics: simulated, hours, serviceLevel: level }))[1];
    };
    const pooled = await advice("phones");
    const narrow = await advice("repairs");
    expect(pooled?.bySkill.map((s) => s.skill)).toEqual(["phones"]);
    expect(narrow?.bySkill.map((s) => s.skill)).toEqual(["phones", "repairs"]);
    expect(narrow?.recommended).toBeGreaterThan(pooled?.recommended ?? 0);
    // Three repairs customers an hour, 30 minutes each, need more than one of their own.
    expect(narrow?.bySkill[1]?.recommended).toBeGreaterThanOrEqual(2);
    expect(narrow?.predictedPct).toBeGreaterThanOrEqual(80);
  });

  it("advises nobody for an hour with staff and no customers, and shows who was signed in", async () => {
    const { settings, simulated } = storeWith([{ id: "phones", skill: "phones", serviceMin: 5 }]);
    const [quiet] = await advise({
      settings,
      topics: simulated,
      hours: [{ weekday: 7, hour: 20, arrivals: [], signedIn: 1.5 }],
      serviceLevel: level,
    });
    expect(quiet).toEqual({
      weekday: 7,
      hour: 20,
      arrivalsPerHour: 0,
      serviceMeanSec: null,
      erlangC: 0,
      recommended: 0,
      predictedPct: null,
      signedIn: 1.5,
      bySkill: [],
    });
  });

  it("plays the planned day whole, so the hour after a long peak gets what the line it inherits needs", async () => {
    const { settings, simulated } = storeWith([{ id: "phones", skill: "phones", serviceMin: 10 }]);
    const team = teamOf([{ skills: ["phones"], languages: [] }]);
    const rate = (perHour: number) => [{ topicId: "phones", language: "", perHour }];
    // Four busy hours, then two quieter ones that inherit the line the peak leaves.
    const hours = [45, 45, 45, 45, 20, 20].map((perHour, i) => monday(10 + i, rate(perHour)));
    const advice = await advise({ settings, topics: simulated, hours, serviceLevel: level, team });
    // Planned alone, the hour after the peak would have Erlang C's 5; the whole day needs more.
    expect(advice[4]).toMatchObject({ hour: 14, erlangC: 5 });
    expect(advice[4]?.recommended).toBeGreaterThan(5);
    // Played whole on the advisor's check days, every hour of the plan meets the level.
    const plans = advice.map((a, i) => ({
      arrivals: (hours[i] as HourDemand).arrivals,
      staff: membersOf(crewOf(team, a.recommended, ["phones"])),
    }));
    const setup = { settings, topics: simulated, withinSec: level.withinSec };
    for (const [i, s] of simulateDay(setup, plans, DAY_SEEDS).entries())
      expect(s.within / s.customers, `hour ${10 + i}`).toBeGreaterThanOrEqual(0.8);
    // Each hour's prediction is the whole day's.
    for (const a of advice) expect(a.predictedPct).toBeGreaterThanOrEqual(80);
  }, 60_000);

  it("lowers a short peak from an empty line below Erlang C when the whole day still meets the level", async () => {
    const { settings, simulated } = storeWith([{ id: "phones", skill: "phones", serviceMin: 10 }]);
    const team = teamOf([{ skills: ["phones"], languages: [] }]);
    const rate = (perHour: number) => [{ topicId: "phones", language: "", perHour }];
    const hours = [10, 60, 10].map((perHour, i) => monday(10 + i, rate(perHour)));
    const advice = await advise({ settings, topics: simulated, hours, serviceLevel: level, team });
    const peak = advice[1];
    // Erlang C's steady state for 60 customers an hour of 10.5 minutes: 13.
    expect(peak).toMatchObject({ hour: 11, erlangC: 13 });
    expect(peak?.recommended).toBeLessThan(13);
    const setup = { settings, topics: simulated, withinSec: level.withinSec };
    const plans = advice.map((a, i) => ({
      arrivals: (hours[i] as HourDemand).arrivals,
      staff: membersOf(crewOf(team, a.recommended, ["phones"])),
    }));
    // Played whole on the check days, every hour of the advice meets the level.
    for (const [i, s] of simulateDay(setup, plans, DAY_SEEDS).entries())
      expect(s.within / s.customers, `hour ${10 + i}`).toBeGreaterThanOrEqual(0.8 + DAY_MARGIN);
  }, 60_000);

  it("gives the hour after closing the fewest: those on at closing serve the line out", async () => {
    const { settings, simulated } = storeWith([{ id: "phones", skill: "phones", serviceMin: 10 }]);
    const team = teamOf([{ skills: ["phones"], languages: [] }]);
    const rate = (perHour: number) => [{ topicId: "phones", language: "", perHour }];
    // Three busy hours, then half a customer an hour (those who came just before closing).
    const hours = [45, 45, 45, 0.5].map((perHour, i) => monday(10 + i, rate(perHour)));
    const advice = await advise({ settings, topics: simulated, hours, serviceLevel: level, team });
    expect(advice[3]).toMatchObject({ hour: 13, recommended: 1 });
    expect(advice[3]?.predictedPct).toBeGreaterThanOrEqual(80);
    // The closing hour's own customers still meet the level.
    expect(advice[2]?.predictedPct).toBeGreaterThanOrEqual(80);
  }, 60_000);
});
