import { describe, expect, it } from "vitest";
import { QueueService } from "../../server/app/queue-service.js";
import { toStateData } from "../../server/domain/index.js";
import { silentLogger } from "../../server/logger.js";
import type { EventStore } from "../../server/store/event-store.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { backends, storesPerTest } from "../support/backends.js";
import { MIN, NO_LAG_BOUND, SEC, T0, demoSettings } from "../support/engine.js";

/** Command handling over each real back end: retries, bad input, restarts, snapshots, timers. */

const STORE = "main-street";
let requests = 0;
const rid = () => `q-${++requests}`;

async function ok(service: QueueService, input: Record<string, unknown>, now: number) {
  const result = await service.execute(STORE, { requestId: rid(), ...input }, now);
  if (!result.ok)
    throw new Error(`${String(input.type)}: ${result.error.code} ${result.error.message}`);
  return result;
}

/** A store with two phone associates signed in, and a manager. */
async function openStoreWithStaff(service: QueueService, now = T0): Promise<void> {
  await ok(
    service,
    { type: "store:create", settings: storeSettingsSchema.parse(demoSettings) },
    now,
  );
  for (const [id, manager] of [
    ["ana", false],
    ["bo", false],
    ["max", true],
  ] as const) {
    await ok(
      service,
      {
        type: "associate:register",
        associateId: id,
        name: id,
        skills: manager ? ["service"] : ["phones"],
        languages: ["en"],
        manager,
      },
      now,
    );
    await ok(service, { type: "associate:sign-in", associateId: id }, now);
  }
}

const checkIn = (name: string) => ({
  type: "visit:check-in",
  topicId: "phones",
  channel: "kiosk",
  name,
  customerToken: `tok-${name}-${"x".repeat(24)}`,
});

/** A day's worth of traffic: check-ins, offers, accepts, completes, feedback, a decline. */
async function busyMorning(service: QueueService): Promise<void> {
  await openStoreWithStaff(service);
  let now = T0;
  for (let i = 0; i < 6; i++) {
    now += 20 * SEC;
    await ok(service, checkIn(`c${i}`), now);
    const state = await service.state(STORE);
    for (const associateId of ["ana", "bo"]) {
      const a = state.associates.get(associateId);
      if (a?.offerId && i % 3 === 2) {
        await ok(
          service,
          { type: "offer:decline", associateId, offerId: a.offerId, reason: "on break" },
          now,
        );
      } else if (a?.offerId) {
        await ok(service, { type: "offer:accept", associateId, offerId: a.offerId }, now);
      } else if (a?.visitId) {
        await ok(
          service,
          { type: "visit:complete", associateId, visitId: a.visitId, outcome: "resolved" },
          now,
        );
        await ok(
          service,
          { type: "feedback:give", visitId: a.visitId, satisfaction: "yes", kudos: true },
          now,
        );
      }
    }
  }
  await service.tick(STORE, now + 5 * MIN);
}

describe.each(backends)("queue service over the $name store", (backend) => {
  const { open } = storesPerTest(backend);

  it("gives a retried command the effect of one, however often and however concurrently", async () => {
    const service = new QueueService({
      store: await open(),
      logger: silentLogger,
      maxLagMs: NO_LAG_BOUND,
    });
    await openStoreWithStaff(service);
    const command = { requestId: "kiosk-7-tap-1", ...checkIn("Julia") };
    const first = await service.execute(STORE, command, T0 + SEC);
    const retries = await Promise.all(
      Array.from({ length: 8 }, () => service.execute(STORE, command, T0 + 2 * SEC)),
    );
    expect(first).toMatchObject({ ok: true, duplicate: false });
    for (const retry of retries) {
      expect(retry).toMatchObject({ ok: true, duplicate: true });
      if (retry.ok && first.ok) {
        expect(retry.data).toEqual(first.data);
        expect(retry.version).toBe(first.version);
      }
    }
    const state = await service.state(STORE);
    expect([...state.visits.values()].filter((v) => v.name === "Julia")).toHaveLength(1);
    // The check-in and the quote commit after it (see QueueService.quote); nothing for the retries.
    expect(state.version).toBe(first.ok ? first.version + 1 : -1);
    expect(state.visits.get(first.ok ? String(first.data.visitId) : "")?.quotes).toHaveLength(1);
  });

  it("refuses bad input with a stable code and changes nothing", async () => {
    const store = await open();
    const service = new QueueService({ store, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    await openStoreWithStaff(service);
    const before = await store.version(STORE);
    const bad: unknown[] = [
      null,
      undefined,
      42,
      "visit:check-in",
      [],
      {},
      { type: "visit:check-in" },
      { type: "no-such-command", requestId: "b1" },
      { ...checkIn("x"), requestId: "b2", topicId: 7 },
      { ...checkIn("x"), requestId: "b3", admin: true },
      { ...checkIn("x"), requestId: "b4", note: "n".repeat(501) },
      { ...checkIn("x"), requestId: "r".repeat(65) },
      { ...checkIn("x"), requestId: "" },
      { type: "offer:accept", requestId: "b5", associateId: "ana", offerId: { $ne: 1 } },
    ];
    for (const input of bad) {
      const result = await service.execute(STORE, input, T0 + MIN);
      expect(result).toMatchObject({ ok: false, error: { code: "INVALID_COMMAND" } });
      if (!result.ok) expect(result.error.message.length).toBeGreaterThan(5);
    }
    for (const storeId of ["", "../etc", "a".repeat(65), "with space"]) {
      const result = await service.execute(storeId, { ...checkIn("x"), requestId: "b7" }, T0);
      expect(result).toMatchObject({ ok: false, error: { code: "INVALID_COMMAND" } });
    }
    const badSettings = await service.execute(
      STORE,
      { type: "store:create", requestId: "b6", settings: { ...demoSettings, offerTimeoutSec: -1 } },
      T0,
    );
    expect(badSettings).toMatchObject({ ok: false, error: { code: "INVALID_SETTINGS" } });
    const refused = await service.execute(
      STORE,
      { ...checkIn("x"), requestId: "b8", topicId: "cars" },
      T0 + MIN,
    );
    expect(refused).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC" } });
    expect(await store.version(STORE)).toBe(before);
    expect(await store.storeIds()).toEqual([STORE]);
  });

  it("comes back from a restart with the same state and still knows its request ids", async () => {
    const first = await open();
    const service = new QueueService({
      store: first,
      logger: silentLogger,
      maxLagMs: NO_LAG_BOUND,
    });
    const firstRequest = `q-${requests + 1}`;
    await busyMorning(service);
    await service.drain();
    const before = await service.state(STORE);
    expect(before.visits.size + before.closed.size).toBe(6);
    expect(before.closed.size).toBeGreaterThan(0);
    await first.close();

    const restarted = new QueueService({
      store: await open(),
      logger: silentLogger,
      maxLagMs: NO_LAG_BOUND,
    });
    const after = await restarted.state(STORE);
    expect(after.version).toBe(before.version);
    expect(toStateData(after)).toEqual(toStateData(before));

    const retry = await restarted.execute(
      STORE,
      { requestId: "q-retry-probe", ...checkIn("late") },
      T0 + 10 * MIN,
    );
    const again = await restarted.execute(
      STORE,
      { requestId: "q-retry-probe", ...checkIn("late") },
      T0 + 11 * MIN,
    );
    expect(again).toMatchObject({ ok: true, duplicate: true });
    if (retry.ok && again.ok) expect(again.data).toEqual(retry.data);
    // A request id from before the restart is still a duplicate.
    const old = await restarted.execute(
      STORE,
      { requestId: firstRequest, type: "tick" },
      T0 + 12 * MIN,
    );
    expect(old).toMatchObject({ ok: true, duplicate: true, version: 1 });
  });

  it("starts from the latest snapshot and the log after it", async () => {
    const store = await open();
    const service = new QueueService({
      store,
      logger: silentLogger,
      maxLagMs: NO_LAG_BOUND,
      snapshotEvery: 5,
    });
    await busyMorning(service);
    await service.drain();
    const before = await service.state(STORE);
    // A check-in's quote is committed in a batch of its own, which may run while the state is
    // read: its snapshot write is in flight until drained.
    await service.drain();
    const snapshot = await store.loadSnapshot(STORE);
    expect(snapshot?.version).toBe(Math.floor(before.version / 5) * 5);

    const reopened = await open();
    const reads: number[] = [];
    const watched: EventStore = Object.create(reopened, {
      read: {
        value: (id: string, after: number) => {
          reads.push(after);
          return reopened.read(id, after);
        },
      },
    });
    const fresh = new QueueService({
      store: watched,
      logger: silentLogger,
      maxLagMs: NO_LAG_BOUND,
    });
    expect(toStateData(await fresh.state(STORE))).toEqual(toStateData(before));
    // Redis keeps snapshots across restarts; the embedded store replays its journal instead.
    if (backend.name === "redis") expect(reads[0]).toBe(snapshot?.version);
  });

  it("fires a due timer exactly once when two command handlers race to fire it", async () => {
    const storeA = await open();
    const storeB = backend.name === "redis" ? await open() : storeA;
    const a = new QueueService({ store: storeA, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    const b = new QueueService({ store: storeB, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    await openStoreWithStaff(a);
    await ok(a, { type: "associate:set-presence", associateId: "bo", presence: "away" }, T0);
    await ok(a, checkIn("Kim"), T0 + SEC);
    const offer = [...(await a.state(STORE)).offers.values()][0];
    expect(offer?.associateId).toBe("ana");
    if (!offer) return;
    expect(await storeA.dueStores(offer.deadline - 1, 10)).toEqual([]);
    expect(await storeA.dueStores(offer.deadline, 10)).toEqual([STORE]);

    const fired = await Promise.all([
      a.runDueTimers(offer.deadline),
      b.runDueTimers(offer.deadline),
      a.runDueTimers(offer.deadline),
      b.runDueTimers(offer.deadline),
    ]);
    // One poll claims the due store: the others do not tick it too (and lose the race).
    expect(fired.reduce((x, y) => x + y)).toBe(1);
    expect(a.counters.conflicts + b.counters.conflicts).toBe(0);
    const events = (await storeA.read(STORE, 0)).flatMap(
      (c) => c.events as Array<{ type: string }>,
    );
    expect(events.filter((e) => e.type === "offer:expired")).toHaveLength(1);
    const state = await b.state(STORE);
    expect(state.associates.get("ana")?.presence).toBe("away");
    expect(state.offers.size).toBe(0);
    // The index now holds the store's next deadline, not the fired one.
    expect(await storeA.dueStores(offer.deadline, 10)).toEqual([]);
  });
});

describe.skipIf(!backends[1]?.available)("queue service when Redis goes away", () => {
  it("answers UNAVAILABLE and does not crash", async () => {
    const redis = backends[1];
    if (!redis) return;
    const place = await redis.fresh();
    const store = await place.open();
    const service = new QueueService({ store, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    await openStoreWithStaff(service);
    await store.close();
    const result = await service.execute(
      STORE,
      { requestId: "after-close", ...checkIn("z") },
      T0 + MIN,
    );
    expect(result).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
    await place.cleanup();
  });
});
