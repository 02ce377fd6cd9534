import { afterEach, describe, expect, it } from "vitest";
import { WorkerAdviceMaker, inProcess } from "../../server/staffing/advice-maker.js";
import type { AdvisorInput, HourAdvice } from "../../server/staffing/advisor.js";
import { teamOf } from "../../server/staffing/team.js";
import { storeSettingsSchema } from "../../shared/settings.js";

/**
 * The staffing advice made in a worker thread (the server's way: its event loop never waits for
 * the simulation) is the advice made in process, hour by hour; a worker that dies leaves no
 * request unanswered.
 */

const settings = storeSettingsSchema.parse({
  name: "Worker test",
  timezone: "UTC",
  languages: ["en"],
  wrapUpSec: 30,
  topics: [{ id: "phones", name: "Phones", letter: "P", skill: "phones", expectedServiceMin: 6 }],
});
const input: AdvisorInput = {
  settings,
  topics: [{ id: "phones", skill: "phones", serviceMeanSec: 360, sigma: 0.5 }],
  hours: [20, 40, 15].map((perHour, i) => ({
    weekday: 2,
    hour: 10 + i,
    arrivals: [{ topicId: "phones", language: "", perHour }],
    signedIn: null,
  })),
  serviceLevel: { pct: 80, withinSec: 300 },
  team: teamOf([{ skills: ["phones"], languages: [] }]),
};

let maker: WorkerAdviceMaker | undefined;
afterEach(async () => {
  await maker?.close();
  maker = undefined;
});

describe("the staffing advice in a worker thread", () => {
  it("is the advice made in process, each hour told as it is made", async () => {
    const here = await inProcess.advise(input, []);
    maker = new WorkerAdviceMaker();
    const progress: HourAdvice[] = [];
    const there = await maker.advise(input, progress);
    expect(there).toEqual(here);
    expect(there.map((h) => h.recommended).every((n) => n > 0)).toBe(true);
    // Each hour reached the caller when the worker made it (before the whole-day check).
    expect(progress.map((h) => h.hour)).toEqual([10, 11, 12]);
  }, 60_000);

  it("makes a job in process when the worker dies under it, and starts a new worker after", async () => {
    const here = await inProcess.advise(input, []);
    maker = new WorkerAdviceMaker();
    const progress: HourAdvice[] = [];
    const job = maker.advise(input, progress);
    // The worker is killed as soon as it has told the first hour.
    await expect.poll(() => progress.length, { timeout: 30_000 }).toBeGreaterThan(0);
    await (maker as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect(await job).toEqual(here);
    // The hours told before it died were not counted twice.
    expect(progress.map((h) => h.hour)).toEqual([10, 11, 12]);
    expect(await maker.advise(input, [])).toEqual(here);
  }, 60_000);

  it("refuses new work once closed, and ends the work in flight", async () => {
    maker = new WorkerAdviceMaker();
    const job = expect(maker.advise(input, [])).rejects.toThrow("closed");
    await maker.close();
    await job;
    await expect(maker.advise(input, [])).rejects.toThrow("closed");
  }, 60_000);
});
