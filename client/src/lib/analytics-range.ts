/**
 * The analytics view's ranges, as the store counts days: "today" is the store's local day,
 * wherever the console is opened (a manager travelling, a head office in another zone).
 */

export const PRESETS = ["today", "week", "fourWeeks", "custom"] as const;
export type Preset = (typeof PRESETS)[number];

export interface DayRange {
  /** First and last store-local day, both included (YYYY-MM-DD). */
  from: string;
  to: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The day `at` falls on in `timeZone` (YYYY-MM-DD); an unknown zone falls back to the browser's. */
export function storeDay(at: number, timeZone: string | undefined): string {
  const options: Intl.DateTimeFormatOptions = { year: "numeric", month: "2-digit", day: "2-digit" };
  try {
    return new Intl.DateTimeFormat("sv-SE", { ...options, timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat("sv-SE", options).format(at);
  }
}

/** `day` moved by `days` calendar days (counted on the date itself, so no zone shifts it). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whether `day` is a real calendar date written YYYY-MM-DD. */
export function isDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const at = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().startsWith(day);
}

/** A preset's days ending with the store's today: 1, 7 or 28 of them. */
export function presetRange(
  preset: Exclude<Preset, "custom">,
  now: number,
  timeZone: string | undefined,
): DayRange {
  const to = storeDay(now, timeZone);
  const length = preset === "today" ? 1 : preset === "week" ? 7 : 28;
  return { from: addDays(to, -(length - 1)), to };
}
