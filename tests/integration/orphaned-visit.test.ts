import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AssociateView, CustomerView, ManagerView } from "../../shared/views.js";
import { MIN, SEC, World, rid, serverBackends, tokenOf } from "../support/server.js";

/**
 * A tablet that dies while its associate serves, over real sockets on each store back end: the
 * manager is alerted after the grace (15 s), and after orphanedVisitMin (5 min from the drop)
 * the visit goes back to the line in its place and its customer is told, with an apology;
 * unless the tablet comes back or a manager acts first. Time moves only when a test moves it.
 */

const droppedAlert = (v: ManagerView) =>
  v.alerts.find((a) => a.kind === "tablet_dropped" && a.associateId === "ana");

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`a tablet that dies while serving (${backend.name})`, () => {
    let world: World;
    beforeEach(async () => {
      world = await World.start(backend.name);
    });
    afterEach(async () => {
      await world.stop();
    });

    /**
     * Ana serves the first customer (her phone page open), Bo the second; a third waits. Then
     * Ana's tablet closes, and the console has seen it.
     */
    async function anaServesAndDrops() {
      const ana = await world.tablet("ana");
      world.clock.advance(SEC);
      const bo = await world.tablet("bo");
      world.clock.advance(SEC);
      const max = await world.tablet("max");
      const kiosk = await world.kiosk();
      const checkIn = async () => {
        const data = await kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
        return { visitId: String(data.visitId), token: tokenOf(String(data.customerUrl)) };
      };
      const first = await checkIn();
      const second = await checkIn();
      for (const [tablet, visit] of [
        [ana, first],
        [bo, second],
      ] as const) {
        const offer = (
          await tablet.until<AssociateView>((v) => v.offer?.visit.visitId === visit.visitId)
        ).offer;
        await tablet.ok("offer:accept", { requestId: rid(), offerId: String(offer?.offerId) });
      }
      world.clock.advance(SEC);
      const third = await checkIn();
      const phone = await world.customer(first.token);
      await phone.until<CustomerView>((v) => v.status === "serving");

      await ana.disconnect();
      await max.until<ManagerView>(
        (v) => v.colleagues.find((c) => c.id === "ana")?.connected === false,
      );
      return { bo, max, phone, first, second, third };
    }

    it("alerts after the grace, then puts the visit back in its place and tells the customer", async () => {
      const { bo, max, phone, first, second, third } = await anaServesAndDrops();

      await world.advance(15 * SEC);
      const alerted = await max.until<ManagerView>((v) => droppedAlert(v) !== undefined);
      expect(droppedAlert(alerted)).toMatchObject({
        visitId: first.visitId,
        associateName: "Ana Lindqvist",
        visitStatus: "serving",
        actions: ["reassign", "resolve"],
      });
      expect((phone.view as CustomerView).status).toBe("serving");

      await world.advance(5 * MIN - 15 * SEC - 1);
      expect((await world.state()).visits.get(first.visitId)?.status).toBe("serving");
      await world.advance(1);
      const told = await phone.until<CustomerView>((v) => v.status === "waiting");
      expect(told).toMatchObject({
        place: 1,
        associate: null,
        apology: { previousFirstName: "Ana" },
      });
      const cleared = await max.until<ManagerView>((v) => droppedAlert(v) === undefined);
      expect(cleared.colleagues.find((c) => c.id === "ana")?.presence).toBe("away");
      const line = cleared.line.map((v) => v.visitId);
      expect(line.indexOf(first.visitId)).toBeLessThan(line.indexOf(third.visitId));

      // In its place: Bo, free again, is offered the first customer, not the one who came later.
      await bo.ok("visit:complete", {
        requestId: rid(),
        visitId: second.visitId,
        outcome: "resolved",
      });
      await bo.until<AssociateView>((v) => v.offer?.visit.visitId === first.visitId);
    });

    it("does nothing when the tablet comes back first", async () => {
      const { max, phone, first } = await anaServesAndDrops();
      await world.advance(15 * SEC);
      await max.until<ManagerView>((v) => droppedAlert(v) !== undefined);

      await world.advance(4 * MIN);
      const back = await world.connect({ sessionToken: String(world.sessions.get("ana")) });
      // The tablet is back: the alert closes itself on the console.
      await max.until<ManagerView>(
        (v) =>
          v.colleagues.find((c) => c.id === "ana")?.connected === true &&
          droppedAlert(v) === undefined,
      );
      await world.advance(5 * MIN);
      expect((back.view as AssociateView).visit?.visitId).toBe(first.visitId);
      expect((await world.state()).visits.get(first.visitId)).toMatchObject({
        status: "serving",
        associateId: "ana",
      });
      expect(phone.view as CustomerView).toMatchObject({ status: "serving", apology: null });
    });

    it("does nothing more when a manager acts first", async () => {
      const { max, phone, first } = await anaServesAndDrops();
      await world.advance(15 * SEC);
      const alerted = await max.until<ManagerView>((v) => droppedAlert(v) !== undefined);

      // The manager saw the alert and went over: Ana goes on helping without her tablet.
      await max.ok("alert:resolve", {
        requestId: rid(),
        alertId: String(droppedAlert(alerted)?.alertId),
      });
      await world.advance(10 * MIN);
      expect((await world.state()).visits.get(first.visitId)).toMatchObject({
        status: "serving",
        associateId: "ana",
      });
      expect((phone.view as CustomerView).status).toBe("serving");
    });
  });
}
