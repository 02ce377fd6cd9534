import type { StoreSettings } from "../../shared/settings.js";
import type { HourDemand } from "./demand.js";
import { agentsFor } from "./erlang-c.js";
import {
  type HourOutcome,
  type HourPlan,
  type Served,
  type SimulatedTopic,
  type SkillStaff,
  simulateDay,
  simulateHour,
  specialists,
} from "./hour-simulation.js";
import { type TeamKind, type TeamMember, coverageOf, crewOf, membersOf } from "./team.js";

/**
 * The staffing advisor: how many associates each hour of the week needs so that the service
 * level the manager set is met. With the store's team, a headcount of associates like the
 * team's (skills and languages in its proportions): Erlang C with every customer pooled gives
 * the first figure, and the hour played through the engine after the hour before it raises it
 * until the hour's customers meet the level (a team that is not cross-trained throughout, and
 * languages, need more than the pool); then each day is played whole, raised where an hour
 * misses and lowered where every hour still meets it (checkWholeDays). Without a team,
 * specialists: Erlang C per skill, then
 * lowered while every skill meets the level (a short peak from an empty line needs fewer than
 * the steady state) or raised until it does.
 */

export interface ServiceLevel {
  pct: number;
  withinSec: number;
}

export interface SkillAdvice {
  skill: string;
  arrivalsPerHour: number;
  erlangC: number;
  recommended: number;
  /**
   * The simulated share (%) of this skill's customers served within the level at the hour's
   * recommendation (the whole day played, with the store's team); null when not simulated or
   * none came. With a team the hour is planned for all its customers together, so a skill few of
   * the team hold can fall below the level while the hour meets it: this says so.
   */
  predictedPct: number | null;
  /**
   * How many of the recommended should speak each language its customers asked for (besides
   * the store's first): as specialists, Erlang C for those customers alone, one at least; with
   * the team, how many of the skill's holders in the recommended crew speak it.
   */
  speakers: Record<string, number>;
}

export interface HourAdvice {
  weekday: number;
  hour: number;
  arrivalsPerHour: number;
  serviceMeanSec: number | null;
  erlangC: number;
  recommended: number;
  /** The simulated share (%) served within the level at `recommended`; null with no arrivals. */
  predictedPct: number | null;
  signedIn: number | null;
  bySkill: SkillAdvice[];
  /**
   * With the store's team given: the recommended associates by kind (skills and languages as
   * the team's), `recommended` of them in the team's proportions. Absent when planned as
   * specialists.
   */
  team?: Array<TeamMember & { count: number }>;
}

export interface AdvisorInput {
  settings: StoreSettings;
  topics: readonly SimulatedTopic[];
  hours: readonly HourDemand[];
  serviceLevel: ServiceLevel;
  /**
   * The store's associates by kind: when given, each hour's advice is a headcount of associates
   * like these, in these proportions (a cross-trained team counted as it is); when absent or
   * empty, each associate is counted for one skill (specialists).
   */
  team?: readonly TeamKind[];
}

/** Simulated customers per batch of days, and the most days one plan is given. */
const BATCH_CUSTOMERS = 60;
const MAX_BATCH = 12;
const MAX_DAYS = 24;
const MIN_BATCHES = 2;
/** With a team, the share the hour's customers must reach above the level asked for. */
const TEAM_MARGIN = 0.05;
/** Never search further than this above the formula's figure for one skill. */
const MAX_RAISE = 6;

/**
 * Advice for every hour of `hours` (those with arrivals get a plan; staff alone, a zero),
 * pushed onto `advice` hour by hour as each is made.
 */
export async function advise(
  input: AdvisorInput,
  advice: HourAdvice[] = [],
): Promise<HourAdvice[]> {
  let previous: { weekday: number; hour: number; plan: HourPlan } | undefined;
  const plans: Array<HourPlan | undefined> = [];
  const probes: Array<ShareAt | undefined> = [];
  const first = advice.length;
  for (const [i, demand] of input.hours.entries()) {
    const before =
      previous && previous.weekday === demand.weekday && previous.hour === demand.hour - 1
        ? previous.plan
        : undefined;
    const next = input.hours[i + 1];
    const after =
      next && next.weekday === demand.weekday && next.hour === demand.hour + 1
        ? formulaPlan(input, next)
        : undefined;
    const { hour, plan, shareAt } = await adviseHour(input, demand, before, after);
    advice.push(hour);
    plans.push(plan);
    probes.push(shareAt);
    previous = plan && { weekday: demand.weekday, hour: demand.hour, plan };
  }
  if (input.team && input.team.length > 0)
    await checkWholeDays(input, input.team, advice.slice(first), plans, probes);
  return advice;
}

/** The whole-day check's days (apart from the hours' own seeds), and its rounds at most. */
export const DAY_SEEDS = Array.from({ length: 16 }, (_, i) => 901 + i);
const DAY_ROUNDS = 3;
/**
 * What the whole day's share must reach above the level asked for: the check days are a sample
 * of days, and an hour just at the level on them misses it on other days half the time.
 */
export const DAY_MARGIN = 0.02;
/**
 * An hour is given one fewer only if its whole-day share, less what one fewer costs it played
 * alone, stays this far above what the day check asks: played alone, an hour loses 5–15 points
 * less with one fewer than on the whole day (the longer line it then leaves itself), so a try
 * below this is a whole day played for nothing.
 */
const TRIM_HEADROOM = 0.04;
/** Hours after the last with this many customers an hour are the close-out (after closing). */
const OPEN_PER_HOUR = 1;

/**
 * Each day's hours, as planned one by one, played again as the whole day through the engine: an
 * hour after a long peak inherits a longer line than its own simulation gave it (it saw only
 * the last half hour before). An hour that misses the level gets one associate more, and the
 * day is played again, a few rounds at most. Then, earliest hour first, each hour is given one
 * fewer for as long as the whole day still meets the level in every hour: the extra associate an
 * hour got for the line it inherited can come off the hour before it (where Erlang C's floor put
 * one too many), and an hour planned alone with a margin keeps only what the day needs. The hours
 * after closing (under a customer an hour, at the end of the day) are served by those on at
 * closing, who stay to serve the line out. Team plans only (the store's own people).
 */
async function checkWholeDays(
  input: AdvisorInput,
  team: readonly TeamKind[],
  advice: HourAdvice[],
  plans: Array<HourPlan | undefined>,
  probes: Array<ShareAt | undefined>,
): Promise<void> {
  const level = input.serviceLevel.pct / 100;
  const target = level + DAY_MARGIN;
  /** Two standard errors above the level, for a share of `n` customers. */
  const sure = (n: number) => level + 2 * Math.sqrt((level * (1 - level)) / Math.max(1, n));
  const setup = {
    settings: input.settings,
    topics: input.topics,
    withinSec: input.serviceLevel.withinSec,
  };
  // Runs of consecutive planned hours of one weekday.
  const runs: number[][] = [];
  for (const [i, a] of advice.entries()) {
    const run = runs.at(-1);
    const prev = run === undefined ? undefined : advice[run.at(-1) as number];
    if (!plans[i]) continue;
    if (run && prev && prev.weekday === a.weekday && prev.hour === a.hour - 1) run.push(i);
    else runs.push([i]);
  }
  const demandOf = (a: HourAdvice) =>
    input.hours.find((h) => h.weekday === a.weekday && h.hour === a.hour) as HourDemand;
  /** Hour `i` planned with `n` of the team. */
  const staff = (i: number, n: number) => {
    const a = advice[i] as HourAdvice;
    const demand = demandOf(a);
    const skills = loadsOf(input, demand);
    const crew = crewOf(team, n, neededOf(skills));
    describeCrew(input, skills, a, crew);
    a.recommended = n;
    plans[i] = { arrivals: demand.arrivals, staff: membersOf(crew) };
  };
  /** The fewest an hour can have: one, and enough to hold every skill its customers ask for. */
  const fewestOf = (a: HourAdvice) =>
    Math.max(1, coverageOf(team, neededOf(loadsOf(input, demandOf(a)))));
  for (const run of runs) {
    let closing = run.length - 1;
    while (
      closing > 0 &&
      (advice[run[closing] as number] as HourAdvice).arrivalsPerHour < OPEN_PER_HOUR
    )
      closing--;
    // After closing, the fewest (those on at closing serve the line out): raised if they miss.
    for (const i of run.slice(closing + 1)) staff(i, fewestOf(advice[i] as HourAdvice));
    /** Each hour's customers and share within the level on the check days, played whole. */
    const play = async (): Promise<
      Array<{ share: number; customers: number; outcome: HourOutcome }>
    > => {
      const day = run.map((i) => plans[i] as HourPlan);
      const served: HourOutcome[] = run.map(() => ({
        customers: 0,
        within: 0,
        bySkill: new Map(),
      }));
      // A day at a time, then the server's other work: the advice runs beside live stores.
      for (const seed of DAY_SEEDS) {
        await new Promise((resolve) => setImmediate(resolve));
        for (const [k, s] of simulateDay(setup, day, [seed], closing).entries())
          addInto(served[k] as HourOutcome, s);
      }
      return served.map((s) => ({
        share: s.customers > 0 ? s.within / s.customers : 1,
        customers: s.customers,
        outcome: s,
      }));
    };
    let shares = await play();
    const shareOf = (k: number) => (shares[k] as { share: number }).share;
    for (let pass = 0; pass < DAY_ROUNDS; pass++) {
      const missing = run.filter((i, k) => {
        const a = advice[i] as HourAdvice;
        return shareOf(k) < target && a.recommended < a.erlangC + 2 * MAX_RAISE;
      });
      if (missing.length === 0) break;
      for (const i of missing) staff(i, (advice[i] as HourAdvice).recommended + 1);
      shares = await play();
    }
    for (const [k, i] of run.entries()) {
      const a = advice[i] as HourAdvice;
      const fewest = fewestOf(a);
      const probe = probes[i];
      while (k <= closing && a.recommended > fewest) {
        // Not tried when the hour played alone loses so much with one fewer that the whole day
        // could not keep the level (each try plays the whole day again).
        if (probe) {
          const loss = (await probe(a.recommended)) - (await probe(a.recommended - 1));
          if (shareOf(k) - loss < target + TRIM_HEADROOM) break;
        }
        staff(i, a.recommended - 1);
        const tried = await play();
        // Kept when no hour falls below the level (or below where it was, if it missed), clearly:
        // an hour with few customers on the check days keeps its associate unless it is well
        // above the level without them.
        const kept = tried.every(
          (t, j) => t.share >= Math.max(target, sure(t.customers)) || t.share >= shareOf(j),
        );
        if (kept) shares = tried;
        else {
          staff(i, a.recommended + 1);
          break;
        }
      }
    }
    // The whole day's figures are the better prediction of each hour's share, and each skill's.
    for (const [k, i] of run.entries()) {
      const a = advice[i] as HourAdvice;
      if (a.predictedPct === null) continue;
      a.predictedPct = round(100 * shareOf(k), 1);
      const { outcome } = shares[k] as { outcome: HourOutcome };
      for (const s of a.bySkill) s.predictedPct = pctOf(outcome.bySkill.get(s.skill));
    }
  }
}

/** An hour's share within the level played alone (after the hour before) with `n` of the team. */
type ShareAt = (n: number) => Promise<number>;

interface SkillLoad {
  skill: string;
  perHour: number;
  handleSec: number;
  serviceSec: number;
  byLanguage: Map<string, number>;
}

/** Erlang C's figures alone, at once: what stands for the hours not simulated yet. */
export function formulaAdvice(input: AdvisorInput): HourAdvice[] {
  return input.hours.map((demand) => {
    const skills = loadsOf(input, demand);
    const { formula, staffFor } = staffing(input, skills);
    const perHour = skills.reduce((sum, s) => sum + s.perHour, 0);
    const serviceSec = skills.reduce((sum, s) => sum + s.serviceSec * s.perHour, 0);
    const staff = staffFor(formula);
    const team = input.team && input.team.length > 0 ? input.team : undefined;
    const erlangC = team ? teamFormula(input, skills) : formula.reduce((a, b) => a + b, 0);
    const crew = team && crewOf(team, erlangC, neededOf(skills));
    return {
      weekday: demand.weekday,
      hour: demand.hour,
      arrivalsPerHour: round(perHour, 2),
      serviceMeanSec: perHour > 0 ? Math.round(serviceSec / perHour) : null,
      erlangC,
      recommended: erlangC,
      predictedPct: null,
      signedIn: demand.signedIn === null ? null : round(demand.signedIn, 1),
      bySkill: skills.map((s, k) => ({
        skill: s.skill,
        arrivalsPerHour: round(s.perHour, 2),
        erlangC: formula[k] as number,
        recommended: formula[k] as number,
        predictedPct: null,
        speakers: staff[k]?.speakers ?? {},
      })),
      ...(crew && { team: crew }),
    };
  });
}

/** The next hour as Erlang C staffs it (its own advice is made after this hour's). */
function formulaPlan(input: AdvisorInput, demand: HourDemand): HourPlan | undefined {
  const skills = loadsOf(input, demand);
  if (skills.length === 0) return undefined;
  const staff = staffing(input, skills);
  if (input.team && input.team.length > 0)
    return {
      arrivals: demand.arrivals,
      staff: membersOf(crewOf(input.team, teamFormula(input, skills), neededOf(skills))),
    };
  return { arrivals: demand.arrivals, staff: specialists(staff.staffFor(staff.formula)) };
}

/** Erlang C's count per skill (one at least), and the staff for any counts, speakers planned. */
function staffing(input: AdvisorInput, skills: readonly SkillLoad[]) {
  const { pct, withinSec } = input.serviceLevel;
  const formula = skills.map((s) => Math.max(1, agentsFor(s.perHour, s.handleSec, pct, withinSec)));
  const base = input.settings.languages[0] ?? "en";
  const staffFor = (counts: readonly number[]): SkillStaff[] =>
    skills.map((s, k) => ({
      skill: s.skill,
      count: counts[k] as number,
      speakers: Object.fromEntries(
        [...s.byLanguage]
          .filter(([code]) => code !== "" && code !== base)
          .map(([code, rate]) => [
            code,
            Math.min(
              counts[k] as number,
              Math.max(1, agentsFor(rate, s.handleSec, pct, withinSec)),
            ),
          ]),
      ),
    }));
  return { formula, staffFor };
}

async function adviseHour(
  input: AdvisorInput,
  demand: HourDemand,
  before: HourPlan | undefined,
  after: HourPlan | undefined,
): Promise<{ hour: HourAdvice; plan: HourPlan | undefined; shareAt?: ShareAt }> {
  const { pct, withinSec } = input.serviceLevel;
  const skills = loadsOf(input, demand);
  const perHour = skills.reduce((sum, s) => sum + s.perHour, 0);
  const serviceSec = skills.reduce((sum, s) => sum + s.serviceSec * s.perHour, 0);
  const { formula, staffFor } = staffing(input, skills);
  const hour: HourAdvice = {
    weekday: demand.weekday,
    hour: demand.hour,
    arrivalsPerHour: round(perHour, 2),
    serviceMeanSec: perHour > 0 ? Math.round(serviceSec / perHour) : null,
    erlangC: formula.reduce((a, b) => a + b, 0),
    recommended: 0,
    predictedPct: null,
    signedIn: demand.signedIn === null ? null : round(demand.signedIn, 1),
    bySkill: [],
  };
  if (perHour <= 0 && input.team && input.team.length > 0) hour.team = [];
  if (perHour <= 0) return { hour, plan: undefined };
  if (input.team && input.team.length > 0)
    return adviseTeamHour(input, input.team, demand, before, after, hour);

  const arrivals = demand.arrivals;
  const simulate = simulator(input, demand, skills, before, after);
  const run = (counts: number[]) => simulate(counts.join(","), specialists(staffFor(counts)));

  const meetsSkill = (o: HourOutcome, k: number) =>
    shareOf(o, (skills[k] as SkillLoad).skill) >= pct / 100;
  const meetsAll = (o: HourOutcome) => skills.every((_, k) => meetsSkill(o, k));
  // Every skill moved together from the formula's figure by `offset`: one simulation tells each
  // skill how its customers fare at its own count, whatever the others do (they interact only
  // through widening, which a skill's own count hardly changes).
  const at = (offset: number) => formula.map((n) => Math.max(1, n + offset));
  const tried = new Map<number, HourOutcome>([[0, await run(at(0))]]);
  const outcomeAt = (offset: number) => tried.get(offset) as HourOutcome;
  let top = 0;
  while (!meetsAll(outcomeAt(top)) && top < MAX_RAISE) {
    top++;
    tried.set(top, await run(at(top)));
  }
  let bottom = 0;
  while (
    bottom > -MAX_RAISE &&
    skills.some((_, k) => meetsSkill(outcomeAt(bottom), k) && (at(bottom)[k] as number) > 1)
  ) {
    bottom--;
    tried.set(bottom, await run(at(bottom)));
  }
  // Each skill: the fewest at which its customers meet the level, and meet it with any more.
  let counts = skills.map((_, k) => {
    let fewest = at(top)[k] as number;
    for (let offset = top; offset >= bottom; offset--) {
      if (!meetsSkill(outcomeAt(offset), k)) break;
      fewest = at(offset)[k] as number;
    }
    return fewest;
  });
  // The mix itself, played: a skill that misses the level in it gets one more.
  for (let raised = 0; raised < MAX_RAISE; raised++) {
    const outcome = await run(counts);
    const raise = counts.map(
      (n, k) => !meetsSkill(outcome, k) && n < (formula[k] as number) + MAX_RAISE,
    );
    if (!raise.some(Boolean)) break;
    counts = counts.map((n, k) => (raise[k] ? n + 1 : n));
  }
  const outcome = await run(counts);
  hour.recommended = counts.reduce((a, b) => a + b, 0);
  hour.predictedPct =
    outcome.customers > 0 ? round((100 * outcome.within) / outcome.customers, 1) : null;
  const staff = staffFor(counts);
  hour.bySkill = skills.map((s, k) => ({
    skill: s.skill,
    arrivalsPerHour: round(s.perHour, 2),
    erlangC: formula[k] as number,
    recommended: counts[k] as number,
    predictedPct: pctOf(outcome.bySkill.get(s.skill)),
    speakers: staff[k]?.speakers ?? {},
  }));
  return { hour, plan: { arrivals, staff: specialists(staff) } };
}

/**
 * One hour's plans simulated on the same days (keyed by `key`). Days are simulated a batch at a
 * time (about BATCH_CUSTOMERS customers), until every skill is clearly above or below the level:
 * most plans are settled in a batch or two, and the close ones get the days they need.
 */
function simulator(
  input: AdvisorInput,
  demand: HourDemand,
  skills: readonly SkillLoad[],
  before: HourPlan | undefined,
  after: HourPlan | undefined,
  whole = false,
) {
  const { pct, withinSec } = input.serviceLevel;
  const perHour = skills.reduce((sum, s) => sum + s.perHour, 0);
  const batch = Math.min(MAX_BATCH, Math.max(1, Math.ceil(BATCH_CUSTOMERS / perHour)));
  const setup = { settings: input.settings, topics: input.topics, withinSec };
  const evaluated = new Map<string, HourOutcome>();
  return async (key: string, staff: readonly TeamMember[]): Promise<HourOutcome> => {
    const known = evaluated.get(key);
    if (known) return known;
    const outcome: HourOutcome = { customers: 0, within: 0, bySkill: new Map() };
    for (let days = 0; days < MAX_DAYS; ) {
      // One batch of days at a time, then the server's other work: the advice runs in a request.
      await new Promise((resolve) => setImmediate(resolve));
      const seeds = Array.from({ length: batch }, (_, i) => days + i + 1);
      days += batch;
      addInto(
        outcome,
        simulateHour(setup, before, { arrivals: demand.arrivals, staff }, seeds, after),
      );
      const done = whole
        ? settled(outcome, pct)
        : skills.every((s) => settled(outcome.bySkill.get(s.skill), pct));
      if (days >= MIN_BATCHES * batch && done) break;
    }
    evaluated.set(key, outcome);
    return outcome;
  };
}

const shareOf = (o: HourOutcome, skill: string): number => {
  const s = o.bySkill.get(skill);
  return s && s.customers > 0 ? s.within / s.customers : 1;
};

const neededOf = (skills: readonly SkillLoad[]) => skills.map((s) => s.skill);

/**
 * Erlang C's first figure for a team: all the hour's customers pooled (as if anyone could serve
 * anyone: the fewest a cross-trained team can do with), and no fewer than hold every skill.
 */
function teamFormula(input: AdvisorInput, skills: readonly SkillLoad[]): number {
  const { pct, withinSec } = input.serviceLevel;
  const perHour = skills.reduce((sum, s) => sum + s.perHour, 0);
  if (perHour <= 0) return 0;
  const handleSec = skills.reduce((sum, s) => sum + s.handleSec * s.perHour, 0) / perHour;
  const pooled = agentsFor(perHour, handleSec, pct, withinSec);
  return Math.max(1, pooled, coverageOf(input.team ?? [], neededOf(skills)));
}

/**
 * An hour planned with the store's own team: the fewest associates like the team's (in its
 * proportions), from Erlang C's pooled figure up, at which the hour's customers meet the level
 * (with a margin) on the simulated days; each skill's share is told, not planned for.
 */
async function adviseTeamHour(
  input: AdvisorInput,
  team: readonly TeamKind[],
  demand: HourDemand,
  before: HourPlan | undefined,
  after: HourPlan | undefined,
  hour: HourAdvice,
): Promise<{ hour: HourAdvice; plan: HourPlan | undefined; shareAt: ShareAt }> {
  const level = input.serviceLevel.pct / 100;
  const skills = loadsOf(input, demand);
  const needed = neededOf(skills);
  const first = teamFormula(input, skills);
  const simulate = simulator(input, demand, skills, before, after, true);
  const run = (n: number) => simulate(String(n), membersOf(crewOf(team, n, needed)));
  // The hour's customers together: a skill with one or two customers an hour, held by a few of
  // the team's kinds, would otherwise set the whole headcount on a few dozen simulated customers.
  // With a margin: the hour is played after only the last half hour before it, so the line it
  // inherits on a whole day is longer than simulated (a whole day's replay is a few points lower).
  const meets = (o: HourOutcome) =>
    o.customers === 0 || o.within / o.customers >= level + TEAM_MARGIN;
  // Erlang C's pooled figure is where the search starts: it already counts everyone for every
  // skill (the whole-day check may lower it, on the evidence of whole days), and an
  // hour played below it inherits, on a whole day, the longer line it leaves the next hour.
  let n = first;
  while (!meets(await run(n)) && n < first + 2 * MAX_RAISE) n++;
  const outcome = await run(n);
  const crew = crewOf(team, n, needed);
  hour.erlangC = first;
  hour.recommended = n;
  hour.predictedPct =
    outcome.customers > 0 ? round((100 * outcome.within) / outcome.customers, 1) : null;
  describeCrew(input, skills, hour, crew);
  for (const s of hour.bySkill) s.predictedPct = pctOf(outcome.bySkill.get(s.skill));
  const shareAt = async (k: number) => {
    const o = await run(k);
    return o.customers > 0 ? o.within / o.customers : 1;
  };
  return { hour, plan: { arrivals: demand.arrivals, staff: membersOf(crew) }, shareAt };
}

/** The advice's per-skill figures and team for `crew`: who holds each skill, who speaks what. */
function describeCrew(
  input: AdvisorInput,
  skills: readonly SkillLoad[],
  hour: HourAdvice,
  crew: Array<TeamMember & { count: number }>,
): void {
  const { formula } = staffing(input, skills);
  const base = input.settings.languages[0] ?? "en";
  hour.bySkill = skills.map((s, k) => {
    const holders = crew.filter((m) => m.skills.includes(s.skill));
    const count = (kinds: typeof crew) => kinds.reduce((sum, m) => sum + m.count, 0);
    return {
      skill: s.skill,
      arrivalsPerHour: round(s.perHour, 2),
      erlangC: formula[k] as number,
      recommended: count(holders),
      predictedPct: null,
      speakers: Object.fromEntries(
        [...s.byLanguage.keys()]
          .filter((code) => code !== "" && code !== base)
          .map((code) => [code, count(holders.filter((m) => m.languages.includes(code)))]),
      ),
    };
  });
  hour.team = crew;
}

/** Arrivals per skill (its topics'), with their handling time (service plus wrap-up). */
function loadsOf(input: AdvisorInput, demand: HourDemand): SkillLoad[] {
  const topics = new Map(input.settings.topics.map((t) => [t.id, t]));
  const measured = new Map(input.topics.map((t) => [t.id, t]));
  const loads = new Map<string, SkillLoad>();
  for (const a of demand.arrivals) {
    const topic = topics.get(a.topicId);
    if (!topic || a.perHour <= 0) continue;
    const serviceSec = measured.get(a.topicId)?.serviceMeanSec ?? topic.expectedServiceMin * 60;
    const load = loads.get(topic.skill) ?? {
      skill: topic.skill,
      perHour: 0,
      handleSec: 0,
      serviceSec: 0,
      byLanguage: new Map<string, number>(),
    };
    // Running means weighted by arrivals.
    const total = load.perHour + a.perHour;
    load.serviceSec = (load.serviceSec * load.perHour + serviceSec * a.perHour) / total;
    load.perHour = total;
    load.handleSec = load.serviceSec + input.settings.wrapUpSec;
    load.byLanguage.set(a.language, (load.byLanguage.get(a.language) ?? 0) + a.perHour);
    loads.set(topic.skill, load);
  }
  return [...loads.values()].sort((a, b) => (a.skill < b.skill ? -1 : 1));
}

function addInto(into: HourOutcome, from: HourOutcome): void {
  into.customers += from.customers;
  into.within += from.within;
  for (const [skill, s] of from.bySkill) {
    const t = into.bySkill.get(skill) ?? { customers: 0, within: 0 };
    t.customers += s.customers;
    t.within += s.within;
    into.bySkill.set(skill, t);
  }
}

/**
 * A skill's share is settled when it lies two standard errors (at the level) from the level:
 * more days would hardly move it to the other side.
 */
function settled(s: Served | undefined, pct: number): boolean {
  if (!s || s.customers === 0) return false;
  const level = pct / 100;
  const error = Math.sqrt((level * (1 - level)) / s.customers);
  return Math.abs(s.within / s.customers - level) >= 2 * error;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A share within the level in %, one decimal; null with no customers. */
const pctOf = (s: Served | undefined): number | null =>
  s && s.customers > 0 ? round((100 * s.within) / s.customers, 1) : null;
