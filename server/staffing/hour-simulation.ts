import type { StoreSettings } from "../../shared/settings.js";
import { Random } from "../domain/distributions.js";
import { type Arrival, drawArrivals } from "../simulation/arrivals.js";
import { type DayResult, runEngineDay } from "../simulation/engine-day.js";
import { type Profile, profileSchema } from "../simulation/profile.js";
import type { TeamMember } from "./team.js";

/**
 * One hour of the week played through the real engine (server/simulation), after the end of
 * the hour before it and into the next: the line the hour inherits is the one the hour before
 * left, served by the staff planned for it, and at the hour's end the next hour's staff (at
 * Erlang C's figure) take over what is left, with the next hour's first customers.
 */

const MIN = 60_000;
/**
 * The simulated clock: the hour itself runs 02:00–03:00, after the last half hour of the hour
 * before (enough for the line it leaves to build up, at half the cost of the whole hour).
 */
const BEFORE = ["01:30", "02:00"] as const;
const HOUR = ["02:00", "03:00"] as const;
/** The next hour's first half hour, when it is planned: its staff take over the line at 03:00. */
const AFTER = ["03:00", "03:30"] as const;
const STAY_UNTIL = "04:00";
const HOUR_FROM = 120 * MIN;
const HOUR_TO = 180 * MIN;

/** A topic as the simulation draws its service times: lognormal with this mean and spread. */
export interface SimulatedTopic {
  id: string;
  skill: string;
  serviceMeanSec: number;
  /** Spread of ln(service time). */
  sigma: number;
}

/** Mean arrivals of an hour, by topic and the language asked for ("" for none). */
export type HourArrivals = ReadonlyArray<{ topicId: string; language: string; perHour: number }>;

/** Associates for one skill: how many, and how many of them speak each language asked for. */
export interface SkillStaff {
  skill: string;
  count: number;
  speakers: Record<string, number>;
}

export interface HourPlan {
  arrivals: HourArrivals;
  /** One member per associate on shift. */
  staff: readonly TeamMember[];
}

export interface Served {
  customers: number;
  within: number;
}

export interface HourOutcome extends Served {
  bySkill: Map<string, Served>;
}

export interface SimulationSetup {
  settings: StoreSettings;
  topics: readonly SimulatedTopic[];
  withinSec: number;
}

/**
 * The hour's customers served within `withinSec` of arriving (their offer accepted), pooled
 * over `seeds` (the same seeds give the same customers whatever the staff: plans are compared
 * on equal days).
 */
export function simulateHour(
  setup: SimulationSetup,
  before: HourPlan | undefined,
  hour: HourPlan,
  seeds: readonly number[],
  after?: HourPlan,
): HourOutcome {
  const outcome: HourOutcome = { customers: 0, within: 0, bySkill: new Map() };
  const skillOf = new Map(setup.topics.map((t) => [t.id, t.skill]));
  const base = setup.settings.languages[0] ?? "en";
  const hourProfile = profileOf(setup, "hour", HOUR, hour, base);
  const beforeProfile = before && profileOf(setup, "before", BEFORE, before, base);
  const afterProfile = after && profileOf(setup, "after", AFTER, after, base);
  const languages = [
    ...hourProfile.languages,
    ...(beforeProfile?.languages ?? []),
    ...(afterProfile?.languages ?? []),
  ];
  // The day's store knows every language its customers ask for, and every hour's staff; the
  // hour's own leave when the next hour's come (as on a real day), or stay to serve its line.
  const dayProfile: Profile = {
    ...hourProfile,
    close: after ? AFTER[1] : HOUR[1],
    languages: languages.filter((l, i, all) => all.findIndex((m) => m.code === l.code) === i),
    associates: [
      ...(before ? staffOf("b", BEFORE, before.staff) : []),
      ...staffOf("h", [HOUR[0], after ? HOUR[1] : STAY_UNTIL], hour.staff),
      ...(after ? staffOf("a", [AFTER[0], STAY_UNTIL], after.staff) : []),
    ],
  };
  const draw = (profile: Profile | undefined, plan: HourPlan | undefined, seed: number) =>
    profile && plan
      ? withLanguages(drawArrivals(profile, seed), plan, `${profile.name}|${seed}`)
      : [];
  for (const seed of seeds) {
    const arrivals: Arrival[] = [
      ...draw(beforeProfile, before, seed),
      ...draw(hourProfile, hour, seed),
      ...draw(afterProfile, after, seed),
    ]
      .sort((x, y) => x.at - y.at)
      .map((a, index) => ({ ...a, index }));
    const day = runEngineDay(dayProfile, arrivals, seed, { quotes: false });
    for (const c of day.customers) {
      if (c.presentAt < HOUR_FROM || c.presentAt >= HOUR_TO) continue;
      count(outcome, c, skillOf, setup.withinSec);
    }
  }
  return outcome;
}

/** Counts one customer into `into`, in all and by skill: served within `withinSec` or not. */
function count(
  into: HourOutcome,
  c: DayResult["customers"][number],
  skillOf: ReadonlyMap<string, string>,
  withinSec: number,
): void {
  const within = c.servedAt !== undefined && c.servedAt - c.presentAt <= withinSec * 1000 ? 1 : 0;
  into.customers++;
  into.within += within;
  const skill = skillOf.get(c.arrival.topicId) ?? "";
  const s = into.bySkill.get(skill) ?? { customers: 0, within: 0 };
  s.customers++;
  s.within += within;
  into.bySkill.set(skill, s);
}

/** "HH:MM" of a minute of the simulated day. */
const clockAt = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

/**
 * Consecutive hours of one day played as a whole day through the engine, each hour's customers
 * in its own mix and each hour's staff on shift for it (the last hour's an hour past its end):
 * the line a long peak leaves carries into the hours after it, as it does in a store. From the
 * hour `closing` on (the store's last open hour; by default the last), the staff stay until an
 * hour past the last: whoever is on at closing serves the line out. Answers, per hour, its
 * customers and those served within `withinSec`, in all and by skill, pooled over `seeds`.
 */
export function simulateDay(
  setup: SimulationSetup,
  plans: readonly HourPlan[],
  seeds: readonly number[],
  closing = plans.length - 1,
): HourOutcome[] {
  const served: HourOutcome[] = plans.map(() => ({ customers: 0, within: 0, bySkill: new Map() }));
  const skillOf = new Map(setup.topics.map((t) => [t.id, t.skill]));
  if (plans.length === 0) return served;
  const base = setup.settings.languages[0] ?? "en";
  // The simulated day starts at 01:00 (one hour per plan, at most 22).
  const startMin = 60;
  const windows = plans.map(
    (_, i) => [clockAt(startMin + 60 * i), clockAt(startMin + 60 * (i + 1))] as const,
  );
  const profiles = plans.map((plan, i) =>
    profileOf(setup, `day-${i}`, windows[i] as readonly [string, string], plan, base),
  );
  const last = plans.length - 1;
  const languages = profiles.flatMap((p) => p.languages);
  const dayProfile: Profile = {
    ...(profiles[0] as Profile),
    open: clockAt(startMin),
    close: clockAt(startMin + 60 * plans.length),
    languages: languages.filter((l, i, all) => all.findIndex((m) => m.code === l.code) === i),
    associates: plans.flatMap((plan, i) =>
      staffOf(
        `d${i}`,
        [
          (windows[i] as readonly [string, string])[0],
          clockAt(startMin + 60 * (i >= closing ? last + 2 : i + 1)),
        ],
        plan.staff,
      ),
    ),
  };
  for (const seed of seeds) {
    const arrivals: Arrival[] = profiles
      .flatMap((profile, i) =>
        withLanguages(drawArrivals(profile, seed), plans[i] as HourPlan, `${profile.name}|${seed}`),
      )
      .sort((x, y) => x.at - y.at)
      .map((a, index) => ({ ...a, index }));
    const day = runEngineDay(dayProfile, arrivals, seed, { quotes: false });
    for (const c of day.customers) {
      const i = Math.floor((c.presentAt - startMin * MIN) / (60 * MIN));
      const s = served[i];
      if (s) count(s, c, skillOf, setup.withinSec);
    }
  }
  return served;
}

/**
 * A simulator profile for one hour: its arrivals (Poisson at the mean rate, topics and
 * languages in the hour's mix); the staff come with the day's profile. Customers behave as the simulator's defaults say (some browse a while,
 * some call ahead, a few offers are declined or missed): the waits a store measures include those.
 */
function profileOf(
  setup: SimulationSetup,
  name: string,
  [from, to]: readonly [string, string],
  plan: HourPlan,
  base: string,
): Profile {
  const total = plan.arrivals.reduce((sum, a) => sum + a.perHour, 0);
  const byTopic = new Map<string, number>();
  const byLanguage = new Map<string, number>();
  for (const a of plan.arrivals) {
    byTopic.set(a.topicId, (byTopic.get(a.topicId) ?? 0) + a.perHour);
    if (a.language && a.language !== base)
      byLanguage.set(a.language, (byLanguage.get(a.language) ?? 0) + a.perHour);
  }
  const { name: _n, timezone: _z, languages: _l, topics, ...settings } = setup.settings;
  return profileSchema.parse({
    name,
    open: BEFORE[0],
    close: HOUR[1],
    periods: [{ from, to, arrivalsPerHour: total }],
    topics: topics.map((t) => {
      const measured = setup.topics.find((m) => m.id === t.id);
      const meanMin = (measured?.serviceMeanSec ?? t.expectedServiceMin * 60) / 60;
      const sigma = measured?.sigma ?? 0.5;
      return {
        id: t.id,
        name: t.name,
        letter: t.letter,
        skill: t.skill,
        expectedServiceMin: t.expectedServiceMin,
        share: total > 0 ? (byTopic.get(t.id) ?? 0) / total : 0,
        service: { medianMin: meanMin / Math.exp((sigma * sigma) / 2), sigma },
      };
    }),
    languages: [...byLanguage].map(([code, perHour]) => ({ code, share: perHour / total })),
    // Placeholder: the day's profile brings both hours' staff.
    associates: [{ id: "x", name: "x", skills: ["x"], languages: ["en"], shifts: [[from, to]] }],
    settings,
  });
}

type Associates = Profile["associates"];

/**
 * The language each customer asks for, in their topic's own mix: the simulator draws languages
 * apart from topics, but speakers are planned per skill, so a phones line's Spanish speakers
 * must meet the phones customers who ask for Spanish, not a share of everyone.
 */
function withLanguages(arrivals: Arrival[], plan: HourPlan, seed: string): Arrival[] {
  const random = new Random(`languages|${seed}`);
  const mix = new Map<string, Array<{ language: string; perHour: number }>>();
  for (const a of plan.arrivals) {
    const list = mix.get(a.topicId) ?? [];
    list.push({ language: a.language, perHour: a.perHour });
    mix.set(a.topicId, list);
  }
  return arrivals.map((a) => {
    const list = mix.get(a.topicId) ?? [];
    let rest = random.next() * list.reduce((sum, l) => sum + l.perHour, 0);
    const pick = list.find((l) => {
      rest -= l.perHour;
      return rest < 0;
    });
    return { ...a, language: pick?.language ? pick.language : undefined };
  });
}

/** Specialists: each counted for one skill; the first `speakers[code]` of them speak `code`. */
export function specialists(staff: readonly SkillStaff[]): TeamMember[] {
  return staff.flatMap((s) =>
    Array.from({ length: s.count }, (_, i) => ({
      skills: [s.skill],
      languages: Object.entries(s.speakers)
        .filter(([, n]) => i < n)
        .map(([code]) => code),
    })),
  );
}

/** The associates of a plan, on shift from `from` to `to` (everyone speaks English too). */
export function staffOf(
  prefix: string,
  [from, to]: readonly [string, string],
  staff: readonly TeamMember[],
): Associates {
  return staff.map((m, i) => ({
    id: `${prefix}-${i}`,
    name: `${prefix} ${i}`,
    skills: [...m.skills],
    languages: ["en", ...m.languages.filter((code) => code !== "en")],
    shifts: [[from, to] as [string, string]],
  }));
}
