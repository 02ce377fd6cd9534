import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AnalyticsProjector } from "../../server/analytics/projector.js";
import { BREAKDOWNS, breakdown, total } from "../../server/analytics/report.js";
import {
  type AnalyticsStorage,
  FileAnalyticsStorage,
  RedisAnalyticsStorage,
} from "../../server/analytics/storage.js";
import { QueueService, type QueueServiceOptions } from "../../server/app/queue-service.js";
import { silentLogger } from "../../server/logger.js";
import { makeRedisLink } from "../../server/redis-client.js";
import { type EventStore, LogTrimmed } from "../../server/store/event-store.js";
import { RedisLease, type StoreLease } from "../../server/webhooks/lease.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { MIN, SEC, T0, demoSettings } from "../support/engine.js";
import { type Place, clusterBackend, freshPlace, serverBackends } from "../support/server.js";

/**
 * The analytics read models over each back end (embedded files, one Redis, a Redis Cluster):
 * kept from the log with a durable cursor, counted once across restarts and processes, and
 * never behind what retention trims.
 */

const STORE = "analytics";
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** T0 is 11:00 in Kyiv on 2026-11-23. */
const TODAY = "2026-11-23";
let requests = 0;

interface Process {
  store: EventStore;
  storage: AnalyticsStorage;
  service: QueueService;
  projector: AnalyticsProjector;
  /** How many saves this process's projector made. */
  saves(): number;
}

async function ok(service: QueueService, input: Record<string, unknown>, now: number) {
  const result = await service.execute(STORE, { requestId: `an-${++requests}`, ...input }, now);
  if (!result.ok)
    throw new Error(`${String(input.type)}: ${result.error.code} ${result.error.message}`);
  return result.data as Record<string, unknown>;
}

/** A store whose one associate, ana, is registered at `createdAt` and signs in at `signInAt`. */
async function openStore(
  service: QueueService,
  retentionDays = 30,
  createdAt = T0 - HOUR,
  signInAt = createdAt,
) {
  const settings = storeSettingsSchema.parse({ ...demoSettings, retentionDays });
  await ok(service, { type: "store:create", settings }, createdAt);
  await ok(
    service,
    {
      type: "associate:register",
      associateId: "ana",
      name: "Ana",
      skills: ["phones"],
      languages: ["en"],
      manager: false,
    },
    createdAt,
  );
  await ok(service, { type: "associate:sign-in", associateId: "ana" }, signInAt);
}

/**
 * A kiosk check-in ana serves for 5 minutes; the customer answers "partly" with kudos (unless
 * `feedback` is false). Answers the visit's id.
 */
async function wholeVisit(
  service: QueueService,
  who: string,
  now: number,
  feedback = true,
): Promise<string> {
  const { visitId } = await ok(
    service,
    {
      type: "visit:check-in",
      topicId: "phones",
      channel: "kiosk",
      name: `${who} Name`,
      customerToken: `tok-${who}-${"x".repeat(24)}`,
    },
    now,
  );
  const offerId = (await service.state(STORE)).associates.get("ana")?.offerId;
  await ok(service, { type: "offer:accept", associateId: "ana", offerId }, now + 10 * SEC);
  await ok(
    service,
    { type: "visit:complete", associateId: "ana", visitId, outcome: "resolved" },
    now + 5 * MIN,
  );
  if (feedback)
    await ok(
      service,
      { type: "feedback:give", visitId, satisfaction: "partly", kudos: true },
      now + 6 * MIN,
    );
  return String(visitId);
}

/** A store whose one associate, ana, signs in at `signInAt`. */
const staffedStore = (service: QueueService, signInAt: number) =>
  openStore(service, 30, T0 - 2 * HOUR, signInAt);

async function dayRow(projector: AnalyticsProjector, day = TODAY) {
  const { days } = await projector.read(STORE, [day]);
  return breakdown(days, "day")[0];
}

/** Saves of the read models, as events a test can wait for (never a sleep). */
class Saves extends EventEmitter<{ saved: [number] }> {
  private newest = 0;

  watch(storage: AnalyticsStorage): AnalyticsStorage {
    return {
      loadWorking: (storeId) => storage.loadWorking(storeId),
      cursor: (storeId) => storage.cursor(storeId),
      loadDays: (storeId, days) => storage.loadDays(storeId, days),
      loadRollups: (storeId, days) => storage.loadRollups(storeId, days),
      save: async (storeId, working, days) => {
        await storage.save(storeId, working, days);
        this.newest = Math.max(this.newest, working.version);
        this.emit("saved", working.version);
      },
    };
  }

  /** Resolves once a save reached `version`; fails the test after 4 s. */
  until(version: number): Promise<void> {
    if (this.newest >= version) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no save reached ${version}`)), 4000);
      const seen = (v: number) => {
        if (v < version) return;
        clearTimeout(timer);
        this.off("saved", seen);
        resolve();
      };
      this.on("saved", seen);
    });
  }
}

describe.each([...serverBackends, clusterBackend])("analytics read models: $name", (backend) => {
  let place: Place;
  let analyticsDir: string;
  let closers: Array<() => Promise<unknown>> = [];
  let saved: Saves;

  beforeEach(async (context) => {
    if (!backend.available) context.skip();
    place = await freshPlace(backend.name);
    analyticsDir = await mkdtemp(join(tmpdir(), "undivided-analytics-"));
    saved = new Saves();
  });
  afterEach(async () => {
    if (!backend.available) return;
    await closeAll();
    await place.cleanup();
    await rm(analyticsDir, { recursive: true, force: true });
  });

  async function closeAll() {
    for (const close of closers.reverse()) await close();
    closers = [];
  }

  /** A server process: its store connection, queue service and projector, as create-app wires them. */
  async function start(
    readModels?: (projector: AnalyticsProjector) => QueueServiceOptions["readModels"],
    {
      kick = true,
      projectorStore = (s: EventStore) => s,
      leaseMs,
      clock,
    }: {
      kick?: boolean;
      projectorStore?: (store: EventStore) => EventStore;
      /** On Redis: the fold lease, with this time to live, as create-app gives it. */
      leaseMs?: number;
      /** The time reads add open sessions' time up to (create-app's clock). */
      clock?: () => number;
    } = {},
  ): Promise<Process> {
    const store = await place.openStore();
    closers.push(() => store.close());
    let storage: AnalyticsStorage;
    let lease: StoreLease | undefined;
    if (place.redisUrl && place.redisPrefix) {
      const link = makeRedisLink(place.redisUrl);
      await link.connect();
      closers.push(() => link.close());
      storage = new RedisAnalyticsStorage(link, place.redisPrefix);
      if (leaseMs !== undefined)
        lease = new RedisLease(link, place.redisPrefix, leaseMs, "analytics");
    } else storage = await FileAnalyticsStorage.open(analyticsDir);
    storage = saved.watch(storage);
    let saves = 0;
    const watched = storage;
    storage = {
      loadWorking: (storeId) => watched.loadWorking(storeId),
      cursor: (storeId) => watched.cursor(storeId),
      loadDays: (storeId, days) => watched.loadDays(storeId, days),
      loadRollups: (storeId, days) => watched.loadRollups(storeId, days),
      save: (storeId, working, days) => {
        saves++;
        return watched.save(storeId, working, days);
      },
    };
    const projector = new AnalyticsProjector(
      {
        store: projectorStore(store),
        storage,
        logger: silentLogger,
        stateOf: (storeId) => service.state(storeId),
        lease,
        clock,
      },
      { foldAfterMs: 20 },
    );
    closers.push(() => projector.close());
    const service: QueueService = new QueueService({
      store,
      logger: silentLogger,
      readModels: readModels ? readModels(projector) : projector,
    });
    // As create-app wires it: the commits appended here are handed to the projector.
    if (kick) service.events.on("committed", ({ commit }) => projector.committed(commit));
    closers.push(() => service.drain());
    return { store, storage, service, projector, saves: () => saves };
  }

  it("folds the log into the store-local day, and counts it once across a restart", async () => {
    const first = await start();
    await openStore(first.service);
    await wholeVisit(first.service, "Olena", T0);
    await wholeVisit(first.service, "Marta", T0 + HOUR);
    const version = (await first.service.state(STORE)).version;
    expect(await first.projector.catchUp(STORE)).toBe(version);
    const before = await dayRow(first.projector);
    expect(before).toMatchObject({ arrivals: 2, served: 2, satisfactionPartly: 2, kudos: 2 });
    expect(before?.serviceP50Sec).toBeGreaterThan(240);
    expect(before?.serviceP50Sec).toBeLessThanOrEqual(300);

    await closeAll();
    const second = await start();
    // The cursor was kept: nothing to fold again.
    expect((await second.storage.loadWorking(STORE))?.version).toBe(version);
    expect(await dayRow(second.projector)).toEqual(before);
    await wholeVisit(second.service, "Ivan", T0 + 2 * HOUR);
    expect(await dayRow(second.projector)).toMatchObject({ arrivals: 3, served: 3 });

    // The rollups saved with each day (what the API reads) add up to what the cells do.
    const { days } = await second.projector.read(STORE, [TODAY]);
    const rollups = (await second.projector.readRollups(STORE, [TODAY])).days;
    expect(rollups.map((r) => r.through)).toEqual(days.map((d) => d.through));
    for (const by of BREAKDOWNS) expect(breakdown(rollups, by), by).toEqual(breakdown(days, by));
    expect(breakdown(rollups, "hour").map((r) => r.key)).toEqual(["11:00", "12:00", "13:00"]);
  });

  it("counts feedback given days after a restart against the visit's associate and topic", async () => {
    const first = await start();
    await openStore(first.service);
    const visitId = await wholeVisit(first.service, "Olena", T0, false);
    await first.projector.catchUp(STORE);
    await closeAll();
    const second = await start();
    // The cursor keeps only open visits; the closed one comes back from the day it closed on.
    const cursor = await second.storage.loadWorking(STORE);
    expect(cursor?.visits.has(visitId)).toBe(false);
    const later = T0 + 3 * DAY;
    await ok(second.service, { type: "feedback:give", visitId, satisfaction: "no" }, later);
    await second.projector.catchUp(STORE);
    const day = new Date(later).toISOString().slice(0, 10);
    const { days } = await second.projector.read(STORE, [day]);
    const ana = breakdown(days, "associate").find((r) => r.key === "ana");
    expect(ana).toMatchObject({ satisfactionNo: 1, disputed: 1 });
    expect(breakdown(days, "topic").find((r) => r.key === "phones")?.satisfactionNo).toBe(1);
  });

  it("counts staffed time into each day a shift spans, keeping what those days counted", async () => {
    const { service, projector } = await start();
    // ana signed in at 10:00 local (openStore), serves a visit, signs out at 03:00 the next day.
    await openStore(service);
    await wholeVisit(service, "Olena", T0);
    // A visit after midnight, folded: the projector now holds that day, not the one before.
    await wholeVisit(service, "Marta", T0 + 14 * HOUR);
    await projector.catchUp(STORE);
    await ok(service, { type: "associate:sign-out", associateId: "ana" }, T0 + 16 * HOUR);
    await projector.catchUp(STORE);
    expect(await dayRow(projector)).toMatchObject({ arrivals: 1, served: 1, staffedHours: 14 });
    expect(await dayRow(projector, "2026-11-24")).toMatchObject({ arrivals: 1, staffedHours: 3 });
  });

  it("counts the time of an associate still signed in into today's report, up to now, unsaved", async () => {
    let now = T0 + 30 * MIN;
    const { service, projector, storage } = await start(undefined, { clock: () => now });
    // Signed in at 09:00 in Kyiv, still signed in at 11:30.
    await staffedStore(service, T0 - 2 * HOUR);
    const { days } = await projector.readRollups(STORE, [TODAY]);
    expect(breakdown(days, "day")[0]?.staffedHours).toBe(2.5);
    expect(total(days).staffedHours).toBe(2.5);
    const byHour = breakdown(days, "hour").map((r) => [r.key, r.staffedHours]);
    expect(byHour).toEqual([
      ["09:00", 1],
      ["10:00", 1],
      ["11:00", 0.5],
    ]);
    expect(breakdown(days, "associate").find((r) => r.key === "ana")?.staffedHours).toBe(2.5);
    // Nothing of it was saved: the fold counts it at the sign-out.
    const kept = await storage.loadRollups(STORE, [TODAY]);
    expect(breakdown(kept, "day")[0]?.staffedHours ?? 0).toBe(0);
    now = T0 + 2 * HOUR;
    expect(total((await projector.readRollups(STORE, [TODAY])).days).staffedHours).toBe(4);
  });

  it("closes each day of a session left open as the next day's first commit comes", async () => {
    const first = await start();
    // Monday 2026-11-23, Kyiv (UTC+2): signed in at 20:00, never signed out; a visit at 21:00.
    const monday20 = T0 + 9 * HOUR;
    await staffedStore(first.service, monday20);
    await wholeVisit(first.service, "Olena", monday20 + HOUR);
    await first.projector.catchUp(STORE);
    // A restart: the next commit finds Monday's day (and the open session) from storage.
    await closeAll();
    const { service, projector, storage } = await start();
    const wednesday10 = monday20 + 38 * HOUR;
    await ok(
      service,
      { type: "associate:set-presence", associateId: "ana", presence: "away" },
      wednesday10,
    );
    await projector.catchUp(STORE);
    const { days } = await projector.read(STORE, [TODAY, "2026-11-24", "2026-11-25"]);
    const byDay = breakdown(days, "day").map((r) => [r.key, r.staffedHours, r.arrivals]);
    expect(byDay).toEqual([
      [TODAY, 4, 1],
      ["2026-11-24", 24, 0],
    ]);
    const hours = (day: string) =>
      breakdown(
        days.filter((d) => d.day === day),
        "hour",
      ).flatMap((r) => (r.staffedHours > 0 ? [`${r.key}=${r.staffedHours}`] : []));
    expect(hours(TODAY)).toEqual(["20:00=1", "21:00=1", "22:00=1", "23:00=1"]);
    expect(hours("2026-11-24")).toHaveLength(24);
    expect(hours("2026-11-24").every((h) => h.endsWith("=1"))).toBe(true);
    // Wednesday is counted from its local midnight (22:00 UTC on Tuesday) on.
    const wednesday0 = Date.UTC(2026, 10, 24, 22);
    expect((await storage.loadWorking(STORE))?.signedIn.get("ana")).toBe(wednesday0);
    await ok(service, { type: "associate:sign-out", associateId: "ana" }, wednesday10 + HOUR);
    await projector.catchUp(STORE);
    const after = await projector.read(STORE, [TODAY, "2026-11-24", "2026-11-25"]);
    expect(breakdown(after.days, "day").map((r) => r.staffedHours)).toEqual([4, 24, 11]);
  });

  it("folds and saves what a commit woke within foldAfterMs, unasked", async () => {
    const { service, storage } = await start();
    await openStore(service);
    await wholeVisit(service, "Olena", T0);
    const version = (await service.state(STORE)).version;
    await saved.until(version);
    expect((await storage.loadDays(STORE, [TODAY]))[0]?.through).toBe(version);
  });

  it("folds the commits this process appended from memory, without reading the log back", async () => {
    let reads = 0;
    const a = await start(undefined, {
      projectorStore: (store) =>
        new Proxy(store, {
          get(target, name) {
            const value = Reflect.get(target, name, target);
            if (name !== "read") return typeof value === "function" ? value.bind(target) : value;
            return (...args: Parameters<EventStore["read"]>) => {
              reads++;
              return target.read(...args);
            };
          },
        }),
    });
    await openStore(a.service);
    await a.projector.catchUp(STORE);
    const readsBefore = reads;
    await wholeVisit(a.service, "Olena", T0);
    await saved.until((await a.service.state(STORE)).version);
    expect(reads).toBe(readsBefore);
    expect(await dayRow(a.projector)).toMatchObject({ arrivals: 1, served: 1, kudos: 1 });
    // Another process's commits come between: the fold reads them from the log.
    if (backend.name === "embedded") return;
    const b = await start(undefined, { kick: false });
    await wholeVisit(b.service, "Marta", T0 + HOUR);
    await wholeVisit(a.service, "Ivan", T0 + 2 * HOUR);
    await saved.until((await a.service.state(STORE)).version);
    expect(await dayRow(a.projector)).toMatchObject({ arrivals: 3, served: 3, kudos: 3 });
  });

  // Two processes share a store only on Redis (the embedded journal is one process's).
  if (backend.name !== "embedded")
    it("with the fold lease, one process folds what both append; a lease gone quiet passes on", async () => {
      const a = await start(undefined, { leaseMs: 5000 });
      await openStore(a.service);
      await saved.until((await a.service.state(STORE)).version);
      // a holds the lease now; b's commits are folded by a (from the log), b never saves.
      const b = await start(undefined, { leaseMs: 5000 });
      await wholeVisit(b.service, "Marta", T0);
      await wholeVisit(a.service, "Olena", T0 + HOUR);
      await saved.until((await a.service.state(STORE)).version);
      expect(b.saves()).toBe(0);
      expect(await dayRow(a.projector)).toMatchObject({ arrivals: 2, served: 2, kudos: 2 });
      // a stops (its lease let go): b's next commits are b's to fold, unasked.
      const savesBefore = b.saves();
      await a.projector.close();
      await wholeVisit(b.service, "Ivan", T0 + 2 * HOUR);
      await saved.until((await b.service.state(STORE)).version);
      expect(b.saves()).toBeGreaterThan(savesBefore);
      expect(await dayRow(b.projector)).toMatchObject({ arrivals: 3, served: 3, kudos: 3 });
    });

  if (backend.name !== "embedded")
    it("two processes folding the same store count each commit once", async () => {
      const a = await start();
      const b = await start();
      await openStore(a.service);
      await wholeVisit(a.service, "Olena", T0);
      await wholeVisit(b.service, "Marta", T0 + HOUR);
      await Promise.all([a.projector.catchUp(STORE), b.projector.catchUp(STORE)]);
      b.projector.kick(STORE);
      await Promise.all([a.projector.catchUp(STORE), b.projector.catchUp(STORE)]);
      expect(await dayRow(a.projector)).toMatchObject({ arrivals: 2, served: 2, kudos: 2 });
      expect(await dayRow(b.projector)).toMatchObject({ arrivals: 2, served: 2, kudos: 2 });
    });

  it("retention trims the log only once analytics folded it: the counts stay", async () => {
    // Commits do not wake the fold here: the trim itself must make it catch up first.
    const { store, service, projector } = await start(undefined, { kick: false });
    await openStore(service, 1);
    await wholeVisit(service, "Olena", T0);
    await service.drain();
    expect(await service.runDueTimers(T0 + DAY + 2 * HOUR)).toBe(1);
    await service.drain();
    await expect(store.read(STORE, 0)).rejects.toBeInstanceOf(LogTrimmed);
    expect(await dayRow(projector)).toMatchObject({ arrivals: 1, served: 1, kudos: 1 });
    await closeAll();
    const restarted = await start();
    expect(await dayRow(restarted.projector)).toMatchObject({ arrivals: 1, served: 1, kudos: 1 });
  });

  it("retention trims nothing while analytics cannot catch up", async () => {
    const { store, service } = await start(() => ({
      catchUp: () => Promise.reject(new Error("analytics storage away")),
    }));
    await openStore(service, 1);
    await wholeVisit(service, "Olena", T0);
    expect(await service.runDueTimers(T0 + DAY + 2 * HOUR)).toBe(1);
    await service.drain();
    expect((await store.read(STORE, 0))[0]?.version).toBe(1);
  });

  // The embedded journal keeps nothing a day old behind its snapshot (the fold caught up first).
  if (backend.name !== "embedded")
    it("on Redis, the trim stops at the version analytics folded", async () => {
      const { store, service } = await start(() => ({ catchUp: async () => 3 }));
      await openStore(service, 1);
      await wholeVisit(service, "Olena", T0);
      expect(await service.runDueTimers(T0 + DAY + 2 * HOUR)).toBe(1);
      await service.drain();
      await expect(store.read(STORE, 0)).rejects.toBeInstanceOf(LogTrimmed);
      expect((await store.read(STORE, 3))[0]?.version).toBe(4);
    });
});
