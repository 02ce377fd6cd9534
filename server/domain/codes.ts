import { localDayHour } from "./local-time.js";
import type { StoreState } from "./state.js";

/** Per time zone, the day of the last minute asked about (every check-in asks; zones' day
 * boundaries fall on whole minutes, so a minute has one day). */
const lastDays = new Map<string, { minute: number; day: string }>();

/** The store's local calendar day of `at`, as YYYY-MM-DD. */
export function localDay(at: number, timeZone: string): string {
  const minute = Math.floor(at / 60_000);
  const last = lastDays.get(timeZone);
  if (last?.minute === minute) return last.day;
  const { day } = localDayHour(at, timeZone);
  lastDays.set(timeZone, { minute, day });
  return day;
}

/** The next public code for a topic letter: "P-017", numbered per letter per local day. */
export function nextVisitCode(
  state: StoreState,
  letter: string,
  at: number,
): { code: string; day: string; number: number } {
  const day = localDay(at, state.settings.timezone);
  const last = day === state.codeDay ? (state.codeCounters.get(letter) ?? 0) : 0;
  const number = last + 1;
  return { code: `${letter}-${String(number).padStart(3, "0")}`, day, number };
}
