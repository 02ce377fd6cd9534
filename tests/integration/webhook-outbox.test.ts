import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WebhookEvent } from "../../server/webhooks/events.js";
import { Receiver } from "../http/harness.js";
import {
  ADMIN_TOKEN,
  Clock,
  type Place,
  type Running,
  clusterBackend,
  freshPlace,
  provision,
  request,
  serverBackends,
  startServer,
} from "../support/server.js";

/**
 * The store's log is the webhooks' outbox: events not yet delivered when a process stops are
 * sent by the next one, with the same ids and in order; a new URL is not sent old history; with
 * several processes on one Redis each event is sent once. Real HTTP receivers on 127.0.0.1, so
 * the apps allow private addresses (refusing them is tested in tests/http/webhook-addresses.test.ts;
 * a kill -9 in tests/process/webhook-crash.test.ts).
 */

const fast = { retryDelaysMs: [5, 10], timeoutMs: 30_000, drainMs: 0, allowPrivate: true };

const bodies = (r: Receiver) => r.received.map((got) => JSON.parse(got.body) as WebhookEvent);

/** The ids of the events received, first copies only, in the order they first came. */
const firstCopies = (r: Receiver) => [...new Set(bodies(r).map((e) => e.id))];

const versionOf = (id: string) => Number(id.split(":")[1]);

// And on a Redis Cluster: the lease, the cursor and the log, each in its store's slot.
for (const backend of [...serverBackends, clusterBackend]) {
  describe(`webhooks from the log (${backend.name})`, () => {
    let place: Place;
    const clock = new Clock();
    const running: Running[] = [];
    const receivers: Receiver[] = [];

    beforeEach(async (context) => {
      if (!backend.available) context.skip();
      place = await freshPlace(backend.name);
    });
    afterEach(async () => {
      if (!backend.available) return;
      for (const r of running.splice(0)) await r.close();
      for (const r of receivers.splice(0)) await r.close();
      await place.cleanup();
    });

    const start = async (options = {}) => {
      const server = await startServer(place, clock, { webhooks: { ...fast, ...options } });
      running.push(server);
      return server;
    };
    const receiver = async () => {
      const r = await new Receiver().start();
      receivers.push(r);
      return r;
    };
    const setWebhook = (url: string, storeId: string, hook: string) =>
      request<{ secret: string }>(
        url,
        "PUT",
        `/api/admin/stores/${storeId}/webhook`,
        { url: hook },
        ADMIN_TOKEN,
      );
    let seq = 0;
    const checkIn = async (url: string, storeId: string) => {
      const reply = await request<{ visitId: string }>(
        url,
        "POST",
        `/api/stores/${storeId}/visits`,
        { requestId: `outbox-${++seq}`, topicId: "returns" },
        ADMIN_TOKEN,
      );
      expect(reply.status).toBe(201);
      return reply.body.visitId;
    };

    it("sends what a stopped process had not delivered, from the next one, same ids, in order", async () => {
      const hook = await receiver();
      // The receiver holds every request open: nothing is delivered while the first runs.
      hook.answer = () => {};
      const first = await start();
      const { storeId } = await provision(first.url);
      expect((await setWebhook(first.url, storeId, hook.url)).status).toBe(200);
      const visits: string[] = [];
      for (let i = 0; i < 4; i++) visits.push(await checkIn(first.url, storeId));
      const [held] = await hook.until(1);
      await first.close();

      hook.answer = (_got, res) => res.end("ok");
      await start();
      await hook.until(5);
      const events = bodies(hook);
      // The event held open before the stop is sent again with the same id and body.
      expect(events[1]?.id).toBe(events[0]?.id);
      expect(hook.received[1]?.body).toBe(held?.body);
      const ids = firstCopies(hook);
      expect(ids).toHaveLength(4);
      expect(ids.map(versionOf)).toEqual([...ids.map(versionOf)].sort((a, b) => a - b));
      expect(events.slice(1).map((e) => e.data.visitId)).toEqual(visits);
      expect(events.every((e) => e.type === "visit:checked-in")).toBe(true);
    });

    it("sends a new URL only what happens after it was set", async () => {
      const before = await receiver();
      const after = await receiver();
      const server = await start();
      const { storeId } = await provision(server.url);
      await setWebhook(server.url, storeId, before.url);
      const early = await checkIn(server.url, storeId);
      await before.until(1);
      // Removed and set again: nothing of the store's history goes to the new URL.
      await request(
        server.url,
        "DELETE",
        `/api/admin/stores/${storeId}/webhook`,
        undefined,
        ADMIN_TOKEN,
      );
      await checkIn(server.url, storeId);
      await setWebhook(server.url, storeId, after.url);
      const late = await checkIn(server.url, storeId);
      const [got] = await after.until(1);
      expect(JSON.parse(got?.body ?? "{}").data.visitId).toBe(late);
      expect(bodies(after).map((e) => e.data.visitId)).not.toContain(early);
      expect(before.received).toHaveLength(1);
    });

    // Two processes share a store only on Redis (the embedded journal is one process's).
    if (backend.name !== "embedded")
      it("with two processes on one store, sends each event once", async () => {
        const hook = await receiver();
        const one = await start();
        const two = await start();
        const { storeId } = await provision(one.url);
        await setWebhook(one.url, storeId, hook.url);
        for (let i = 0; i < 6; i++) await checkIn(i % 2 === 0 ? one.url : two.url, storeId);
        await hook.until(6);
        // Both stop after sending what they hold: a copy sent by the other would be in by then.
        await one.close();
        await two.close();
        const ids = bodies(hook).map((e) => e.id);
        expect(ids).toHaveLength(6);
        expect(new Set(ids).size).toBe(6);
        expect(ids.map(versionOf)).toEqual([...ids.map(versionOf)].sort((a, b) => a - b));
      });
  });
}
