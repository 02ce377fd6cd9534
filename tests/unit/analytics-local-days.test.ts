import { describe, expect, it } from "vitest";
import { localDayBounds } from "../../server/analytics/local-days.js";

const HOUR = 60 * 60_000;

describe("a store-local day as UTC instants", () => {
  it("runs from local midnight to the next, wherever in the day the time falls", () => {
    // Kyiv is UTC+2 in November: the 23rd runs from 22:00 UTC on the 22nd.
    const day = { start: Date.UTC(2026, 10, 22, 22), end: Date.UTC(2026, 10, 23, 22) };
    expect(localDayBounds(day.start, "Europe/Kyiv")).toEqual(day);
    expect(localDayBounds(Date.UTC(2026, 10, 23, 9, 7, 3), "Europe/Kyiv")).toEqual(day);
    expect(localDayBounds(day.end - 1, "Europe/Kyiv")).toEqual(day);
    expect(localDayBounds(Date.UTC(2026, 10, 23, 12), "UTC")).toEqual({
      start: Date.UTC(2026, 10, 23),
      end: Date.UTC(2026, 10, 24),
    });
  });

  it("is 23 or 25 hours long on the days the clocks change, and keeps quarter-hour offsets", () => {
    const spring = localDayBounds(Date.UTC(2026, 2, 29, 12), "Europe/Kyiv");
    expect(spring).toEqual({ start: Date.UTC(2026, 2, 28, 22), end: Date.UTC(2026, 2, 29, 21) });
    const autumn = localDayBounds(Date.UTC(2026, 9, 25, 12), "Europe/Kyiv");
    expect(autumn.end - autumn.start).toBe(25 * HOUR);
    // Nepal is UTC+5:45.
    expect(localDayBounds(Date.UTC(2026, 10, 23, 12), "Asia/Kathmandu").start).toBe(
      Date.UTC(2026, 10, 22, 18, 15),
    );
  });
});
