import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QueueService } from "../../server/app/queue-service.js";
import { silentLogger } from "../../server/logger.js";
import type { EventStore } from "../../server/store/event-store.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { type Place, backends } from "../support/backends.js";
import { T0, demoSettings } from "../support/engine.js";

/**
 * Overload degrades instead of piling up: past the bound of commands waiting on a store (or on
 * the process), a command is answered BUSY at once and changes nothing; the ones let in all
 * complete, and once the queue drains commands go through again.
 */

let requests = 0;
const rid = () => `busy-${++requests}`;
const checkIn = (service: QueueService, storeId: string, i: number) =>
  service.execute(
    storeId,
    {
      requestId: rid(),
      type: "visit:check-in",
      topicId: "phones",
      channel: "kiosk",
      customerToken: `token-${storeId}-${i}-abcdefghijklmnopqrstuvwxyz`,
    },
    T0,
  );

for (const backend of backends) {
  describe.skipIf(!backend.available)(`a bounded command queue (${backend.name})`, () => {
    let place: Place;
    let store: EventStore;
    beforeEach(async () => {
      place = await backend.fresh();
      store = await place.open();
    });
    afterEach(async () => {
      await store.close();
      await place.cleanup();
    });

    async function service(options: {
      maxQueuedPerStore?: number;
      maxQueued?: number;
      maxLagMs?: number;
    }) {
      const q = new QueueService({ store, logger: silentLogger, ...options });
      for (const storeId of ["north", "south"]) {
        const created = await q.execute(
          storeId,
          {
            requestId: rid(),
            type: "store:create",
            settings: storeSettingsSchema.parse(demoSettings),
          },
          T0,
        );
        expect(created.ok).toBe(true);
      }
      return q;
    }

    it("answers BUSY past a store's bound, changes nothing for those, and lets the rest through", async () => {
      const q = await service({ maxQueuedPerStore: 20 });
      // Sent at once: 40 check-ins, then 10 staff commands while those wait.
      const all = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => checkIn(q, "north", i)),
        ...Array.from({ length: 10 }, (_, i) =>
          q.execute(
            "north",
            {
              requestId: rid(),
              type: "associate:register",
              associateId: `a${i}`,
              name: `A${i}`,
              skills: ["phones"],
              languages: ["en"],
              manager: false,
            },
            T0,
          ),
        ),
      ]);
      // Check-ins give way at a quarter of the bound, so staff's commands still get through.
      const results = all.slice(0, 40);
      expect(all.slice(40).every((r) => r.ok)).toBe(true);
      const busy = results.filter((r) => !r.ok && r.error.code === "BUSY");
      const done = results.filter((r) => r.ok);
      expect(done).toHaveLength(5);
      expect(busy).toHaveLength(35);
      expect((await q.state("north")).visits.size).toBe(5);
      // Another store is not held up by this one's queue.
      expect((await checkIn(q, "south", 0)).ok).toBe(true);
      // Drained: the next one goes through.
      expect((await checkIn(q, "north", 99)).ok).toBe(true);
      expect((await q.state("north")).visits.size).toBe(6);
    });

    it("answers BUSY while the store is behind by more than its lag bound, check-ins first", async () => {
      const q = await service({ maxLagMs: 400 });
      // A command waits on the store while this process is held up (a slow event loop, as when
      // overloaded): worked synchronously here, no timer, so nothing of the store moves on.
      const first = checkIn(q, "north", 1);
      const hold = (ms: number) => {
        const until = performance.now() + ms;
        while (performance.now() < until) {
          // held up on purpose
        }
      };
      hold(250);
      // 250 ms behind: past half the bound, a check-in is refused; a staff command is not.
      const refused = checkIn(q, "north", 2);
      const staff = q.execute(
        "north",
        {
          requestId: rid(),
          type: "associate:register",
          associateId: "late",
          name: "Late",
          skills: ["phones"],
          languages: ["en"],
          manager: false,
        },
        T0,
      );
      hold(200);
      // 450 ms behind: everything but the server's own commands is refused.
      const alsoRefused = q.execute(
        "north",
        {
          requestId: rid(),
          type: "associate:register",
          associateId: "later",
          name: "Later",
          skills: ["phones"],
          languages: ["en"],
          manager: false,
        },
        T0,
      );
      const tick = q.tick("north", T0);
      const results = await Promise.all([first, refused, staff, alsoRefused, tick]);
      expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
        "ok",
        "BUSY",
        "ok",
        "BUSY",
        "ok",
      ]);
      // Caught up: the next check-in goes through; another store was never held back.
      expect((await checkIn(q, "north", 3)).ok).toBe(true);
      expect((await q.state("north")).visits.size).toBe(2);
    });

    it("answers BUSY past the process's bound, across stores", async () => {
      const q = await service({ maxQueued: 4 });
      const results = await Promise.all([
        ...Array.from({ length: 3 }, (_, i) => checkIn(q, "north", i)),
        ...Array.from({ length: 3 }, (_, i) => checkIn(q, "south", i)),
      ]);
      expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
        "ok",
        "ok",
        "ok",
        "ok",
        "BUSY",
        "BUSY",
      ]);
      const visits = (await q.state("north")).visits.size + (await q.state("south")).visits.size;
      expect(visits).toBe(4);
    });
  });
}
