import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ClientEvent,
  type ClientToServerEvents,
  replySchemas,
} from "../../shared/protocol.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import type { AssociateView, ManagerView } from "../../shared/views.js";
import {
  type Client,
  World,
  request,
  rid,
  serverBackends,
  testSettings,
  tokenOf,
} from "../support/server.js";

/**
 * Every client-to-server event answers exactly what `replySchemas` (shared/protocol.ts) says:
 * the pages' and tests' typed `send` rests on it. Each answer is parsed with its event's strict
 * schema, so a field added, dropped or renamed on the server fails here.
 */

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`replies as typed (${backend.name})`, () => {
    let world: World;
    beforeEach(async () => {
      world = await World.start(backend.name);
    });
    afterEach(async () => {
      await world.stop();
    });

    const seen = new Set<ClientEvent>();
    async function expectReply<E extends ClientEvent>(
      client: Client,
      event: E,
      payload: Parameters<ClientToServerEvents[E]>[0],
    ) {
      const data = await client.ok(event, payload);
      const parsed = replySchemas[event].safeParse(data);
      expect(parsed.success, `${event}: ${JSON.stringify(data)}`).toBe(true);
      seen.add(event);
      return data;
    }

    it("for every event, from every role", async () => {
      const ana = await world.tablet("ana");
      const bo = await world.tablet("bo");
      const max = await world.tablet("max");
      const kiosk = await world.kiosk();

      await expectReply(kiosk, "view:sync", {});
      const firstCheckIn = { requestId: rid(), topicId: "phones" };
      const first = await expectReply(kiosk, "visit:check-in", firstCheckIn);
      const customer = await world.customer(tokenOf(String(first.customerUrl)));
      await expectReply(customer, "visit:pause", { requestId: rid() });
      await expectReply(customer, "visit:resume", { requestId: rid() });

      // The offer the store holds for them now, once their tablet shows it (views may lag a
      // command's answer by a moment; an offer withdrawn meanwhile must not be answered).
      const current = async (tablet: typeof ana, id: string) => {
        const offerId = (await world.state()).associates.get(id)?.offerId;
        return tablet.until<AssociateView>(
          (v) => offerId !== undefined && v.offer?.offerId === offerId,
        );
      };
      const offered = await current(ana, "ana");
      await expectReply(ana, "offer:decline", {
        requestId: rid(),
        offerId: String(offered.offer?.offerId),
      });
      const toBo = await current(bo, "bo");
      await expectReply(bo, "offer:accept", {
        requestId: rid(),
        offerId: String(toBo.offer?.offerId),
      });
      const call = { requestId: rid(), note: "help" };
      const called = { request: call, reply: await expectReply(bo, "manager:call", call) };
      await expectReply(bo, "visit:transfer", {
        requestId: rid(),
        visitId: first.visitId,
        toAssociateId: "ana",
      });
      const back = await current(ana, "ana");
      await expectReply(ana, "offer:accept", {
        requestId: rid(),
        offerId: String(back.offer?.offerId),
      });
      await expectReply(ana, "visit:complete", {
        requestId: rid(),
        visitId: first.visitId,
        outcome: "resolved",
      });
      await expectReply(customer, "feedback:give", { requestId: rid(), satisfaction: "yes" });
      // The kiosk asks again with the same request id (its answer was lost): it gets the first
      // answer, not the visit as it is now (done), and no second visit.
      // Its answer says so (`duplicate`), as every retried command's does.
      const before = await world.state();
      expect(first.duplicate).toBe(false);
      expect(await kiosk.ok("visit:check-in", firstCheckIn)).toEqual({ ...first, duplicate: true });
      expect((await world.state()).visitSeq).toBe(before.visitSeq);
      expect(await bo.ok("manager:call", called.request)).toEqual({
        ...called.reply,
        duplicate: true,
      });
      expect((await world.state()).version).toBe(before.version);

      const second = await expectReply(kiosk, "visit:check-in", {
        requestId: rid(),
        topicId: "phones",
      });
      // Whoever of Ana and Bo was idle longer is offered it.
      const holder = (await world.state()).visits.get(second.visitId)?.associateId;
      const server = holder === "ana" ? ana : bo;
      const offer = await current(server, String(holder));
      await expectReply(server, "offer:accept", {
        requestId: rid(),
        offerId: String(offer.offer?.offerId),
      });
      await expectReply(server, "visit:no-show", { requestId: rid(), visitId: second.visitId });
      await expectReply(server, "visit:undo-no-show", {
        requestId: rid(),
        visitId: second.visitId,
      });
      await server.ok("visit:complete", {
        requestId: rid(),
        visitId: second.visitId,
        outcome: "resolved",
      });
      await expectReply(server, "associate:end-wrap-up", { requestId: rid() });
      // Closed as resolved, answered "no": on the follow-up list, which a manager clears.
      const secondCustomer = await world.customer(tokenOf(String(second.customerUrl)));
      await secondCustomer.ok("feedback:give", { requestId: rid(), satisfaction: "no" });
      await expectReply(max, "follow-up:done", {
        requestId: rid(),
        visitId: second.visitId,
        note: "Called back",
      });

      await expectReply(ana, "associate:set-presence", { requestId: rid(), presence: "away" });
      await expectReply(bo, "associate:set-presence", { requestId: rid(), presence: "away" });
      const third = await expectReply(kiosk, "visit:check-in", {
        requestId: rid(),
        topicId: "phones",
      });
      await expectReply(max, "visit:set-priority", {
        requestId: rid(),
        visitId: third.visitId,
        priority: 3,
      });
      await expectReply(max, "visit:reassign", { requestId: rid(), visitId: third.visitId });
      const alerts = await max.until<ManagerView>((v) => v.alerts.length > 0);
      await expectReply(max, "alert:resolve", {
        requestId: rid(),
        alertId: String(alerts.alerts[0]?.alertId),
      });
      await expectReply(max, "intake:pause", { requestId: rid() });
      await expectReply(max, "intake:resume", { requestId: rid() });
      await expectReply(max, "store:update-settings", {
        requestId: rid(),
        settings: storeSettingsSchema.parse(testSettings),
      });
      const fourth = await expectReply(kiosk, "visit:check-in", {
        requestId: rid(),
        topicId: "phones",
      });
      const later = await world.customer(tokenOf(String(fourth.customerUrl)));
      await later.ok("visit:pause", { requestId: rid() });
      await expectReply(max, "visit:bring-back", { requestId: rid(), visitId: fourth.visitId });
      await later.ok("visit:pause", { requestId: rid() });
      await expectReply(kiosk, "visit:resume-by-code", { requestId: rid(), code: fourth.code });
      await expectReply(later, "visit:leave", { requestId: rid() });
      const walkIn = await expectReply(ana, "visit:walk-in", {
        requestId: rid(),
        topicId: "phones",
      });
      await (await world.customer(tokenOf(walkIn.customerUrl))).ok("visit:leave", {
        requestId: rid(),
      });

      // A call-ahead customer (joined over HTTP) says they are here.
      const joined = await request<{ customerToken: string }>(
        world.server.url,
        "POST",
        `/api/stores/${world.storeId}/join`,
        { requestId: rid(), topicId: "phones", arrivingInMin: 10 },
      );
      expect(joined.status).toBe(201);
      const caller = await world.customer(joined.body.customerToken);
      await expectReply(caller, "visit:arrive", { requestId: rid() });

      expect((Object.keys(replySchemas) as ClientEvent[]).filter((e) => !seen.has(e))).toEqual([]);
    });
  });
}
