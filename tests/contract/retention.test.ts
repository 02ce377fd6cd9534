import { describe, expect, it } from "vitest";
import { QueueService } from "../../server/app/queue-service.js";
import { type StoreState, toStateData } from "../../server/domain/index.js";
import { silentLogger } from "../../server/logger.js";
import type { EventStore } from "../../server/store/event-store.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { backends, storesPerTest } from "../support/backends.js";
import { MIN, SEC, T0, demoSettings } from "../support/engine.js";

/**
 * Retention (docs/STORES.md): a closed visit's personal data is erased from every copy a back
 * end keeps (log, snapshot, journal file, Redis keys, each process's state) once the store's
 * retentionDays have passed, while the counts stay. Searched for in the raw files and keys.
 */

const STORE = "retention";
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
let requests = 0;

async function ok(service: QueueService, input: Record<string, unknown>, now: number) {
  const result = await service.execute(STORE, { requestId: `ret-${++requests}`, ...input }, now);
  if (!result.ok)
    throw new Error(`${String(input.type)}: ${result.error.code} ${result.error.message}`);
  return result.data as Record<string, unknown>;
}

/**
 * Checks a customer in, has ana serve them and hand back notes, takes their feedback and has it
 * followed up.
 */
async function wholeVisit(service: QueueService, who: string, now: number): Promise<string> {
  const { visitId } = await ok(
    service,
    {
      type: "visit:check-in",
      topicId: "phones",
      channel: "kiosk",
      name: `${who} Name`,
      note: `${who} phone 067-${who.length}`,
      customerToken: `tok-${who}-${"x".repeat(24)}`,
    },
    now,
  );
  const offerId = (await service.state(STORE)).associates.get("ana")?.offerId;
  await ok(service, { type: "offer:accept", associateId: "ana", offerId }, now + 10 * SEC);
  await ok(
    service,
    {
      type: "visit:complete",
      associateId: "ana",
      visitId,
      outcome: "resolved",
      note: `${who} handover note`,
    },
    now + 5 * MIN,
  );
  await ok(
    service,
    {
      type: "feedback:give",
      visitId,
      satisfaction: "partly",
      comment: `${who} feedback comment`,
    },
    now + 6 * MIN,
  );
  // "partly" to a resolved visit put it on the follow-up list; a manager follows it up.
  await ok(
    service,
    { type: "follow-up:done", visitId, note: `${who} follow-up note` },
    now + 7 * MIN,
  );
  return visitId as string;
}

const secretsOf = (who: string) => [
  `${who} Name`,
  `${who} phone`,
  `${who} handover note`,
  `${who} feedback comment`,
  `${who} follow-up note`,
];

const closedNames = (state: StoreState) => [...state.closed.values()].map((v) => v.name);

describe.each(backends)("retention: $name", (backend) => {
  const stores = storesPerTest(backend);

  it("erases closed visits' personal data from every copy after retentionDays; the counts stay", async () => {
    let store: EventStore = await stores.open();
    let service = new QueueService({ store, logger: silentLogger });
    // A second process on the same Redis, with its own copy of the store's state.
    const other =
      store.kind === "redis"
        ? new QueueService({ store: await stores.open(), logger: silentLogger })
        : undefined;
    const settings = storeSettingsSchema.parse({ ...demoSettings, retentionDays: 2 });
    await ok(service, { type: "store:create", settings }, T0);
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
      T0,
    );
    await ok(service, { type: "associate:sign-in", associateId: "ana" }, T0);
    const olena = await wholeVisit(service, "Olena", T0 + 10 * MIN);
    const marta = await wholeVisit(service, "Marta", T0 + DAY);
    const before = await service.state(STORE);
    expect(closedNames(before)).toEqual(["Olena Name", "Marta Name"]);
    expect(closedNames((await other?.state(STORE)) ?? before)).toEqual(closedNames(before));
    await service.drain();
    for (const secret of [...secretsOf("Olena"), ...secretsOf("Marta")])
      expect(await stores.dump()).toContain(secret);

    // Not yet: two days after the hour Olena's visit was logged in has not ended.
    await service.runDueTimers(T0 + 2 * DAY + HOUR - 1);
    await service.drain();
    expect(closedNames(await service.state(STORE))).toEqual(["Olena Name", "Marta Name"]);
    expect(await stores.dump()).toContain("Olena feedback comment");
    // Now it has. The store's due timer fires the expiry; the log is trimmed behind a snapshot.
    expect(await service.runDueTimers(T0 + 2 * DAY + HOUR + MIN)).toBe(1);
    await service.drain();
    const after = await service.state(STORE);
    expect(closedNames(after)).toEqual(["Marta Name"]);
    expect(after.tokens.has("tok-Olena-xxxxxxxxxxxxxxxxxxxxxxxx")).toBe(false);
    expect(after.closed.has(olena)).toBe(false);
    // What the analytics count from stays: measured service times, the visit counter.
    expect(after.serviceStats.toJS()).toEqual(before.serviceStats.toJS());
    expect(after.visitSeq).toBe(before.visitSeq);
    const dump = await stores.dump();
    for (const secret of secretsOf("Olena")) expect(dump).not.toContain(secret);
    for (const secret of secretsOf("Marta")) expect(dump).toContain(secret);
    // The other process's copy catches up with the expiry.
    if (other) expect(closedNames(await other.state(STORE))).toEqual(["Marta Name"]);

    // A restart starts from what is left, to the same state, and goes on.
    await service.drain();
    await store.close();
    store = await stores.open();
    // What a start does (timers, and a trim a crash may have left undone) writes no snapshot:
    // the one taken at the expiry already lacks the data.
    let snapshotsWritten = 0;
    const opened = store;
    const counting = new Proxy(opened, {
      get(target, name) {
        const value = Reflect.get(target, name, target);
        if (name === "saveSnapshot")
          return (...args: Parameters<EventStore["saveSnapshot"]>) => {
            snapshotsWritten++;
            return target.saveSnapshot(...args);
          };
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    service = new QueueService({ store: counting, logger: silentLogger });
    await service.reconcileDeadlines();
    expect(snapshotsWritten).toBe(0);
    expect(toStateData(await service.state(STORE))).toEqual(toStateData(after));
    await wholeVisit(service, "Ivan", T0 + 2 * DAY + 2 * HOUR);

    // A day later Marta's goes too, and Ivan's stays.
    expect(await service.runDueTimers(T0 + 3 * DAY + 2 * HOUR)).toBe(1);
    await service.drain();
    expect(closedNames(await service.state(STORE))).toEqual(["Ivan Name"]);
    const later = await stores.dump();
    for (const secret of [...secretsOf("Olena"), ...secretsOf("Marta")])
      expect(later).not.toContain(secret);
    for (const secret of secretsOf("Ivan")) expect(later).toContain(secret);
    expect((await service.state(STORE)).closed.has(marta)).toBe(false);
    await other?.drain();
  });
});
