import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Projection } from "../../server/domain/index.js";
import type {
  AssociateView,
  CustomerView,
  KioskView,
  ViewPatch,
  WaitRange,
} from "../../shared/views.js";
import {
  type Client,
  MIN,
  SEC,
  World,
  connect,
  rid,
  serverBackends,
  startServer,
  tokenOf,
  waitFor,
} from "../support/server.js";

/**
 * Wait ranges re-estimated as time passes, with no change to the store, over real sockets on
 * each store back end: a customer and a kiosk are sent the change at the same version (a patch
 * with \`since\` = \`version\`) only when the range they show moved, and never ahead of the version
 * they hold.
 * The periodic re-estimate is off in tests; each test calls `app.refreshEstimates()` itself.
 * Estimates are Monte Carlo, seeded by store and time: the store's id is fixed here so each run
 * draws the same numbers. With a random id, "five minutes on, the kiosk's range starts lower"
 * fails by chance in about 3 runs in 100 (the low end of a quote moves ±2 min between seeds;
 * measured over 500 ids with the engine alone).
 */

const phonesWait = (view: KioskView) => {
  const phones = view.topics.find((t) => t.id === "phones");
  return { wait: phones?.wait, waits: phones?.waits };
};

/** A re-estimate: the change to the version the socket holds, at that same version. */
const isRefresh = (update: ViewPatch) => update.since === update.version;

/** The view messages a client received from `from` on (their index in `received`). */
const viewMessagesSince = (client: Client, from: number) =>
  client.received
    .slice(from)
    .filter((r) => r.event === "view:patch")
    .map((r) => ({ event: r.event, ...(r.args[0] as ViewPatch) }));

/** The keys of a view a patch changes. */
const changedKeys = (update: ViewPatch) =>
  "o" in update.patch ? Object.keys(update.patch.o).sort() : ["(whole)"];

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`waits re-estimated as time passes (${backend.name})`, () => {
    let world: World;
    beforeEach(async () => {
      world = await World.start(backend.name, "it-estimates");
    });
    afterEach(async () => {
      await world.stop();
    });

    /**
     * A kiosk check-in whose ticket must tell the customer what their own page tells them when
     * they open it at that moment; answers their connected page.
     */
    async function checkInAndOpen(kiosk: Client, name: string) {
      const ticket = await kiosk.ok("visit:check-in", {
        requestId: rid(),
        topicId: "phones",
        name,
      });
      const token = tokenOf(String(ticket.customerUrl));
      const customer = await world.customer(token);
      const page = customer.view as CustomerView;
      expect(page.visitId).toBe(ticket.visitId);
      expect(ticket.wait).not.toBeNull();
      expect(ticket.wait, `${name}'s ticket and page`).toEqual(page.wait);
      return { customer, ticket, token };
    }

    /**
     * Ana alone on the floor, just starting Ava's visit (phones: some six minutes); Ben and then
     * Cy wait behind. Every client holds the store's newest version when this returns.
     */
    async function busyFloor() {
      const ana = await world.tablet("ana");
      const kiosk = await world.kiosk();
      const ava = await kiosk.ok("visit:check-in", {
        requestId: rid(),
        topicId: "phones",
        name: "Ava Long",
      });
      const offer = (await ana.until<AssociateView>((v) => v.offer?.visit.visitId === ava.visitId))
        .offer;
      await ana.ok("offer:accept", { requestId: rid(), offerId: String(offer?.offerId) });
      await ana.until<AssociateView>((v) => v.visit?.visitId === ava.visitId);
      const ben = await checkInAndOpen(kiosk, "Ben Behind");
      const cy = await checkInAndOpen(kiosk, "Cy Last");
      const version = (await world.state()).version;
      // Cy's check-in, then the commit recording Cy's quote (one per batch), and nothing since.
      expect(version).toBe(cy.ticket.version + 1);
      // Each holds the newest version (a socket is sent a change only when its view changed).
      for (const c of [kiosk, ben.customer, cy.customer]) await c.send("view:sync", {});
      for (const c of [kiosk, ben.customer, cy.customer]) expect(c.version).toBe(version);
      return { ana, kiosk, ben: ben.customer, cy: cy.customer, benToken: ben.token, version };
    }

    it("as a long visit goes on, those waiting and the kiosk are sent lower waits at the same version, once per change", async () => {
      const { kiosk, ben, cy, version } = await busyFloor();
      const cyPage = structuredClone(cy.view as CustomerView);
      const cyBefore = cyPage.wait as NonNullable<WaitRange>;
      const kioskBefore = phonesWait(kiosk.view as KioskView);
      expect(kioskBefore.wait).not.toBeNull();

      // Nothing changes in the store; Ava's visit has just gone on for five minutes.
      world.clock.advance(5 * MIN);
      const cyRefresh = waitFor<ViewPatch>(cy.socket, "view:patch", isRefresh);
      const kioskRefresh = waitFor<ViewPatch>(kiosk.socket, "view:patch", isRefresh);
      await world.app.refreshEstimates();

      // Each now holds what a whole view would show: the same store, estimated five minutes on.
      const now = new Projection(await world.state(), world.clock.now);
      const toCy = await cyRefresh;
      expect(toCy).toMatchObject({ version, since: version });
      // Only the estimate moved: that is all the change says.
      expect(changedKeys(toCy)).toEqual(["wait"]);
      await cy.until<CustomerView>((v) => v.wait !== cyPage.wait);
      expect(cy.view).toEqual(now.customer((cy.view as CustomerView).visitId));
      const cyAfter = (cy.view as CustomerView).wait as NonNullable<WaitRange>;
      // Lower (Ava is nearer done): neither end higher, and the range moved.
      expect(cyAfter.lowMin).toBeLessThanOrEqual(cyBefore.lowMin);
      expect(cyAfter.highMin).toBeLessThanOrEqual(cyBefore.highMin);
      expect(cyAfter).not.toEqual(cyBefore);
      expect({ ...cy.view, wait: null }).toEqual({ ...cyPage, wait: null });
      expect(cy.version).toBe(version);

      const toKiosk = await kioskRefresh;
      expect(toKiosk).toMatchObject({ version, since: version });
      expect(changedKeys(toKiosk)).toEqual(["topics"]);
      await kiosk.until<KioskView>((v) => phonesWait(v).wait !== kioskBefore.wait);
      expect(kiosk.view).toEqual(now.kiosk());
      const kioskAfter = phonesWait(kiosk.view as KioskView);
      expect(kioskAfter.wait?.lowMin).toBeLessThan(kioskBefore.wait?.lowMin as number);
      expect(kiosk.version).toBe(version);

      // Again with no time passed, then within the same 15 s step: nothing moved, nothing sent.
      // A real change afterwards is the very next view each of them gets.
      const marks = [kiosk, ben, cy].map((c) => c.received.length);
      await world.app.refreshEstimates();
      world.clock.advance(10 * SEC);
      await world.app.refreshEstimates();
      const { customer: dee, ticket } = await checkInAndOpen(kiosk, "Dee Fourth");
      expect(Number(ticket.version)).toBe(version + 1);
      // The check-in and its quote are published together, as one change.
      const next = version + 2;
      // The kiosk's count changed: that change is the next it gets. Ben and Cy get no re-estimate
      // either, only what the check-in changed for them, as a sync's answer after it shows.
      await kiosk.until((_v, at) => at === next);
      const toKiosk2 = viewMessagesSince(kiosk, marks[0] as number);
      expect(toKiosk2[0]).toMatchObject({ event: "view:patch", version: next, since: version });
      expect(toKiosk2.some(isRefresh)).toBe(false);
      for (const [i, c] of [ben, cy].entries()) {
        await c.send("view:sync", {});
        const sent = viewMessagesSince(c, marks[i + 1] as number);
        expect(sent.some(isRefresh)).toBe(false);
        expect(sent.at(-1)?.since).toBe(-1);
        expect(sent.slice(0, -1).every((u) => u.version === next && u.since === version)).toBe(
          true,
        );
      }
      expect((dee.view as CustomerView).place).toBe(3);
    });

    it("a customer whose wait did not move is sent nothing, while the one behind is", async () => {
      const { ana, ben, cy, version } = await busyFloor();
      // Ben is offered next as soon as Ana is free: his wait is no longer estimated.
      await ana.ok("visit:complete", {
        requestId: rid(),
        visitId: String((ana.view as AssociateView).visit?.visitId),
        outcome: "resolved",
      });
      await ben.until<CustomerView>((v) => v.status === "offered" && v.wait === null);
      const now = (await world.state()).version;
      expect(now).toBeGreaterThan(version);
      await cy.send("view:sync", {});
      expect(cy.version).toBe(now);
      const cyBefore = (cy.view as CustomerView).wait;

      const marks = [ben, cy].map((c) => c.received.length);
      // Time passes until Cy's shown range moves (a range in whole minutes may hold a while).
      const refreshesOf = (c: typeof cy, i: number) =>
        viewMessagesSince(c, marks[i] as number).filter(isRefresh);
      for (let step = 0; step < 8 && refreshesOf(cy, 1).length === 0; step++) {
        world.clock.advance(2 * MIN);
        await world.app.refreshEstimates();
        // Any refresh was emitted before this; the answer to a sync comes after it on the socket.
        await cy.send("view:sync", {});
      }
      const cyRefreshes = refreshesOf(cy, 1);
      expect(cyRefreshes.length).toBeGreaterThan(0);
      expect(cyRefreshes.every((u) => changedKeys(u).join() === "wait")).toBe(true);
      expect((cy.view as CustomerView).wait).not.toEqual(cyBefore);

      await ben.ok("visit:pause", { requestId: rid() });
      for (const [i, c] of [ben, cy].entries()) {
        await c.send("view:sync", {});
        const sent = refreshesOf(c, i);
        if (i === 0) expect(sent, "Ben (offered)").toHaveLength(0);
        else expect(sent, "Cy").toEqual(cyRefreshes);
      }
    });

    it("after a restart, kiosks and customers that reconnect are re-estimated too", async () => {
      const { benToken } = await busyFloor();
      await world.restart();
      const version = (await world.state()).version;
      const kiosk = await world.kiosk();
      const customer = await world.customer(benToken);
      expect([kiosk.version, customer.version]).toEqual([version, version]);
      const kioskBefore = phonesWait(kiosk.view as KioskView);
      const customerBefore = (customer.view as CustomerView).wait;

      world.clock.advance(5 * MIN);
      const kioskRefresh = waitFor<ViewPatch>(kiosk.socket, "view:patch", isRefresh);
      const customerRefresh = waitFor<ViewPatch>(customer.socket, "view:patch", isRefresh);
      await world.app.refreshEstimates();
      await customerRefresh;
      expect((customer.view as CustomerView).wait).not.toEqual(customerBefore);
      const toKiosk = await kioskRefresh;
      expect(toKiosk).toMatchObject({ version, since: version });
      await kiosk.until<KioskView>((v) => phonesWait(v).wait !== kioskBefore.wait);
      expect(phonesWait(kiosk.view as KioskView)).not.toEqual(kioskBefore);

      // From then on the kiosks here are compared with what they were sent: nothing new.
      const mark = kiosk.received.length;
      await world.app.refreshEstimates();
      const ticket = await kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
      await kiosk.until((_v, at) => at === ticket.version);
      const [first] = viewMessagesSince(kiosk, mark);
      expect(first).toMatchObject({ event: "view:patch", version: version + 1, since: version });
    });

    // Only Redis lets a second server share the store behind this one's back.
    if (backend.name === "redis")
      it("a customer or kiosk behind the store's version is not re-estimated: the whole new view comes instead", async () => {
        const { kiosk, cy, version } = await busyFloor();
        // A second server on the same store whose commits are not announced here, as when the
        // adapter loses a notice: this server's sockets stay behind the store.
        const other = await startServer({ ...world.place, redisUrl: undefined }, world.clock);
        try {
          const otherKiosk = await connect(other.url, {
            storeId: world.storeId,
            deviceToken: world.ids.kioskToken,
          });
          world.clients.push(otherKiosk);
          world.clock.advance(5 * MIN);
          await otherKiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
          // The check-in and its quote.
          expect((await world.state()).version).toBe(version + 2);

          const marks = [kiosk, cy].map((c) => c.received.length);
          // A re-estimate reads the store as it is: each is brought the change to that version,
          // from the one it holds (never a change at a version it does not hold).
          await world.app.refreshEstimates();
          await cy.ok("visit:pause", { requestId: rid() });
          for (const [i, c] of [kiosk, cy].entries()) {
            await c.until((_v, at) => at === version + 3);
            const sent = viewMessagesSince(c, marks[i] as number);
            expect(sent[0]?.since).toBe(version);
            sent.forEach((u, j) => {
              if (j > 0) expect(u.since).toBe(sent[j - 1]?.version);
              expect(u.version).toBeGreaterThan(u.since);
            });
            expect(sent.at(-1)?.version).toBe(version + 3);
          }
          expect((cy.view as CustomerView).paused).toBe(true);
          expect((kiosk.view as KioskView).topics[0]?.waiting).toBe(3);
        } finally {
          await other.close();
        }
      });
  });
}
