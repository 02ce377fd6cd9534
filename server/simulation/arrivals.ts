import { Random, drawLogNormal } from "../domain/distributions.js";
import { type Profile, minutesOf } from "./profile.js";

/**
 * One simulated customer, drawn once per day and seed so that the engine's day and the ideal
 * dispatcher's see exactly the same people: when they come, what for, how long serving them
 * takes, how patient they are, whether they browse a while or called ahead.
 */
export interface Arrival {
  index: number;
  /** Check-in time (ms of the day). */
  at: number;
  topicId: string;
  language: string | undefined;
  serviceMs: number;
  /** The first offer's answer delay (later offers draw their own). */
  answerMs: number;
  /** They leave if nobody has come this long after they are in the store. */
  patienceMs: number;
  /** "I'm browsing": after this long in line, for this long. */
  pause: { afterMs: number; forMs: number } | undefined;
  /** Called ahead: said they come in this many minutes, and come at `comesAt`. */
  callAhead: { inMin: number; comesAt: number } | undefined;
}

const MIN = 60_000;

const logNormalOf = (d: { medianMin: number; sigma: number }) => ({
  mu: Math.log(d.medianMin * MIN),
  sigma: d.sigma,
});

/** The day's customers, in arrival order. */
export function drawArrivals(profile: Profile, seed: number): Arrival[] {
  const random = new Random(`arrivals|${profile.name}|${seed}`);
  const b = profile.behaviour;
  const arrivals: Arrival[] = [];
  const topicShare = profile.topics.reduce((sum, t) => sum + t.share, 0);
  for (const period of profile.periods) {
    const end = minutesOf(period.to) * MIN;
    const rate = period.arrivalsPerHour / 60 / MIN;
    if (rate <= 0) continue;
    let t = minutesOf(period.from) * MIN;
    for (;;) {
      t += random.exponential(1 / rate);
      if (t >= end) break;
      const topic = pickByShare(profile.topics, random.next() * topicShare) ?? profile.topics[0];
      if (!topic) break;
      const language = pickByShare(profile.languages, random.next())?.code;
      const pauses = random.next() < b.pauseShare;
      const calls = random.next() < b.callAheadShare;
      const lateness = drawLogNormal(logNormalOf(b.callAheadLateness), random);
      arrivals.push({
        index: arrivals.length,
        at: t,
        topicId: topic.id,
        language,
        serviceMs: drawLogNormal(logNormalOf(topic.service), random),
        answerMs: drawLogNormal(logNormalOf(b.answer), random),
        patienceMs: drawLogNormal(logNormalOf(b.patience), random),
        pause: pauses
          ? {
              afterMs: random.next() * 3 * MIN,
              forMs: drawLogNormal(logNormalOf(b.pause), random),
            }
          : undefined,
        callAhead: calls
          ? {
              inMin: b.callAheadInMin,
              // Some come early: lateness spread around the median, sometimes negative.
              comesAt: t + b.callAheadInMin * MIN + lateness - b.callAheadLateness.medianMin * MIN,
            }
          : undefined,
      });
    }
  }
  return arrivals.sort((x, y) => x.at - y.at).map((a, index) => ({ ...a, index }));
}

/** The item whose share the point `at` (0 ≤ at < sum of shares) falls in; none past the sum. */
function pickByShare<T extends { share: number }>(items: readonly T[], at: number): T | undefined {
  let rest = at;
  for (const item of items) {
    rest -= item.share;
    if (rest < 0) return item;
  }
  return undefined;
}

/** When the customer is in the store: check-in, or arrival for call-ahead. */
export const presentAt = (a: Arrival): number => a.callAhead?.comesAt ?? a.at;
