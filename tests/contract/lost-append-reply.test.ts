import { describe, expect, it } from "vitest";
import { QueueService } from "../../server/app/queue-service.js";
import { silentLogger } from "../../server/logger.js";
import type { Batch, EventStore } from "../../server/store/event-store.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { backends, storesPerTest } from "../support/backends.js";
import { NO_LAG_BOUND, T0, demoSettings } from "../support/engine.js";

/**
 * An append whose fate the server does not learn (the connection drops with the request sent):
 * a command whose commit did land is answered with that commit, never UNAVAILABLE ("nothing was
 * changed" would be false, and a customer who taps again would get a second place); one whose
 * commit did not land is appended again, and answered UNAVAILABLE, with nothing changed, only
 * when its appends keep failing.
 */

const STORE = "lost-reply";
let requests = 0;
const rid = () => `lr-${++requests}`;

/**
 * The store, with the next append's reply lost after it landed, or the next `beforeAppend`
 * appends lost before they were sent.
 */
function flaky(store: EventStore) {
  const fail = { afterAppend: false, beforeAppend: 0 };
  const appendBatch = async (batch: Batch) => {
    if (fail.beforeAppend > 0) {
      fail.beforeAppend--;
      throw new Error("connection lost before the append");
    }
    const result = await store.appendBatch(batch);
    if (fail.afterAppend) {
      fail.afterAppend = false;
      throw new Error("connection lost after the append");
    }
    return result;
  };
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      if (key === "appendBatch") return appendBatch;
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: wrapped, fail };
}

const checkIn = () => ({
  requestId: rid(),
  type: "visit:check-in",
  topicId: "phones",
  channel: "kiosk",
  customerToken: `tok-lost-${requests}-${"x".repeat(24)}`,
});

describe.each(backends)("an append's lost reply: $name", (backend) => {
  const { open } = storesPerTest(backend);

  async function openService() {
    const real = await open();
    const { store, fail } = flaky(real);
    const service = new QueueService({ store, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    const created = await service.execute(
      STORE,
      {
        requestId: rid(),
        type: "store:create",
        settings: storeSettingsSchema.parse(demoSettings),
      },
      T0,
    );
    expect(created.ok).toBe(true);
    return { real, service, fail };
  }

  it("answers a command whose commit landed with that commit", async () => {
    const { real, service, fail } = await openService();
    const input = checkIn();
    fail.afterAppend = true;

    const answer = await service.execute(STORE, input, T0);

    const log = await real.read(STORE, 0);
    const commits = log.filter((c) => c.requestId === input.requestId);
    expect(commits).toHaveLength(1);
    expect(answer).toEqual({
      ok: true,
      data: commits[0]?.reply,
      version: commits[0]?.version,
      duplicate: false,
    });
    // Sent again (the kiosk's answer was lost too): the same ticket, and still one visit.
    const again = await service.execute(STORE, input, T0);
    expect(again).toEqual({ ...answer, duplicate: true });
    expect(await real.read(STORE, 0)).toHaveLength(log.length);
  });

  it("appends a command whose commit did not land again, once", async () => {
    const { real, service, fail } = await openService();
    const input = checkIn();
    fail.beforeAppend = 1;

    const answer = await service.execute(STORE, input, T0);

    const commits = (await real.read(STORE, 0)).filter((c) => c.requestId === input.requestId);
    expect(commits).toHaveLength(1);
    expect(answer).toMatchObject({ ok: true, version: commits[0]?.version, duplicate: false });
  });

  it("answers UNAVAILABLE when the appends keep failing, and changes nothing", async () => {
    const { real, service, fail } = await openService();
    const before = await real.version(STORE);
    fail.beforeAppend = 1000;

    const answer = await service.execute(STORE, checkIn(), T0);

    expect(answer).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
    expect(await real.version(STORE)).toBe(before);
    expect(fail.beforeAppend).toBe(998);
    // The store works again once its storage answers again.
    fail.beforeAppend = 0;
    expect((await service.execute(STORE, checkIn(), T0)).ok).toBe(true);
  });
});
