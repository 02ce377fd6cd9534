import { isDeepStrictEqual } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Projection } from "../../server/domain/index.js";
import type {
  AssociateView,
  CustomerView,
  DisplayView,
  KioskView,
  ManagerView,
  ViewPatch,
} from "../../shared/views.js";
import {
  type Client,
  MIN,
  SEC,
  World,
  request,
  rid,
  serverBackends,
  sessionOf,
  testSettings,
  tokenOf,
} from "../support/server.js";

/**
 * A visit through every role, over real sockets, on each store back end: what each client is
 * acked and what every *other* client is pushed. Time moves only when a test moves it.
 */

const offerOf = (c: Client) => (c.view as AssociateView).offer;

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`a visit through every role (${backend.name})`, () => {
    let world: World;
    beforeEach(async () => {
      world = await World.start(backend.name);
    });
    afterEach(async () => {
      await world.stop();
    });

    /** Ana signs in first, so she has been idle longest and gets the first offer. */
    async function tablets(): Promise<{ ana: Client; bo: Client; max: Client }> {
      const ana = await world.tablet("ana");
      world.clock.advance(SEC);
      const bo = await world.tablet("bo");
      world.clock.advance(SEC);
      const max = await world.tablet("max");
      return { ana, bo, max };
    }

    async function checkIn(kiosk: Client, name = "Zoe Quill", note = "") {
      const data = await kiosk.ok("visit:check-in", {
        requestId: rid(),
        topicId: "phones",
        name,
        note,
      });
      return { visitId: String(data.visitId), token: tokenOf(String(data.customerUrl)) };
    }

    it("kiosk check-in → offer on the tablet → accept → now serving → complete → feedback", async () => {
      const { ana, max } = await tablets();
      const kiosk = await world.kiosk();
      const display = await world.display();
      expect((kiosk.view as KioskView).topics.map((t) => t.id)).toEqual(["phones", "returns"]);

      const ack = await kiosk.ok("visit:check-in", {
        requestId: rid(),
        topicId: "phones",
        name: "Zoe Quill",
        note: "screen cracked",
      });
      expect(ack).toMatchObject({ code: "P-001", visitId: expect.any(String) });
      expect(String(ack.customerUrl)).toMatch(/^http:\/\/undivided\.test\/visit\.html\?store=/);
      const visitId = String(ack.visitId);

      const offered = await ana.until<AssociateView>((v) => v.offer !== null);
      expect(offered.offer?.visit).toMatchObject({
        visitId,
        name: "Zoe Quill",
        note: "screen cracked",
      });
      expect(offered.offer?.deadline).toBe(world.clock.now + 30 * SEC);
      await display.until<DisplayView>((v) =>
        v.nowServing.some((s) => s.code === "P-001" && s.status === "offered"),
      );

      const customer = await world.customer(tokenOf(String(ack.customerUrl)));
      expect(customer.view).toMatchObject({
        role: "customer",
        visitId,
        code: "P-001",
        status: "offered",
        // Ana has not said yes: nobody is named yet (invariant 8).
        associate: null,
      });

      world.clock.advance(20 * SEC);
      const accepted = await ana.ok("offer:accept", {
        requestId: rid(),
        offerId: String(offered.offer?.offerId),
      });
      expect(accepted).toMatchObject({ visitId, version: expect.any(Number) });
      await display.until<DisplayView>(
        (v) =>
          v.nowServing.length === 1 &&
          v.nowServing[0]?.code === "P-001" &&
          v.nowServing[0]?.status === "serving" &&
          v.nowServing[0]?.associateFirstName === "Ana" &&
          v.nowServing[0]?.topicName === "Phones",
      );
      await customer.until<CustomerView>(
        (v) => v.status === "serving" && v.associate?.firstName === "Ana",
      );
      const serving = await ana.until<AssociateView>((v) => v.visit?.visitId === visitId);
      expect(serving.offer).toBeNull();
      expect(serving.visit?.servingSince).toBe(world.clock.now);
      await max.until<ManagerView>(
        (v) => v.colleagues.find((c) => c.id === "ana")?.busy === "visit",
      );

      world.clock.advance(5 * MIN);
      await ana.ok("visit:complete", {
        requestId: rid(),
        visitId,
        outcome: "resolved",
        note: "replaced the screen",
      });
      await customer.until<CustomerView>((v) => v.status === "done" && v.canGiveFeedback);
      await display.until<DisplayView>((v) => v.nowServing.length === 0);
      await ana.until<AssociateView>((v) => v.visit === null && v.me.busy === null);

      await customer.ok("feedback:give", {
        requestId: rid(),
        satisfaction: "yes",
        comment: "quick and kind",
        kudos: true,
      });
      await customer.until<CustomerView>((v) => v.feedbackGiven && !v.canGiveFeedback);
      const manager = await max.until<ManagerView>((v) => v.recent[0]?.feedback !== null);
      expect(manager.recent[0]).toMatchObject({
        visitId,
        outcome: "resolved",
        associateId: "ana",
        feedback: { satisfaction: "yes", comment: "quick and kind", kudos: true },
      });
      expect(manager.stats.offers).toMatchObject({ created: 1, accepted: 1 });

      const again = await customer.send("feedback:give", { requestId: rid(), satisfaction: "no" });
      expect(again).toMatchObject({ ok: false, error: { code: "FEEDBACK_ALREADY_GIVEN" } });
    });

    it("an offer not accepted in time expires: that associate goes away, the next is offered", async () => {
      const { ana, bo, max } = await tablets();
      const kiosk = await world.kiosk();
      const { visitId } = await checkIn(kiosk);
      const first = await ana.until<AssociateView>((v) => v.offer?.visit.visitId === visitId);
      expect((await world.state()).associates.get("bo")?.offerId).toBeUndefined();

      await world.advance(29 * SEC);
      expect((await world.state()).offers.has(String(first.offer?.offerId))).toBe(true);

      await world.advance(1 * SEC);
      const second = await bo.until<AssociateView>((v) => v.offer?.visit.visitId === visitId);
      expect(second.offer?.offerId).not.toBe(first.offer?.offerId);
      const lapsed = await ana.until<AssociateView>((v) => v.offer === null);
      expect(lapsed.me.presence).toBe("away");
      await max.until<ManagerView>((v) => v.stats.offers.expired === 1);

      const late = await ana.send("offer:accept", {
        requestId: rid(),
        offerId: String(first.offer?.offerId),
      });
      expect(late).toMatchObject({ ok: false, error: { code: "OFFER_NOT_PENDING" } });
      expect((await world.state()).visits.get(visitId)?.associateId).toBe("bo");
    });

    it("a declined offer goes to the next associate; declined by all who could serve it, it goes to anyone else at once", async () => {
      const { ana, bo, max } = await tablets();
      const kiosk = await world.kiosk();
      const { visitId, token } = await checkIn(kiosk);
      const customer = await world.customer(token);
      const offer = (await ana.until<AssociateView>((v) => v.offer !== null)).offer;

      const declined = await ana.send("offer:decline", {
        requestId: rid(),
        offerId: String(offer?.offerId),
        reason: "on a call",
      });
      expect(declined).toMatchObject({ ok: true, data: { visitId } });
      await bo.until<AssociateView>((v) => v.offer?.visit.visitId === visitId);
      await ana.until<AssociateView>((v) => v.offer === null);
      // Bo is being asked: the customer is told someone is being found, not who.
      expect(customer.view).toMatchObject({ status: "offered", associate: null });

      // Both phones associates said no: the visit widens at once to Max (returns), who is free,
      // instead of waiting for the widening timer; the manager hears of it.
      await bo.ok("offer:decline", { requestId: rid(), offerId: String(offerOf(bo)?.offerId) });
      const maxOffer = await max.until<ManagerView>((v) => v.offer?.visit.visitId === visitId);
      expect(maxOffer.alerts).toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: "declined_by_all" })]),
      );
      const state = await world.state();
      expect(state.visits.get(visitId)).toMatchObject({ declinedBy: ["ana", "bo"], widened: true });
    });

    it("a transfer to another topic puts the visit back in line for someone with that skill", async () => {
      const { ana, bo, max } = await tablets();
      const kiosk = await world.kiosk();
      const { visitId, token } = await checkIn(kiosk);
      const customer = await world.customer(token);
      const offer = (await ana.until<AssociateView>((v) => v.offer !== null)).offer;
      await ana.ok("offer:accept", { requestId: rid(), offerId: String(offer?.offerId) });
      await ana.until<AssociateView>((v) => v.visit?.visitId === visitId);

      const refused = await ana.send("visit:transfer", {
        requestId: rid(),
        visitId,
        toTopicId: "returns",
        toAssociateId: "bo",
      });
      expect(refused).toMatchObject({ ok: false, error: { code: "INVALID_COMMAND" } });

      await ana.ok("visit:transfer", {
        requestId: rid(),
        visitId,
        toTopicId: "returns",
        note: "wants a refund",
      });
      const managerOffer = await max.until<AssociateView>(
        (v) => v.offer?.visit.visitId === visitId,
      );
      expect(managerOffer.offer?.visit).toMatchObject({
        topicId: "returns",
        notes: [expect.objectContaining({ by: "ana", text: "wants a refund" })],
      });
      await ana.until<AssociateView>((v) => v.visit === null);
      // Handed on: the customer hears sorry from Ana's side, and nobody new is named yet.
      await customer.until<CustomerView>(
        (v) =>
          v.topicName === "Returns" &&
          v.associate === null &&
          v.apology?.previousFirstName === "Ana",
      );

      await max.ok("offer:accept", {
        requestId: rid(),
        offerId: String(managerOffer.offer?.offerId),
      });
      await customer.until<CustomerView>(
        (v) => v.associate?.firstName === "Max" && v.apology?.previousFirstName === "Ana",
      );
      await max.ok("visit:transfer", { requestId: rid(), visitId, toAssociateId: "bo" });
      await bo.until<AssociateView>((v) => v.offer?.visit.visitId === visitId);
      expect((await world.state()).visits.get(visitId)?.targetAssociateId).toBe("bo");
    });

    it("a tablet that reconnects within the grace keeps its offer; after the grace it is re-offered", async () => {
      const { ana, bo, max } = await tablets();
      // Offers outlast both graces below, so only the lost connection can take this one away.
      const settings = { ...testSettings, offerTimeoutSec: 120 };
      await max.ok("store:update-settings", { requestId: rid(), settings });
      const kiosk = await world.kiosk();
      const { visitId } = await checkIn(kiosk);
      const offerId = (await ana.until<AssociateView>((v) => v.offer !== null)).offer?.offerId;

      await ana.disconnect();
      await max.until<ManagerView>(
        (v) => v.colleagues.find((c) => c.id === "ana")?.connected === false,
      );
      await world.advance(10 * SEC);
      const back = await world.connect({
        sessionToken: await sessionTokenOfNewSignIn(world, "ana"),
      });
      expect((back.view as AssociateView).offer?.offerId).toBe(offerId);
      await max.until<ManagerView>(
        (v) => v.colleagues.find((c) => c.id === "ana")?.connected === true,
      );
      await world.advance(10 * SEC);
      expect((await world.state()).offers.get(String(offerId))?.associateId).toBe("ana");

      await back.disconnect();
      await max.until<ManagerView>(
        (v) => v.colleagues.find((c) => c.id === "ana")?.connected === false,
      );
      await world.advance(14 * SEC);
      expect((await world.state()).offers.get(String(offerId))?.associateId).toBe("ana");
      await world.advance(1 * SEC);
      await bo.until<AssociateView>((v) => v.offer?.visit.visitId === visitId);
      const alerted = await max.until<ManagerView>((v) =>
        v.alerts.some((a) => a.kind === "tablet_dropped" && a.associateId === "ana"),
      );
      expect(alerted.stats.availableAssociates).toBe(2);
    });

    it("a tablet reloaded at once stays connected: the drop is not applied after the return", async () => {
      const { ana, max } = await tablets();
      const kiosk = await world.kiosk();
      await checkIn(kiosk);
      const offerId = (await ana.until<AssociateView>((v) => v.offer !== null)).offer?.offerId;
      const session = await sessionTokenOfNewSignIn(world, "ana");
      const before = (await world.state()).version;

      ana.socket.close();
      const back = await world.connect({ sessionToken: session });
      // The drop and the return are one commit each, in that order.
      await max.until<ManagerView>(
        (v, version) =>
          version >= before + 2 && v.colleagues.find((c) => c.id === "ana")?.connected === true,
      );
      await world.advance(16 * SEC);
      const state = await world.state();
      expect(state.version).toBe(before + 2);
      expect(state.associates.get("ana")).toMatchObject({ connected: true, connectionLost: false });
      expect(state.offers.get(String(offerId))?.associateId).toBe("ana");
      expect((back.view as AssociateView).offer?.offerId).toBe(offerId);
    });

    it("a customer keeps their place while paused and is offered again on resume", async () => {
      const { ana } = await tablets();
      const kiosk = await world.kiosk();
      const { visitId, token } = await checkIn(kiosk);
      const customer = await world.customer(token);
      await ana.until<AssociateView>((v) => v.offer?.visit.visitId === visitId);

      await customer.ok("visit:pause", { requestId: rid() });
      await customer.until<CustomerView>((v) => v.paused && v.status === "waiting");
      const line = await ana.until<AssociateView>(
        (v) => v.offer === null && v.line.some((x) => x.visitId === visitId && x.paused),
      );
      expect(line.offer).toBeNull();

      const other = await checkIn(kiosk, "Yuri Vance");
      await ana.until<AssociateView>((v) => v.offer?.visit.visitId === other.visitId);
      await ana.ok("offer:decline", { requestId: rid(), offerId: String(offerOf(ana)?.offerId) });

      await customer.ok("visit:resume", { requestId: rid() });
      await ana.until<AssociateView>((v) => v.offer?.visit.visitId === visitId);
      await customer.until<CustomerView>((v) => !v.paused && v.status === "offered");
    });

    it("call-ahead: join over HTTP, arrive, get offered; an unarrived visit expires after its hold", async () => {
      const { ana } = await tablets();
      const joined = await request<{ customerToken: string; status: string; visitId: string }>(
        world.server.url,
        "POST",
        `/api/stores/${world.storeId}/join`,
        { requestId: rid(), topicId: "phones", name: "Cal Ahead", arrivingInMin: 10 },
      );
      expect(joined.status).toBe(201);
      expect(joined.body.status).toBe("expected");
      const customer = await world.customer(joined.body.customerToken);
      expect(customer.view).toMatchObject({
        status: "expected",
        holdUntil: world.clock.now + 15 * MIN,
      });
      expect(offerOf(ana)).toBeNull();

      world.clock.advance(8 * MIN);
      await customer.ok("visit:arrive", { requestId: rid() });
      await ana.until<AssociateView>((v) => v.offer?.visit.visitId === joined.body.visitId);
      await customer.until<CustomerView>((v) => v.status === "offered");
      const twice = await customer.send("visit:arrive", { requestId: rid() });
      expect(twice).toMatchObject({ ok: false, error: { code: "INVALID_TRANSITION" } });

      const late = await request<{ customerToken: string; visitId: string }>(
        world.server.url,
        "POST",
        `/api/stores/${world.storeId}/join`,
        { requestId: rid(), topicId: "phones", arrivingInMin: 0 },
      );
      const lateCustomer = await world.customer(late.body.customerToken);
      await world.advance(5 * MIN - 1);
      expect((lateCustomer.view as CustomerView).status).toBe("expected");
      await world.advance(1);
      await lateCustomer.until<CustomerView>((v) => v.status === "expired");
      const tooLate = await lateCustomer.send("visit:arrive", { requestId: rid() });
      expect(tooLate).toMatchObject({ ok: false });
      expect((await world.state()).closed.get(late.body.visitId)?.status).toBe("expired");
    });

    it("while intake is paused, kiosks and the HTTP join are refused and every kiosk shows closed", async () => {
      const { max } = await tablets();
      const kiosk = await world.kiosk();
      const display = await world.display();
      await max.ok("intake:pause", { requestId: rid() });
      await kiosk.until<KioskView>((v) => !v.open);
      await display.until<DisplayView>((v) => !v.open);
      const before = (await world.state()).version;

      const refused = await kiosk.send("visit:check-in", { requestId: rid(), topicId: "phones" });
      expect(refused).toMatchObject({ ok: false, error: { code: "INTAKE_PAUSED" } });
      const http = await request(world.server.url, "POST", `/api/stores/${world.storeId}/join`, {
        requestId: rid(),
        topicId: "phones",
      });
      expect(http).toMatchObject({ status: 409, body: { error: { code: "INTAKE_PAUSED" } } });
      const after = await world.state();
      expect(after.version).toBe(before);
      expect(after.visits.size).toBe(0);

      await max.ok("intake:resume", { requestId: rid() });
      await kiosk.until<KioskView>((v) => v.open);
      await checkIn(kiosk);
    });

    it("a retried check-in (same request id) makes one visit and answers the same ticket", async () => {
      const kiosk = await world.kiosk();
      const requestId = rid();
      const payload = { requestId, topicId: "phones", name: "Ida Twice" };
      const first = await kiosk.send("visit:check-in", payload);
      const second = await kiosk.send("visit:check-in", payload);
      if (!first.ok) throw new Error(first.error.message);
      expect(first.data.duplicate).toBe(false);
      // The same ticket, saying it is an answer given before.
      expect(second).toEqual({ ok: true, data: { ...first.data, duplicate: true } });

      const racing = rid();
      const [a, b] = await Promise.all([
        kiosk.send("visit:check-in", { ...payload, requestId: racing }),
        kiosk.send("visit:check-in", { ...payload, requestId: racing }),
      ]);
      if (!a.ok || !b.ok) throw new Error("a racing check-in was refused");
      // One of the two was applied; the other answers its ticket as a duplicate.
      expect([a.data.duplicate, b.data.duplicate].sort()).toEqual([false, true]);
      expect({ ...b.data, duplicate: true }).toEqual({ ...a.data, duplicate: true });

      const state = await world.state();
      expect(state.visits.size).toBe(2);
      expect(state.tokens.size).toBe(2);
      const display = await world.display();
      expect((display.view as DisplayView).waiting[0]?.codes).toEqual(["P-001", "P-002"]);
    });

    it("tablets and the console, kept up by changes (unchanged records and lists left out), hold exactly the whole view", async () => {
      const { ana, bo, max } = await tablets();
      const kiosk = await world.kiosk();
      /** After each step: both plain tablets hold what a full view would show them now. */
      const same = async () => {
        const state = await world.state();
        const projection = new Projection(state, world.clock.now);
        for (const [id, tablet] of [
          ["ana", ana],
          ["bo", bo],
        ] as const) {
          const whole = JSON.parse(JSON.stringify(projection.associate(id)));
          const held = await tablet.until((v) => isDeepStrictEqual(v, whole));
          expect(held, `${id} at ${state.version}`).toEqual(whole);
        }
        const whole = JSON.parse(JSON.stringify(projection.manager("max")));
        const manager = await max.until((v) => isDeepStrictEqual(v, whole));
        expect(manager, `max at ${state.version}`).toEqual(whole);
      };
      const first = await checkIn(kiosk, "Zoe Quill", "cracked screen");
      await same();
      world.clock.advance(10 * SEC);
      const second = await checkIn(kiosk, "Yuri Vance");
      await same();
      await bo.ok("associate:set-presence", { requestId: rid(), presence: "away" });
      await same();
      await ana.ok("offer:accept", { requestId: rid(), offerId: String(offerOf(ana)?.offerId) });
      await same();
      await bo.ok("associate:set-presence", { requestId: rid(), presence: "available" });
      await same();
      await bo.ok("offer:decline", { requestId: rid(), offerId: String(offerOf(bo)?.offerId) });
      await same();
      world.clock.advance(2 * MIN);
      await ana.ok("visit:transfer", {
        requestId: rid(),
        visitId: first.visitId,
        toTopicId: "returns",
      });
      await same();
      await max.ok("offer:accept", { requestId: rid(), offerId: String(offerOf(max)?.offerId) });
      await max.ok("visit:complete", {
        requestId: rid(),
        visitId: first.visitId,
        outcome: "resolved",
      });
      await same();
      const patches = (c: Client) =>
        c.received.filter((r) => r.event === "view:patch").map((r) => r.args[0] as ViewPatch);
      // One kind of message; after the first (the whole view), only changes, one per change.
      for (const c of [ana, bo, max]) {
        expect(c.received.every((r) => r.event === "view:patch")).toBe(true);
        const sent = patches(c);
        expect(sent.length).toBeGreaterThanOrEqual(8);
        expect(sent[0]?.since).toBe(-1);
        expect(sent.slice(1).every((u) => u.since >= 0 && !("=" in u.patch))).toBe(true);
        expect(new Set(sent.map((u) => u.version)).size).toBe(sent.length);
      }
      // The line came as the records that changed, not the whole line again.
      const lineChanges = patches(bo)
        .slice(1)
        .map((u) => ("o" in u.patch ? u.patch.o.line : undefined))
        .filter((p) => p !== undefined);
      expect(lineChanges.length).toBeGreaterThan(0);
      expect(lineChanges.every((p) => p && "k" in p && p.k === "visitId")).toBe(true);
      // The manager's list of today's ended visits came only with the change that changed it.
      const recentSent = patches(max)
        .slice(1)
        .filter((u) => "o" in u.patch && "recent" in u.patch.o);
      expect(recentSent).toHaveLength(1);
      // Bo declined the second visit; Ana, free again after the transfer, has it now.
      expect(offerOf(ana)?.visit.visitId).toBe(second.visitId);
    });
  });
}

/** A second session for an associate (a reloaded tablet signs in again). */
const sessionTokenOfNewSignIn = (world: World, associateId: string): Promise<string> =>
  sessionOf(world.server.url, world.storeId, associateId);
