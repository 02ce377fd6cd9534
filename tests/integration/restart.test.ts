import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AssociateView, View } from "../../shared/views.js";
import { type Client, World, request, rid, serverBackends, tokenOf } from "../support/server.js";

/**
 * A server restart on each store back end: a new app on the same journal directory or Redis
 * prefix serves the same line, at the same version, to clients that reconnect with the
 * credentials they already hold.
 */

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`restart (${backend.name})`, () => {
    let world: World;
    beforeEach(async () => {
      world = await World.start(backend.name);
    });
    afterEach(async () => {
      await world.stop();
    });

    it("clients reconnecting to a restarted server see the same line, version and offers", async () => {
      const ana = await world.tablet("ana");
      world.clock.advance(1000);
      const bo = await world.tablet("bo");
      const max = await world.tablet("max");
      const kiosk = await world.kiosk();
      const display = await world.display();

      const tickets = [];
      for (const name of ["Ava One", "Ben Two", "Cy Three"]) {
        tickets.push(
          await kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones", name }),
        );
      }
      const served = String(tickets[0]?.visitId);
      const anaOffer = await ana.until<AssociateView>((v) => v.offer?.visit.visitId === served);
      await ana.ok("offer:accept", { requestId: rid(), offerId: String(anaOffer.offer?.offerId) });
      const boOffer = (await bo.until<AssociateView>((v) => v.offer !== null)).offer;
      const joined = await request<{ customerToken: string }>(
        world.server.url,
        "POST",
        `/api/stores/${world.storeId}/join`,
        { requestId: rid(), topicId: "returns", name: "Di Later", arrivingInMin: 20 },
      );
      const customerTokens = [
        ...tickets.map((t) => tokenOf(String(t.customerUrl))),
        joined.body.customerToken,
      ];
      const customers = await Promise.all(customerTokens.map((t) => world.customer(t)));
      const lineBefore = (await ana.until<AssociateView>((v) => v.line.length === 4)).line;

      // Tablets go first (each drop is a commit); then every other client has the final view.
      const atDrop = (await world.state()).version;
      for (const tablet of [ana, bo, max]) await tablet.disconnect();
      const version = atDrop + 3;
      const watchers: Client[] = [kiosk, display, ...customers];
      // The three drops are committed (tracked in the background): wait for the commits.
      await new Promise<void>((resolve) => {
        const events = world.app.service.events;
        const check = (at: number) => {
          if (at < version) return;
          events.off("committed", onCommit);
          resolve();
        };
        const onCommit = ({ state }: { state: { version: number } }) => check(state.version);
        events.on("committed", onCommit);
        void world.state().then((state) => check(state.version));
      });
      // Each is sent only what changed for it: a sync makes sure each holds the last version.
      for (const c of watchers) await c.send("view:sync", {});
      expect(watchers.map((c) => c.version)).toEqual(watchers.map(() => version));
      const seen = watchers.map((c) =>
        structuredClone(c.latest as { version: number; view: View }),
      );
      expect((await world.state()).version).toBe(version);

      await world.restart();
      expect((await world.state()).version).toBe(version);

      const again = [
        await world.kiosk(),
        await world.display(),
        ...(await Promise.all(customerTokens.map((t) => world.customer(t)))),
      ];
      expect(again.map((c) => c.latest)).toEqual(seen);

      const anaBack = await world.connect({ sessionToken: String(world.sessions.get("ana")) });
      const boBack = await world.connect({ sessionToken: String(world.sessions.get("bo")) });
      const anaView = anaBack.view as AssociateView;
      expect(anaView.visit?.visitId).toBe(served);
      expect(anaView.line.map((v) => [v.visitId, v.status])).toEqual(
        lineBefore.map((v) => [v.visitId, v.status]),
      );
      expect((boBack.view as AssociateView).offer?.offerId).toBe(boOffer?.offerId);

      // And the queue goes on where it was: the offer can be taken, codes are not reused.
      await boBack.ok("offer:accept", { requestId: rid(), offerId: String(boOffer?.offerId) });
      const next = await again[0]?.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
      expect(next?.code).toBe("P-004");
      await again[1]?.until((v) => JSON.stringify(v).includes("P-004"));
    });
  });
}
