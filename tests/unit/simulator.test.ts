import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runIdealDay } from "../../bench/simulate/ideal-day.js";
import { figuresOf, rowsOf } from "../../bench/simulate/report.js";
import { drawArrivals } from "../../server/simulation/arrivals.js";
import { runEngineDay } from "../../server/simulation/engine-day.js";
import { loadProfile } from "../../server/simulation/profile.js";
import { storeSettingsSchema } from "../../shared/settings.js";

/** The store-day simulator: a shipped profile's day through the engine, accounted for whole. */

const profile = loadProfile(
  fileURLToPath(new URL("../../bench/simulate/profiles/quiet-weekday.json", import.meta.url)),
);

describe("the store-day simulator", () => {
  it("plays a whole day through the engine: everyone served or gone, quotes recorded, no unfair skip", () => {
    const arrivals = drawArrivals(profile, 1);
    expect(arrivals.length).toBeGreaterThan(100);
    const day = runEngineDay(profile, arrivals, 1);
    expect(day.customers).toHaveLength(arrivals.length);
    for (const c of day.customers) expect(c.servedAt !== undefined || c.left).toBe(true);
    expect(day.unfairSkips).toBe(0);
    const settings = storeSettingsSchema.parse({
      name: "x",
      timezone: "UTC",
      languages: ["en"],
      topics: [],
      ...profile.settings,
    });
    const ideal = runIdealDay(profile, arrivals, settings);
    const f = figuresOf(rowsOf([{ seed: 1, day, ideal }]), day.busy, day.shifts, [0, 48 * 3.6e6]);
    // Every customer who joined the line was quoted, and most were served inside it.
    expect(f.quoted).toBe(f.served);
    expect(f.inside / f.quoted).toBeGreaterThan(0.8);
    expect(f.utilisation).toBeGreaterThan(0.2);
    expect(f.utilisation).toBeLessThan(1);
  });

  it("gives the same day for the same seed, and another for another", () => {
    const a = runEngineDay(profile, drawArrivals(profile, 2), 2);
    const b = runEngineDay(profile, drawArrivals(profile, 2), 2);
    expect(b.customers.map((c) => c.servedAt)).toEqual(a.customers.map((c) => c.servedAt));
    const c = drawArrivals(profile, 3);
    expect(c.map((x) => x.at)).not.toEqual(drawArrivals(profile, 2).map((x) => x.at));
  });
});
