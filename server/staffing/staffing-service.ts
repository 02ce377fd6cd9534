import { openStaffed } from "../analytics/fold.js";
import type { AnalyticsProjector } from "../analytics/projector.js";
import { localDayHour } from "../domain/local-time.js";
import { analyticsTargets } from "../domain/settings-view.js";
import type { StoreState } from "../domain/state.js";
import { type AdviceMaker, inProcess } from "./advice-maker.js";
import { type HourAdvice, type ServiceLevel, formulaAdvice } from "./advisor.js";
import { measure } from "./demand.js";
import type { SimulatedTopic } from "./hour-simulation.js";
import { type TeamKind, teamOf } from "./team.js";

/** What GET /api/stores/:storeId/staffing answers (docs/HTTP-API.md, "Staffing advisor"). */
export interface StaffingReport {
  storeId: string;
  timezone: string;
  weeks: number;
  from: string;
  to: string;
  serviceLevel: ServiceLevel;
  hours: HourAdvice[];
  notes: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Fewer measured visits than this and a topic's configured expectation stands in. */
const MIN_MEASURED = 5;
const DEFAULT_SIGMA = 0.5;
/** Advice kept per store (different week counts). */
const KEPT_PER_STORE = 4;
/** Newest advice kept across stores. */
const KEPT_LATEST = 1000;
const ANSWER_WITHIN_MS = 3000;

/** Advice being made: its promise, and what is known so far. */
interface Making {
  done: Promise<StaffingReport>;
  progress: {
    /** The report with Erlang C's figures, once measured; the simulated hours as made. */
    report: StaffingReport | undefined;
    hours: HourAdvice[];
  };
}

/** The hours simulated so far, Erlang C's figures for the rest, and a note saying so. */
function partial(progress: Making["progress"]): StaffingReport | undefined {
  const { report, hours } = progress;
  if (!report) return undefined;
  const made = new Map(hours.map((h) => [`${h.weekday}|${h.hour}`, h]));
  const simulated = report.hours.filter((h) => h.arrivalsPerHour > 0).length;
  const done = hours.filter((h) => h.arrivalsPerHour > 0).length;
  return {
    ...report,
    hours: report.hours.map((h) => made.get(`${h.weekday}|${h.hour}`) ?? h),
    notes: [
      ...report.notes,
      `${done} of ${simulated} hours checked by simulation so far; the others show Erlang C's figure (predictedPct null): ask again in a minute.`,
    ],
  };
}

const addDays = (day: string, days: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * The staffing advisor for the HTTP API: measures the last `weeks` whole weeks of the store's
 * analytics (up to yesterday, store-local) and advises on them. The advice depends only on past
 * days and the store's settings, so it is kept per store until either changes (a simulated
 * week costs seconds), and concurrent requests for the same advice share one computation. When
 * a day has passed, the previous day's advice answers at once while the new one is made.
 */
export class StaffingService {
  private readonly kept = new Map<string, Map<string, Making>>();
  /** The newest advice made, per store, weeks and settings: answered while a newer is made. */
  private readonly latest = new Map<string, StaffingReport>();

  /**
   * `maker`: where the simulation runs (the server's is a worker thread). `answerWithinMs`: how
   * long a request waits for advice being made before it is answered with the hours simulated
   * so far and Erlang C's figure for the rest (default 3 s).
   */
  constructor(
    private readonly analytics: AnalyticsProjector,
    private readonly maker: AdviceMaker = inProcess,
    private readonly answerWithinMs = ANSWER_WITHIN_MS,
  ) {}

  async report(state: StoreState, weeks: number, now: number): Promise<StaffingReport> {
    const timezone = state.settings.timezone;
    const to = addDays(localDayHour(now, timezone).day, -1);
    const from = addDays(to, 1 - 7 * weeks);
    const same = JSON.stringify([
      state.storeId,
      weeks,
      state.settings,
      sigmasOf(state),
      teamOfStore(state),
    ]);
    const key = `${to}|${same}`;
    const forStore = this.kept.get(state.storeId) ?? new Map<string, Making>();
    this.kept.set(state.storeId, forStore);
    let making = forStore.get(key);
    if (!making) {
      const progress: Making["progress"] = { report: undefined, hours: [] };
      const done = this.make(state, weeks, from, to, now, progress).then((report) => {
        this.latest.delete(same);
        this.latest.set(same, report);
        while (this.latest.size > KEPT_LATEST)
          this.latest.delete(this.latest.keys().next().value as string);
        return report;
      });
      making = { done, progress };
      forStore.set(key, making);
      done.catch(() => forStore.delete(key));
      while (forStore.size > KEPT_PER_STORE)
        forStore.delete(forStore.keys().next().value as string);
    }
    // A new day: yesterday's advice (one day older) at once, today's made meanwhile.
    const earlier = this.latest.get(same);
    if (earlier && earlier.to < to)
      return {
        ...earlier,
        notes: [
          ...earlier.notes,
          `This advice counts the weeks to ${earlier.to}; the advice with ${to} is being worked out: ask again in a minute.`,
        ],
      };
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.answerWithinMs);
    });
    const report = await Promise.race([making.done, waited]).finally(() => clearTimeout(timer));
    if (report) return report;
    return partial(making.progress) ?? making.done;
  }

  private async make(
    state: StoreState,
    weeks: number,
    from: string,
    to: string,
    now: number,
    progress: Making["progress"],
  ): Promise<StaffingReport> {
    const sigmaTopics = simulatedTopics(state);
    const range = Array.from({ length: 7 * weeks }, (_, i) => addDays(from, i));
    const { working, days } = await this.analytics.read(state.storeId, range);
    // A session still open since before today: its time up to midnight counts (the fold closes
    // that day only at the first commit of the next; out of range, today's part is left out).
    const measured = measure([...days, ...openStaffed(working, now)], range, working.since);
    const notes: string[] = [];
    const topics = sigmaTopics.map((t) => {
      const s = measured.service.get(t.id);
      if (s && s.n >= MIN_MEASURED) return { ...t, serviceMeanSec: s.ms / s.n / 1000 };
      notes.push(
        `${topicName(state, t.id)}: fewer than ${MIN_MEASURED} visits measured, so its configured service time stands in.`,
      );
      return t;
    });
    if (working.since === undefined || working.since > to)
      notes.unshift("Nothing measured yet in these weeks: no advice until customers have come.");
    else if (working.since > from)
      notes.unshift(
        `Counting started ${working.since}: weeks before it are left out of the means, not counted as empty.`,
      );
    const { serviceLevelPct: pct, serviceLevelSec: withinSec } = analyticsTargets(state);
    const team = teamOfStore(state);
    notes.push(
      team.length > 0
        ? "Each hour's figure counts associates like the store's own: their skills and languages in the proportions the team holds them (see team); bySkill tells how many of them hold each skill."
        : "No associates with skills yet: each associate is counted for one skill, so a cross-trained team may need fewer.",
    );
    const input = {
      settings: state.settings,
      topics,
      hours: measured.hours,
      serviceLevel: { pct, withinSec },
      team,
    };
    const report: StaffingReport = {
      storeId: state.storeId,
      timezone: state.settings.timezone,
      weeks,
      from,
      to,
      serviceLevel: { pct, withinSec },
      hours: formulaAdvice(input),
      notes,
    };
    progress.report = report;
    const hours = await this.maker.advise(input, progress.hours);
    const short = skillsBelow(hours, pct);
    if (short)
      notes.push(
        `In ${short.hours} hours some skill's customers are served within the level less often than the hour's as a whole (lowest: ${short.skill}, ${short.pct} % at weekday ${short.weekday} ${short.hour}:00): the advice meets the level for each hour's customers together; more associates who hold that skill would raise it (bySkill[].predictedPct).`,
      );
    return { ...report, hours, notes };
  }
}

/** The hours where a skill's simulated share falls below the level, and the lowest of them. */
function skillsBelow(hours: readonly HourAdvice[], pct: number) {
  let lowest: { skill: string; pct: number; weekday: number; hour: number } | undefined;
  let count = 0;
  for (const h of hours) {
    const below = h.bySkill.filter((s) => s.predictedPct !== null && s.predictedPct < pct);
    if (below.length > 0) count++;
    for (const s of below)
      if (!lowest || (s.predictedPct as number) < lowest.pct)
        lowest = {
          skill: s.skill,
          pct: s.predictedPct as number,
          weekday: h.weekday,
          hour: h.hour,
        };
  }
  return lowest && { ...lowest, hours: count };
}

const topicName = (state: StoreState, topicId: string) =>
  state.settings.topics.find((t) => t.id === topicId)?.name ?? topicId;

/** The store's associates by kind of skills and languages (managers who serve included). */
function teamOfStore(state: StoreState): TeamKind[] {
  return teamOf([...state.associates.values()]);
}

/** The spread of ln(service time) per topic, from the engine's running statistics. */
function sigmasOf(state: StoreState): Record<string, number> {
  const sigmas: Record<string, number> = {};
  for (const t of state.settings.topics) {
    const stat = state.serviceStats.get(t.id);
    if (!stat || stat.count < MIN_MEASURED) continue;
    const mean = stat.sumLog / stat.count;
    const variance = Math.max(0, stat.sumLogSq / stat.count - mean * mean);
    // Rounded: the advice is kept until this changes, not until every visit ends.
    sigmas[t.id] = Math.round(Math.min(1.5, Math.max(0.1, Math.sqrt(variance))) * 10) / 10;
  }
  return sigmas;
}

/** Every topic with its configured service time, and its measured spread (or a default). */
function simulatedTopics(state: StoreState): SimulatedTopic[] {
  const sigmas = sigmasOf(state);
  return state.settings.topics.map((t) => ({
    id: t.id,
    skill: t.skill,
    serviceMeanSec: t.expectedServiceMin * 60,
    sigma: sigmas[t.id] ?? DEFAULT_SIGMA,
  }));
}
