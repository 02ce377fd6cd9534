const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * Every time zone's offset, and every change of it, falls on a quarter hour: within one UTC
 * quarter hour the local day and hour are the same. The last answer per zone is kept, as
 * commits come in time order and most fall in the same quarter hour as the one before.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const lastAnswers = new Map<string, { quarter: number; answer: { day: string; hour: number } }>();

/** The store-local calendar day (YYYY-MM-DD) and hour (0–23) of `at` in `timeZone`. */
export function localDayHour(at: number, timeZone: string): { day: string; hour: number } {
  const quarter = Math.floor(at / QUARTER_HOUR_MS);
  const last = lastAnswers.get(timeZone);
  if (last?.quarter === quarter) return last.answer;
  const answer = formatDayHour(at, timeZone);
  lastAnswers.set(timeZone, { quarter, answer });
  return answer;
}

function formatDayHour(at: number, timeZone: string): { day: string; hour: number } {
  const parts = wallClock(at, timeZone);
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
}

/** `at` as the store's wall clock shows it: "2026-11-23 11:04:09" (for exports). */
export function localDateTime(at: number, timeZone: string): string {
  const p = wallClock(at, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The parts of `at` on the wall clock of `timeZone`, two digits each (the year four). */
function wallClock(at: number, timeZone: string): Record<string, string> {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(at)) parts[part.type] = part.value;
  return parts;
}
