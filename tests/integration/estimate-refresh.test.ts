import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Projection } from "../../server/domain/index.js";
import type {
  AssociateView,
  CustomerView,
  KioskView,
  Versioned,
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
 * each store back end: a customer and a kiosk are sent their view again at the same version
 * (`refresh`) only when the range they show moved, and never ahead of the version they hold.
 * The periodic re-estimate is off in tests; each test calls `app.refreshEstimates()` itself.
 */

const phonesWait = (view: KioskView) => {
  const phones = view.topics.find((t) => t.id === "phones");
  return { wait: phones?.wait, waits: phones?.waits };
};

const isRefresh = (update: Versioned) => update.refresh === true;

/** The view messages a client received from `from` on (their index in `received`). */
const viewMessagesSince = (client: Client, from: number) =>
  client.received
    .slice(from)
    .filter((r) => r.event === "view:update" || r.event === "view:full")
    .map((r) => ({ event: r.event, ...(r.args[0] as Versioned) }));

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`waits re-estimated as time passes (${backend.name})`, () => {
    let world: World;
    beforeEach(async () => {
      world = await World.start(backend.name);
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
      expect(cy.ticket.version).toBe(version);
      for (const c of [kiosk, ben.customer, cy.customer]) await c.until((_v, at) => at === version);
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
      const cyRefresh = waitFor<Versioned<CustomerView>>(cy.socket, "view:update", isRefresh);
      const kioskRefresh = waitFor<Versioned<KioskView>>(kiosk.socket, "view:update", isRefresh);
      await world.app.refreshEstimates();

      // Each is sent what a full view would show now: the same store, estimated five minutes on.
      const now = new Projection(await world.state(), world.clock.now);
      const toCy = await cyRefresh;
      expect(toCy).toMatchObject({ version, since: version, refresh: true });
      expect(toCy.view).toEqual(now.customer((cy.view as CustomerView).visitId));
      const cyAfter = toCy.view.wait as NonNullable<WaitRange>;
      // Lower: the low end by minutes (Ava is nearer done); the high end, Ben's visit, no higher.
      expect(cyAfter.lowMin).toBeLessThan(cyBefore.lowMin);
      expect(cyAfter.highMin).toBeLessThanOrEqual(cyBefore.highMin);
      // Only the estimate moved: the rest of the page is as it was, and holds it at this version.
      expect({ ...toCy.view, wait: null }).toEqual({ ...cyPage, wait: null });
      await cy.until<CustomerView>((v) => v.wait?.lowMin === cyAfter.lowMin);
      expect(cy.version).toBe(version);

      const toKiosk = await kioskRefresh;
      expect(toKiosk).toMatchObject({ version, since: version, refresh: true });
      expect(toKiosk.view).toEqual(now.kiosk());
      const kioskAfter = phonesWait(toKiosk.view);
      expect(kioskAfter.wait?.lowMin).toBeLessThan(kioskBefore.wait?.lowMin as number);
      await kiosk.until<KioskView>((v) => v.topics[0]?.wait?.lowMin === kioskAfter.wait?.lowMin);
      expect(kiosk.version).toBe(version);

      // Again with no time passed, then within the same 15 s step: nothing moved, nothing sent.
      // A real change afterwards is the very next view each of them gets.
      const marks = [kiosk, ben, cy].map((c) => c.received.length);
      await world.app.refreshEstimates();
      world.clock.advance(10 * SEC);
      await world.app.refreshEstimates();
      const { customer: dee, ticket } = await checkInAndOpen(kiosk, "Dee Fourth");
      const next = Number(ticket.version);
      expect(next).toBe(version + 1);
      for (const [i, c] of [kiosk, ben, cy].entries()) {
        await c.until((_v, at) => at === next);
        const sent = viewMessagesSince(c, marks[i] as number);
        expect(sent[0]).toMatchObject({ event: "view:update", version: next, since: version });
        expect(sent.some((u) => u.refresh)).toBe(false);
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
      await cy.until((_v, at) => at === now);
      const cyBefore = (cy.view as CustomerView).wait;

      const marks = [ben, cy].map((c) => c.received.length);
      // Time passes until Cy's shown range moves (a range in whole minutes may hold a while).
      const refreshesOf = (c: typeof cy, i: number) =>
        viewMessagesSince(c, marks[i] as number).filter((u) => u.refresh);
      for (let step = 0; step < 8 && refreshesOf(cy, 1).length === 0; step++) {
        world.clock.advance(2 * MIN);
        await world.app.refreshEstimates();
        // Any refresh was emitted before this; the answer to a sync comes after it on the socket.
        await cy.send("view:sync", {});
      }
      const cyRefreshes = refreshesOf(cy, 1);
      expect(cyRefreshes.length).toBeGreaterThan(0);
      expect((cyRefreshes.at(-1)?.view as CustomerView).wait).not.toEqual(cyBefore);

      await ben.ok("visit:pause", { requestId: rid() });
      for (const [i, c] of [ben, cy].entries()) {
        await c.until((_v, at) => at === now + 1);
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
      const kioskRefresh = waitFor<Versioned<KioskView>>(kiosk.socket, "view:update", isRefresh);
      const customerRefresh = waitFor<Versioned<CustomerView>>(
        customer.socket,
        "view:update",
        isRefresh,
      );
      await world.app.refreshEstimates();
      expect((await customerRefresh).view.wait).not.toEqual(customerBefore);
      const toKiosk = await kioskRefresh;
      expect(toKiosk).toMatchObject({ version, since: version });
      expect(phonesWait(toKiosk.view)).not.toEqual(kioskBefore);

      // From then on the kiosks here are compared with what they were sent: nothing new.
      const mark = kiosk.received.length;
      await world.app.refreshEstimates();
      const ticket = await kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
      await kiosk.until((_v, at) => at === ticket.version);
      const [first] = viewMessagesSince(kiosk, mark);
      expect(first).toMatchObject({ event: "view:update", version: version + 1 });
      expect(first?.refresh).toBeUndefined();
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
          expect((await world.state()).version).toBe(version + 1);

          const marks = [kiosk, cy].map((c) => c.received.length);
          await world.app.refreshEstimates();
          // The next commit this server publishes brings them the store as it is.
          await cy.ok("visit:pause", { requestId: rid() });
          for (const [i, c] of [kiosk, cy].entries()) {
            await c.until((_v, at) => at === version + 2);
            const sent = viewMessagesSince(c, marks[i] as number);
            expect(sent).toHaveLength(1);
            expect(sent[0]).toMatchObject({
              event: "view:update",
              version: version + 2,
              since: version,
            });
            expect(sent[0]?.refresh).toBeUndefined();
          }
          expect((cy.view as CustomerView).paused).toBe(true);
          expect((kiosk.view as KioskView).topics[0]?.waiting).toBe(3);
        } finally {
          await other.close();
        }
      });
  });
}
