import { type Counters, addInto } from "./counters.js";
import { type DayModel, cellOf } from "./fold.js";

/**
 * A day's counters added up per breakdown (groups `total`, `hour:9`, `topic:phones`,
 * `associate:ana`, `language:uk`, `channel:kiosk`): what a query over many days reads, instead
 * of every cell of every day. Made from the day's cells each time the day is saved.
 */
export interface DayRollup {
  day: string;
  through: number;
  groups: Record<string, Counters>;
}

export const TOTAL = "total";

export function rollupOf(day: DayModel): DayRollup {
  const groups: Record<string, Counters> = {};
  const into = (group: string, counters: Counters) => {
    groups[group] ??= {};
    addInto(groups[group], counters);
  };
  for (const [key, counters] of Object.entries(day.cells)) {
    const cell = cellOf(key);
    into(TOTAL, counters);
    into(`hour:${cell.hour}`, counters);
    into(`topic:${cell.topicId}`, counters);
    into(`associate:${cell.associateId}`, counters);
    into(`language:${cell.language}`, counters);
    into(`channel:${cell.channel}`, counters);
  }
  return { day: day.day, through: day.through, groups };
}

/** A day's rollup, from either form. */
export const asRollup = (day: DayModel | DayRollup): DayRollup =>
  "groups" in day ? day : rollupOf(day);

/**
 * `saved` (in `range` order) with the days of `open` (time still being counted, never saved)
 * added for the dates in `range`: a new rollup where both have a day, the saved ones untouched.
 */
export function withOpen(
  saved: readonly DayRollup[],
  range: readonly string[],
  open: readonly DayModel[],
): DayRollup[] {
  if (open.length === 0) return [...saved];
  const byDay = new Map(saved.map((r) => [r.day, r]));
  const inRange = new Set(range);
  for (const model of open) {
    if (!inRange.has(model.day)) continue;
    const extra = rollupOf(model);
    const kept = byDay.get(model.day);
    if (!kept) {
      byDay.set(model.day, extra);
      continue;
    }
    const groups: Record<string, Counters> = {};
    for (const [group, counters] of Object.entries(kept.groups)) groups[group] = { ...counters };
    for (const [group, counters] of Object.entries(extra.groups))
      groups[group] = addInto(groups[group] ?? {}, counters);
    byDay.set(model.day, { ...kept, groups });
  }
  return range.flatMap((day) => {
    const rollup = byDay.get(day);
    return rollup ? [rollup] : [];
  });
}
