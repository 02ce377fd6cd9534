import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Ack } from "../../shared/protocol.js";
import type { AssociateView, CustomerView, ManagerView } from "../../shared/views.js";
import {
  ADMIN_TOKEN,
  type Client,
  MIN,
  SEC,
  World,
  refusedCode,
  request,
  rid,
  serverBackends,
  signIn,
  staff,
  tokenOf,
} from "../support/server.js";

/**
 * What must never leave the staff side: a kiosk and a wall display are in public view, so every
 * payload they get during a busy scenario is scanned for customers' names, notes and tokens.
 * And PIN sign-in locks an associate out after five wrong tries.
 */

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`privacy and sign-in (${backend.name})`, () => {
    let world: World;
    beforeEach(async () => {
      world = await World.start(backend.name);
    });
    afterEach(async () => {
      await world.stop();
    });

    it("kiosk and display payloads carry no customer name, note or token", async () => {
      const kiosk = await world.kiosk();
      const display = await world.display();
      const ana = await world.tablet("ana");
      world.clock.advance(1000);
      const bo = await world.tablet("bo");
      const max = await world.tablet("max");
      const secrets: string[] = [
        ...staff.flatMap((m) => [m.name, m.name.split(" ")[1] ?? m.name]),
        ...[...world.sessions.values()],
        world.ids.displayToken,
        ADMIN_TOKEN,
      ];
      const kioskAcks: Array<{ ack: Ack<Record<string, unknown>>; token: string }> = [];

      const walkIn = async (name: string, note: string) => {
        secrets.push(name, ...name.split(" "), note);
        const ack = await kiosk.send("visit:check-in", {
          requestId: rid(),
          topicId: "phones",
          name,
          note,
          language: "en",
        });
        if (!ack.ok) throw new Error(ack.error.code);
        const token = tokenOf(String(ack.data.customerUrl));
        kioskAcks.push({ ack, token });
        return { visitId: String(ack.data.visitId), customer: await world.customer(token) };
      };
      const first = await walkIn("Quentin Zarkowski", "secret-note-alpha");
      const second = await walkIn("Philippa Drummond", "secret-note-beta");

      const joined = await request<{ customerToken: string; visitId: string }>(
        world.server.url,
        "POST",
        `/api/stores/${world.storeId}/join`,
        {
          requestId: rid(),
          topicId: "phones",
          name: "Rosalind Vexley",
          note: "secret-note-gamma",
          arrivingInMin: 0,
        },
      );
      const staffEntry = await request<{ customerToken: string }>(
        world.server.url,
        "POST",
        `/api/stores/${world.storeId}/visits`,
        { requestId: rid(), topicId: "returns", name: "Ignatius Pell", note: "secret-note-delta" },
        ADMIN_TOKEN,
      );
      secrets.push(
        "Rosalind",
        "Vexley",
        "secret-note-gamma",
        "Ignatius",
        "Pell",
        "secret-note-delta",
        joined.body.customerToken,
        staffEntry.body.customerToken,
        "secret-transfer-note",
        "secret-complete-note",
        "secret-feedback-comment",
        "secret-manager-call",
        "secret-decline-reason",
      );

      // Ana serves the first, transfers it to returns; Max serves it and completes it.
      const offerA = (
        await ana.until<AssociateView>((v) => v.offer?.visit.visitId === first.visitId)
      ).offer;
      await ana.ok("offer:accept", { requestId: rid(), offerId: String(offerA?.offerId) });
      await ana.ok("manager:call", {
        requestId: rid(),
        visitId: first.visitId,
        note: "secret-manager-call",
      });
      await ana.ok("visit:transfer", {
        requestId: rid(),
        visitId: first.visitId,
        toTopicId: "returns",
        note: "secret-transfer-note",
      });
      // Bo declines the second; it goes to Ana.
      const offerB = (
        await bo.until<AssociateView>((v) => v.offer?.visit.visitId === second.visitId)
      ).offer;
      await bo.ok("offer:decline", {
        requestId: rid(),
        offerId: String(offerB?.offerId),
        reason: "secret-decline-reason",
      });
      await ana.until<AssociateView>((v) => v.offer?.visit.visitId === second.visitId);
      // Max, the only one for returns, takes the staff entry first (it was in line earlier).
      await max.until<AssociateView>((v) => v.offer !== null);
      await max.ok("offer:accept", {
        requestId: rid(),
        offerId: String((max.view as AssociateView).offer?.offerId),
      });
      const held = String((await max.until<AssociateView>((v) => v.visit !== null)).visit?.visitId);
      await max.ok("visit:complete", {
        requestId: rid(),
        visitId: held,
        outcome: "resolved",
        note: "secret-complete-note",
      });
      const transferred = await max.until<AssociateView>(
        (v) => v.offer?.visit.visitId === first.visitId,
      );
      await max.ok("offer:accept", {
        requestId: rid(),
        offerId: String(transferred.offer?.offerId),
      });
      await max.ok("visit:complete", {
        requestId: rid(),
        visitId: first.visitId,
        outcome: "follow_up",
        note: "secret-complete-note",
      });
      await first.customer.until<CustomerView>((v) => v.canGiveFeedback);
      await first.customer.ok("feedback:give", {
        requestId: rid(),
        satisfaction: "partly",
        comment: "secret-feedback-comment",
      });
      const manager = await max.until<ManagerView>((v) =>
        v.recent.some((r) => r.feedback?.comment === "secret-feedback-comment"),
      );
      await second.customer.ok("visit:leave", { requestId: rid() });

      const final = (await world.state()).version;
      await kiosk.until((_v, version) => version === final);
      await display.until((_v, version) => version === final);

      // The secrets did flow through the system: staff saw them.
      const staffSaw = JSON.stringify([ana.received, max.received]);
      for (const s of ["Quentin Zarkowski", "secret-note-alpha", "secret-transfer-note"])
        expect(staffSaw).toContain(s);
      // The manager was called about the first visit; the alert closed itself when it ended.
      expect(JSON.stringify(max.received)).toContain("secret-manager-call");
      expect(manager.alerts.some((a) => a.note === "secret-manager-call")).toBe(false);

      const views = (c: Client) => JSON.stringify(c.received);
      for (const [who, payloads] of [
        ["kiosk", views(kiosk)],
        ["display", views(display)],
      ] as const) {
        expect(payloads.length, who).toBeGreaterThan(1000);
        for (const s of [...secrets, ...kioskAcks.map((k) => k.token)])
          expect(payloads, `${who} got ${s}`).not.toContain(s);
      }
      // A kiosk prints its own ticket's link, and nothing else of anyone.
      for (const { ack, token } of kioskAcks) {
        const text = JSON.stringify(ack);
        for (const s of secrets) expect(text).not.toContain(s);
        for (const other of kioskAcks.filter((k) => k.token !== token))
          expect(text).not.toContain(other.token);
      }
    });

    it("locks an associate out after five wrong PINs, with its own code", async () => {
      const { url } = world.server;
      const storeId = world.storeId;
      for (let i = 1; i <= 4; i++) {
        const reply = await signIn(url, storeId, "ana", "0000");
        expect(reply, `try ${i}`).toMatchObject({
          status: 401,
          body: { error: { code: "WRONG_PIN" } },
        });
      }
      const fifth = await signIn(url, storeId, "ana", "0000");
      expect(fifth).toMatchObject({ status: 423, body: { error: { code: "SIGN_IN_LOCKED" } } });
      const right = await signIn(url, storeId, "ana", "1357");
      expect(right).toMatchObject({ status: 423, body: { error: { code: "SIGN_IN_LOCKED" } } });
      expect(JSON.stringify(right.body)).not.toContain("ses_");

      // Only Ana is locked (at this test's address; tests/integration/sign-in-hardening.test.ts
      // shows other addresses are not); the state never saw any of it.
      expect((await world.state()).associates.get("ana")?.presence).toBe("offline");
      expect((await signIn(url, storeId, "bo", "2468")).status).toBe(201);
      const unknown = await signIn(url, storeId, "nobody", "1234");
      expect(unknown).toMatchObject({ status: 401, body: { error: { code: "WRONG_PIN" } } });
      expect(await refusedCode(url, { storeId, sessionToken: `ses_${"z".repeat(32)}` })).toBe(
        "UNAUTHORIZED",
      );

      // The lock lasts five minutes from the first wrong PIN (the directory's time to live:
      // the embedded one reads the test's clock; Redis keeps its own, so there only its TTL).
      const left = await world.server.directory.ttl(storeId, "fails:ana/127.0.0.1");
      expect(left).toBeGreaterThan(4 * MIN);
      expect(left).toBeLessThanOrEqual(5 * MIN);
      if (backend.name === "embedded") {
        world.clock.advance(5 * MIN - SEC);
        expect((await signIn(url, storeId, "ana", "1357")).status).toBe(423);
        world.clock.advance(SEC);
        expect((await signIn(url, storeId, "ana", "1357")).status).toBe(201);
        // The count starts again: four more wrong PINs do not lock her out.
        for (let i = 1; i <= 4; i++)
          expect((await signIn(url, storeId, "ana", "0000")).status).toBe(401);
      }

      // A manager resetting the PIN lifts the lock.
      const reset = await request(
        url,
        "PUT",
        `/api/admin/stores/${storeId}/associates/ana/pin`,
        { pin: "8642" },
        ADMIN_TOKEN,
      );
      expect(reset.status).toBe(204);
      expect((await signIn(url, storeId, "ana", "8642")).status).toBe(201);
    });
  });
}
