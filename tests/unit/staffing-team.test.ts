import { describe, expect, it } from "vitest";
import { DAY_MARGIN, DAY_SEEDS, advise } from "../../server/staffing/advisor.js";
import type { HourDemand } from "../../server/staffing/demand.js";
import { simulateDay } from "../../server/staffing/hour-simulation.js";
import { coverageOf, crewOf, membersOf, teamOf } from "../../server/staffing/team.js";
import { storeSettingsSchema } from "../../shared/settings.js";

/**
 * The advisor planning with the store's own people: a headcount of associates like the team's,
 * in its proportions, every skill held; a cross-trained team needs fewer than specialists.
 */

const level = { pct: 80, withinSec: 300 };

describe("a crew like the store's team", () => {
  const team = teamOf([
    { skills: ["phones", "fashion"], languages: ["en"] },
    { skills: ["fashion", "phones"], languages: ["en"] },
    { skills: ["phones", "fashion"], languages: ["en"] },
    { skills: ["phones"], languages: ["es", "en"] },
    { skills: ["repairs"], languages: ["en"] },
    { skills: [], languages: ["en"] },
  ]);

  it("groups associates by skill and language set, in the team's proportions", () => {
    expect(team).toEqual([
      { skills: ["fashion", "phones"], languages: ["en"], share: expect.closeTo(0.6, 9) },
      { skills: ["phones"], languages: ["en", "es"], share: expect.closeTo(0.2, 9) },
      { skills: ["repairs"], languages: ["en"], share: expect.closeTo(0.2, 9) },
    ]);
  });

  it("holds every skill asked for first, then follows the proportions, and one more takes nobody away", () => {
    expect(coverageOf(team, ["phones", "repairs"])).toBe(2);
    expect(crewOf(team, 2, ["phones", "repairs"]).map((k) => [k.skills, k.count])).toEqual([
      [["fashion", "phones"], 1],
      [["repairs"], 1],
    ]);
    expect(crewOf(team, 5, ["phones"]).map((k) => k.count)).toEqual([3, 1, 1]);
    for (let n = 1; n < 12; n++) {
      const smaller = crewOf(team, n, ["phones", "repairs"]);
      const larger = crewOf(team, n + 1, ["phones", "repairs"]);
      expect(membersOf(larger)).toHaveLength(n + 1);
      for (const kind of smaller)
        expect(
          larger.find((k) => k.skills.join() === kind.skills.join())?.count,
        ).toBeGreaterThanOrEqual(kind.count);
    }
  });
});

describe("the staffing advisor with the store's team", () => {
  const settings = storeSettingsSchema.parse({
    name: "Team test",
    timezone: "UTC",
    languages: ["en"],
    wrapUpSec: 30,
    offerTimeoutSec: 30,
    wideningMin: 10,
    topics: [
      { id: "phones", name: "Phones", letter: "P", skill: "phones", expectedServiceMin: 8 },
      { id: "fitting", name: "Fitting", letter: "F", skill: "fashion", expectedServiceMin: 8 },
      { id: "returns", name: "Returns", letter: "R", skill: "service", expectedServiceMin: 8 },
    ],
  });
  const topics = settings.topics.map((t) => ({
    id: t.id,
    skill: t.skill,
    serviceMeanSec: t.expectedServiceMin * 60,
    sigma: 0.5,
  }));
  const arrivalsAt = (perHour: number) =>
    settings.topics.map((t) => ({ topicId: t.id, language: "", perHour }));
  const monday = (perHour: number): HourDemand[] => [
    { weekday: 1, hour: 12, arrivals: arrivalsAt(perHour), signedIn: null },
  ];

  it("counts a cross-trained team as it is: fewer than the same customers need as specialists", async () => {
    const hours = monday(5);
    const crossTrained = teamOf([{ skills: ["phones", "fashion", "service"], languages: ["en"] }]);
    const [specialistAdvice] = await advise({ settings, topics, hours, serviceLevel: level });
    const [teamAdvice] = await advise({
      settings,
      topics,
      hours,
      serviceLevel: level,
      team: crossTrained,
    });
    expect(specialistAdvice?.team).toBeUndefined();
    expect(teamAdvice?.recommended).toBeLessThan(specialistAdvice?.recommended ?? 0);
    expect(teamAdvice?.team).toEqual([
      {
        skills: ["fashion", "phones", "service"],
        languages: ["en"],
        count: teamAdvice?.recommended,
      },
    ]);
    // Everyone holds every skill: each line counts the whole headcount.
    expect(teamAdvice?.bySkill.map((s) => s.recommended)).toEqual(
      [1, 2, 3].map(() => teamAdvice?.recommended),
    );
    // The prediction is the plan played as a whole day (the advisor's day check): the level.
    expect(teamAdvice?.predictedPct).toBeGreaterThanOrEqual(80);
  });

  it("raises a partly cross-trained team above Erlang C's pooled figure, and one fewer misses", async () => {
    const pairs = teamOf([
      { skills: ["phones", "fashion"], languages: ["en"] },
      { skills: ["service"], languages: ["en"] },
    ]);
    const [advice] = await advise({
      settings,
      topics,
      hours: monday(8),
      serviceLevel: level,
      team: pairs,
    });
    const recommended = advice?.recommended ?? 0;
    expect(recommended).toBeGreaterThan(advice?.erlangC ?? 0);
    expect(advice?.predictedPct).toBeGreaterThanOrEqual(80);
    expect(advice?.team?.reduce((n, k) => n + k.count, 0)).toBe(recommended);
    // One fewer, the hour played as the advisor's day check plays it, misses what it asks.
    const [fewer] = simulateDay(
      { settings, topics, withinSec: level.withinSec },
      [
        {
          arrivals: arrivalsAt(8),
          staff: membersOf(crewOf(pairs, recommended - 1, ["fashion", "phones", "service"])),
        },
      ],
      DAY_SEEDS,
    );
    expect(fewer?.customers).toBeGreaterThan(300);
    expect((fewer?.within ?? 0) / (fewer?.customers ?? 1)).toBeLessThan(0.8 + DAY_MARGIN);
  });

  it("tells each skill's share: a skill one kind in six holds falls below the level while the hour meets it", async () => {
    const store = storeSettingsSchema.parse({
      name: "Repairs",
      timezone: "UTC",
      languages: ["en"],
      wrapUpSec: 30,
      topics: [
        { id: "phones", name: "Phones", letter: "P", skill: "phones", expectedServiceMin: 5 },
        { id: "repairs", name: "Repairs", letter: "R", skill: "repairs", expectedServiceMin: 30 },
      ],
    });
    const team = teamOf([
      ...Array.from({ length: 5 }, () => ({ skills: ["phones"], languages: [] })),
      { skills: ["phones", "repairs"], languages: [] },
    ]);
    const hours = [10, 11, 12].map((hour) => ({
      weekday: 1,
      hour,
      arrivals: [
        { topicId: "phones", language: "", perHour: 40 },
        { topicId: "repairs", language: "", perHour: 3 },
      ],
      signedIn: null,
    }));
    const advice = await advise({
      settings: store,
      topics: [
        { id: "phones", skill: "phones", serviceMeanSec: 300, sigma: 0.5 },
        { id: "repairs", skill: "repairs", serviceMeanSec: 1800, sigma: 0.5 },
      ],
      hours,
      serviceLevel: level,
      team,
    });
    for (const a of advice) {
      expect(a.predictedPct).toBeGreaterThanOrEqual(80);
      const [phones, repairs] = a.bySkill;
      expect(phones?.predictedPct).toBeGreaterThanOrEqual(80);
      // One in six holds repairs: its half-hour customers wait for them.
      expect(repairs).toMatchObject({ skill: "repairs", recommended: 1 });
      expect(repairs?.predictedPct).toBeLessThan(80);
    }
  }, 60_000);
});
