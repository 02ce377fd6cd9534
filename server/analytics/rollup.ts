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
