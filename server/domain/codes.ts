import type { StoreState } from "./state.js";

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The store's local calendar day of `at`, as YYYY-MM-DD. */
export function localDay(at: number, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dayFormats.set(timeZone, format);
  }
  return format.format(at);
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
