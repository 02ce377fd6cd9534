import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { localDayHour } from "../../server/domain/local-time.js";

/**
 * The store-local day and hour, remembered per UTC quarter hour (server/domain/local-time.ts),
 * always agree with the time zone database, in any order of asking, across DST changes and in
 * zones a quarter or half hour off UTC.
 */

const ZONES = [
  "UTC",
  "Europe/Kyiv",
  "Europe/Madrid",
  "America/New_York",
  "America/St_Johns",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Eucla",
  "Pacific/Chatham",
  "Australia/Lord_Howe",
];

function fromDatabase(at: number, timeZone: string) {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    hourCycle: "h23",
  });
  for (const part of format.formatToParts(at)) parts[part.type] = part.value;
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
}

describe("store-local day and hour", () => {
  it("agree with the time zone database, asked in any order", () => {
    const from = Date.UTC(2024, 0, 1);
    const to = Date.UTC(2030, 0, 1);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: from, max: to }), fc.constantFrom(...ZONES)), {
          minLength: 1,
          maxLength: 40,
        }),
        (asks) => {
          for (const [at, zone] of asks)
            expect(localDayHour(at, zone), `${new Date(at).toISOString()} ${zone}`).toEqual(
              fromDatabase(at, zone),
            );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agree minute by minute across a day with a DST change", () => {
    // Europe/Kyiv leaves summer time on 2026-10-25 at 04:00 local (01:00 UTC); Lord Howe moves
    // by half an hour.
    for (const zone of ["Europe/Kyiv", "Australia/Lord_Howe", "America/St_Johns"])
      for (let at = Date.UTC(2026, 9, 24, 12); at < Date.UTC(2026, 9, 26, 12); at += 60_000)
        expect(localDayHour(at, zone)).toEqual(fromDatabase(at, zone));
  });
});
