import type { StoreSettings } from "../../shared/settings.js";
import type { HourDemand } from "./demand.js";
import { agentsFor } from "./erlang-c.js";
import {
  type HourOutcome,
  type HourPlan,
  type SimulatedTopic,
  type SkillStaff,
  simulateHour,
} from "./hour-simulation.js";

/**
 * The staffing advisor: how many associates each hour of the week needs so that the service
 * level the manager set is met, skill by skill. Erlang C gives the first figure per skill; the
 * hour is then played through the engine after the hour before it, and the staff lowered while
 * the level still holds (a short peak from an empty line needs fewer than the steady state) or
 * raised until it does (the formula pools nobody across skills, and waits for a language).
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
   * How many of the recommended should speak each language its customers asked for (besides
   * the store's first): Erlang C for those customers alone, one at least.
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
}

export interface AdvisorInput {
  settings: StoreSettings;
  topics: readonly SimulatedTopic[];
  hours: readonly HourDemand[];
  serviceLevel: ServiceLevel;
}

/** Simulated customers per batch of days, and the most days one plan is given. */
const BATCH_CUSTOMERS = 60;
const MAX_BATCH = 12;
const MAX_DAYS = 24;
const MIN_BATCHES = 2;
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
    const { hour, plan } = await adviseHour(input, demand, before, after);
    advice.push(hour);
    previous = plan && { weekday: demand.weekday, hour: demand.hour, plan };
  }
  return advice;
}

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
    const erlangC = formula.reduce((a, b) => a + b, 0);
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
        speakers: staff[k]?.speakers ?? {},
      })),
    };
  });
}

/** The next hour as Erlang C staffs it (its own advice is made after this hour's). */
function formulaPlan(input: AdvisorInput, demand: HourDemand): HourPlan | undefined {
  const skills = loadsOf(input, demand);
  if (skills.length === 0) return undefined;
  const staff = staffing(input, skills);
  return { arrivals: demand.arrivals, staff: staff.staffFor(staff.formula) };
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
): Promise<{ hour: HourAdvice; plan: HourPlan | undefined }> {
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
  if (perHour <= 0) return { hour, plan: undefined };

  // Days are simulated a batch at a time (about BATCH_CUSTOMERS customers), until every skill
  // is clearly above or below the level: most plans are settled in a batch or two, and the
  // close ones get the days they need.
  const batch = Math.min(MAX_BATCH, Math.max(1, Math.ceil(BATCH_CUSTOMERS / perHour)));
  const setup = { settings: input.settings, topics: input.topics, withinSec };
  const arrivals = demand.arrivals;
  const evaluated = new Map<string, HourOutcome>();
  const run = async (counts: number[]): Promise<HourOutcome> => {
    const key = counts.join(",");
    const known = evaluated.get(key);
    if (known) return known;
    const outcome: HourOutcome = { customers: 0, within: 0, bySkill: new Map() };
    for (let days = 0; days < MAX_DAYS; ) {
      // One batch of days at a time, then the server's other work: the advice runs in a request.
      await new Promise((resolve) => setImmediate(resolve));
      const seeds = Array.from({ length: batch }, (_, i) => days + i + 1);
      days += batch;
      const plan = { arrivals, staff: staffFor(counts) };
      addInto(outcome, simulateHour(setup, before, plan, seeds, after));
      if (days >= MIN_BATCHES * batch && skills.every((s) => settled(outcome, s.skill, pct))) break;
    }
    evaluated.set(key, outcome);
    return outcome;
  };
  const shareOf = (o: HourOutcome, skill: string): number => {
    const s = o.bySkill.get(skill);
    return s && s.customers > 0 ? s.within / s.customers : 1;
  };
  const meets = (o: HourOutcome) => skills.every((s) => shareOf(o, s.skill) >= pct / 100);

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
    speakers: staff[k]?.speakers ?? {},
  }));
  return { hour, plan: { arrivals, staff } };
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
function settled(o: HourOutcome, skill: string, pct: number): boolean {
  const s = o.bySkill.get(skill);
  if (!s || s.customers === 0) return false;
  const level = pct / 100;
  const error = Math.sqrt((level * (1 - level)) / s.customers);
  return Math.abs(s.within / s.customers - level) >= 2 * error;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
