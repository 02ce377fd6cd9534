import { type Arrival, presentAt } from "../../server/simulation/arrivals.js";
import { EventQueue } from "../../server/simulation/event-queue.js";
import { type Profile, minutesOf } from "../../server/simulation/profile.js";
import type { StoreSettings } from "../../shared/settings.js";

/**
 * The same day under an ideal dispatcher, for comparison: first come, first served per skill
 * and language (anyone once a visit has waited its widening time), nobody declines or misses
 * an offer, the same service times, answer delays, wrap-up, patience, browsing and shifts.
 * Returns when each customer was accepted (undefined: they left first).
 */
export function runIdealDay(
  profile: Profile,
  arrivals: Arrival[],
  settings: StoreSettings,
): Array<number | undefined> {
  const MIN = 60_000;
  const queue = new EventQueue();
  const servedAt: Array<number | undefined> = arrivals.map(() => undefined);
  const gone = new Set<number>();
  const paused = new Set<number>();
  const waiting: Arrival[] = [];
  const skillOf = new Map(profile.topics.map((t) => [t.id, t.skill]));
  const staff = profile.associates.map((a) => ({
    ...a,
    onShift: false,
    busyUntil: 0,
    idleSince: 0,
  }));
  const wideningMs = (a: Arrival) => {
    const skill = skillOf.get(a.topicId) ?? "";
    return (settings.wideningMinBySkill[skill] ?? settings.wideningMin) * MIN;
  };
  let now = 0;

  const match = () => {
    const free = staff
      .filter((s) => s.onShift && s.busyUntil <= now)
      .sort((x, y) => x.idleSince - y.idleSince || (x.id < y.id ? -1 : 1));
    for (let i = 0; i < waiting.length && free.length > 0; i++) {
      const v = waiting[i] as Arrival;
      if (paused.has(v.index) || presentAt(v) > now) continue;
      const widened = now >= presentAt(v) + wideningMs(v);
      const k = free.findIndex(
        (s) =>
          widened ||
          (s.skills.includes(skillOf.get(v.topicId) ?? "") &&
            (v.language === undefined || s.languages.includes(v.language))),
      );
      if (k < 0) continue;
      const [s] = free.splice(k, 1);
      if (!s) continue;
      waiting.splice(i--, 1);
      const start = now + v.answerMs;
      servedAt[v.index] = start;
      s.busyUntil = start + v.serviceMs + settings.wrapUpSec * 1000;
      s.idleSince = s.busyUntil;
      queue.push(s.busyUntil, match);
    }
  };

  for (const s of staff) {
    for (const [from, to] of s.shifts) {
      queue.push(minutesOf(from) * MIN, () => {
        s.onShift = true;
        s.idleSince = Math.max(s.idleSince, now);
        match();
      });
      queue.push(minutesOf(to) * MIN, () => {
        s.onShift = false;
      });
    }
  }
  for (const a of arrivals) {
    const present = presentAt(a);
    queue.push(present, () => {
      waiting.push(a);
      waiting.sort((x, y) => x.at - y.at || x.index - y.index);
      match();
    });
    queue.push(present + wideningMs(a), match);
    if (a.pause) {
      const { afterMs, forMs } = a.pause;
      queue.push(present + afterMs, () => {
        if (servedAt[a.index] === undefined) paused.add(a.index);
      });
      queue.push(present + afterMs + forMs, () => {
        paused.delete(a.index);
        match();
      });
    }
    queue.push(present + a.patienceMs, () => {
      if (servedAt[a.index] !== undefined || gone.has(a.index)) return;
      gone.add(a.index);
      const i = waiting.indexOf(a);
      if (i >= 0) waiting.splice(i, 1);
    });
  }
  const endAt = minutesOf(profile.close) * MIN + 4 * 60 * MIN;
  queue.run((at) => {
    if (at > endAt) return false;
    now = Math.max(now, at);
    return true;
  });
  return servedAt;
}
