import { io as connectClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../shared/errors.js";
import {
  type ClientEvent,
  type Payload,
  eventsByRole,
  payloadSchemas,
} from "../../shared/protocol.js";
import type { AssociateView, CustomerView, Role } from "../../shared/views.js";
import {
  ADMIN_TOKEN,
  type Client,
  World,
  emitWithAck,
  raw,
  refusedCode,
  request,
  rid,
  serverBackends,
  sessionOf,
  testSettings,
  tokenOf,
  waitFor,
} from "../support/server.js";

/**
 * The edge of the protocol: whatever a client sends, in whatever shape, it gets a stable error
 * code (or nothing, without an ack), the store does not change and the process keeps serving.
 * Each role may send only its own events, and only as itself.
 */

const EVENTS = Object.keys(payloadSchemas) as ClientEvent[];
const ROLES: Role[] = ["kiosk", "display", "customer", "associate", "manager"];

/** A valid payload of every event, so a refusal can only come from the role check. */
const validPayload: { [E in ClientEvent]: Payload<E> } = {
  "view:sync": {},
  "visit:check-in": { requestId: rid(), topicId: "phones", name: "Role Test" },
  "visit:arrive": { requestId: rid() },
  "visit:pause": { requestId: rid() },
  "visit:resume": { requestId: rid() },
  "visit:leave": { requestId: rid() },
  "feedback:give": { requestId: rid(), satisfaction: "yes" },
  "associate:set-presence": { requestId: rid(), presence: "away" },
  "offer:accept": { requestId: rid(), offerId: "o-1" },
  "offer:decline": { requestId: rid(), offerId: "o-1" },
  "visit:complete": { requestId: rid(), visitId: "v-1", outcome: "resolved" },
  "visit:no-show": { requestId: rid(), visitId: "v-1" },
  "visit:transfer": { requestId: rid(), visitId: "v-1", toTopicId: "returns" },
  "manager:call": { requestId: rid() },
  "visit:reassign": { requestId: rid(), visitId: "v-1" },
  "visit:set-priority": { requestId: rid(), visitId: "v-1", priority: 5 },
  "intake:pause": { requestId: rid() },
  "intake:resume": { requestId: rid() },
  "alert:resolve": { requestId: rid(), alertId: "a-1" },
  "follow-up:done": { requestId: rid(), visitId: "v-1", note: "Called them back" },
  "store:update-settings": { requestId: rid(), settings: testSettings },
  "visit:resume-by-code": { requestId: rid(), code: "P-001" },
  "visit:undo-no-show": { requestId: rid(), visitId: "v-1" },
  "visit:bring-back": { requestId: rid(), visitId: "v-1" },
  "associate:end-wrap-up": { requestId: rid() },
  "visit:walk-in": { requestId: rid(), topicId: "phones", name: "Walk In" },
};

/** Payloads no event accepts (view:sync takes an empty object, so `{}`-like ones are apart). */
const malformed: Array<[string, unknown]> = [
  ["a string", "visit:check-in"],
  ["a number", 42],
  ["a boolean", true],
  ["an array", [{ requestId: "r-1" }]],
  ["a nested bomb", { requestId: { $gt: "" }, topicId: ["phones"] }],
  ["an unknown field", { requestId: "r-1", admin: true, __proto__: { polluted: true } }],
  ["a request id with spaces", { requestId: "r 1; DROP TABLE" }],
  ["an oversized request id", { requestId: "r".repeat(65) }],
  ["an oversized text field", { requestId: "r-1", note: "n".repeat(2000) }],
];

/** Settings with a field the store does not know, at the top and inside a topic: refused. */
const unknownSettingsFields: Array<[string, unknown]> = [
  ["a misspelt limit", { ...testSettings, offerTimeoutSecs: 45 }],
  [
    "a misspelt topic field",
    {
      ...testSettings,
      topics: testSettings.topics.map((t, i) => (i === 0 ? { ...t, expectedServiceMins: 9 } : t)),
    },
  ],
];

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`bad input and roles (${backend.name})`, () => {
    let world: World;
    let byRole: Record<Role, Client>;
    let customer: Client;
    let otherCustomer: Client;
    let otherVisit: { visitId: string; code: string };

    beforeAll(async () => {
      world = await World.start(backend.name);
      const associate = await world.tablet("ana");
      const manager = await world.tablet("max");
      const kiosk = await world.kiosk();
      const display = await world.display();
      const first = await kiosk.ok("visit:check-in", {
        requestId: rid(),
        topicId: "phones",
        name: "Una Mine",
      });
      const second = await kiosk.ok("visit:check-in", {
        requestId: rid(),
        topicId: "returns",
        name: "Otto Theirs",
      });
      customer = await world.customer(tokenOf(String(first.customerUrl)));
      otherCustomer = await world.customer(tokenOf(String(second.customerUrl)));
      otherVisit = { visitId: String(second.visitId), code: String(second.code) };
      await associate.until<AssociateView>((v) => v.offer !== null);
      await manager.until<AssociateView>((v) => v.offer !== null);
      byRole = { kiosk, display, customer, associate, manager };
    });
    afterAll(async () => {
      await world.stop();
    });

    /** Runs `probe`, then proves nothing changed: same version, no view pushed, still serving. */
    async function unchanged(probe: () => Promise<void>): Promise<void> {
      const before = await world.state();
      await byRole.display.send("view:sync", {});
      const pushed = byRole.display.received.length;
      await probe();
      // A round trip on every socket after the probe: each answers, so the server is alive
      // and has handled everything sent before it.
      for (const client of Object.values(byRole)) {
        const sync = await client.send("view:sync", {});
        expect(sync).toMatchObject({ ok: true, data: { version: before.version } });
      }
      const after = await world.state();
      expect(after.version).toBe(before.version);
      expect(after.visits.equals(before.visits)).toBe(true);
      expect(after.associates.equals(before.associates)).toBe(true);
      // Nothing changed: no change was pushed (only the whole views the syncs asked for).
      const updates = byRole.display.received
        .slice(pushed)
        .filter((r) => r.event === "view:patch" && (r.args[0] as { since: number }).since >= 0);
      expect(updates).toEqual([]);
    }

    it("answers every event sent with no payload, null or garbage with INVALID_COMMAND", async () => {
      await unchanged(async () => {
        for (const role of ROLES) {
          const socket = raw(byRole[role]);
          for (const event of eventsByRole[role]) {
            const shapes: Array<[string, unknown[]]> = [
              ...malformed.map(([what, p]): [string, unknown[]] => [what, [p]]),
              ["an extra argument", [{ requestId: "r 1" }, "extra", 7]],
            ];
            // view:sync too: its payload is `{}`, and none is none (docs/PROTOCOL.md).
            shapes.push(["no payload", []], ["null", [null]]);
            for (const [what, args] of shapes) {
              const ack = await emitWithAck(socket, event, ...args);
              const label = `${role} ${event} with ${what}`;
              expect(ack.ok, label).toBe(false);
              if (!ack.ok) {
                // A settings payload that lacks its settings may say so with its own code.
                const codes =
                  event === "store:update-settings"
                    ? ["INVALID_COMMAND", "INVALID_SETTINGS"]
                    : ["INVALID_COMMAND"];
                expect(codes, label).toContain(ack.error.code);
                expect(ack.error.message, label).toEqual(expect.any(String));
              }
            }
          }
        }
      });
    });

    it("ignores events without an ack, whatever their payload", async () => {
      await unchanged(async () => {
        for (const role of ROLES) {
          const socket = raw(byRole[role]);
          for (const event of eventsByRole[role]) {
            socket.emit(event);
            socket.emit(event, null);
            socket.emit(event, "garbage");
            socket.emit(event, { ...validPayload[event], requestId: rid() });
          }
        }
      });
    });

    it("refuses bad settings with INVALID_SETTINGS and unknown events with INVALID_COMMAND", async () => {
      await unchanged(async () => {
        const settings = await byRole.manager.send("store:update-settings", {
          requestId: rid(),
          settings: { ...testSettings, offerTimeoutSec: 1 },
        });
        expect(settings).toMatchObject({ ok: false, error: { code: "INVALID_SETTINGS" } });
        for (const [where, unknown] of unknownSettingsFields) {
          const ack = await byRole.manager.send("store:update-settings", {
            requestId: rid(),
            settings: unknown as typeof testSettings,
          });
          expect(ack, where).toMatchObject({ ok: false, error: { code: "INVALID_SETTINGS" } });
          if (!ack.ok) expect(ack.error.message, where).toMatch(/unrecognized key/i);
        }
        for (const event of [
          "visit:explode",
          "constructor",
          "__proto__",
          "toString",
          "x".repeat(500),
        ]) {
          const ack = await emitWithAck(raw(byRole.manager), event, { requestId: rid() });
          expect(ack, event).toMatchObject({ ok: false, error: { code: "INVALID_COMMAND" } });
        }
      });
    });

    it("refuses settings with unknown fields over HTTP too, creating and changing nothing", async () => {
      const admin = (method: string, path: string, body: unknown) =>
        request<{ error?: { code: string; message: string } }>(
          world.server.url,
          method,
          `/api/admin${path}`,
          body,
          ADMIN_TOKEN,
        );
      await unchanged(async () => {
        for (const [where, unknown] of unknownSettingsFields) {
          const changed = await admin("PUT", `/stores/${world.storeId}/settings`, unknown);
          expect([changed.status, changed.body.error?.code], where).toEqual([
            400,
            "INVALID_SETTINGS",
          ]);
          expect(changed.body.error?.message, where).toMatch(/unrecognized key/i);
          const created = await admin("POST", "/stores", {
            storeId: "unknowns",
            settings: unknown,
          });
          expect([created.status, created.body.error?.code], where).toEqual([
            400,
            "INVALID_SETTINGS",
          ]);
        }
      });
      expect((await admin("GET", "/stores/unknowns/settings", undefined)).status).toBe(404);
    });

    it("drops a socket that sends a frame over the size limit, and nothing else", async () => {
      const victim = await world.kiosk();
      await unchanged(async () => {
        const gone = waitFor(raw(victim), "disconnect");
        raw(victim).emit(
          "visit:check-in",
          { requestId: rid(), topicId: "phones", note: "x".repeat(200_000) },
          () => {
            throw new Error("an oversized frame was answered");
          },
        );
        await gone;
      });
    });

    it("answers FORBIDDEN to every event a role may not send", async () => {
      let refused = 0;
      await unchanged(async () => {
        for (const role of ROLES) {
          for (const event of EVENTS.filter((e) => !eventsByRole[role].includes(e))) {
            const ack = await emitWithAck(raw(byRole[role]), event, {
              ...validPayload[event],
              requestId: rid(),
            });
            expect(ack, `${role} ${event}`).toMatchObject({
              ok: false,
              error: { code: "FORBIDDEN" },
            });
            refused++;
          }
        }
      });
      // kiosk 23, display 25, customer 20, associate 14, manager 7
      expect(refused).toBe(89);
    });

    it("lets a customer see and act on their own visit only", async () => {
      const mine = customer.view as CustomerView;
      expect(mine.visitId).not.toBe(otherVisit.visitId);
      await unchanged(async () => {
        const aimed = await customer.send("visit:leave", {
          requestId: rid(),
          visitId: otherVisit.visitId,
        } as never);
        expect(aimed).toMatchObject({ ok: false, error: { code: "INVALID_COMMAND" } });
      });
      const seen = JSON.stringify(customer.received);
      expect(seen).not.toContain(otherVisit.visitId);
      expect(seen).not.toContain(otherVisit.code);
      expect(seen).not.toContain("Otto");
      expect(seen).not.toContain("Una Mine");
      expect((otherCustomer.view as CustomerView).visitId).toBe(otherVisit.visitId);

      await customer.ok("visit:leave", { requestId: rid() });
      await customer.until<CustomerView>((v) => v.status === "left");
      const state = await world.state();
      expect(state.visits.get(otherVisit.visitId)?.status).toBe("offered");
    });

    it("lets an associate act only as themselves", async () => {
      const managerOffer = (byRole.manager.view as AssociateView).offer;
      await unchanged(async () => {
        const notYours = await byRole.associate.send("offer:accept", {
          requestId: rid(),
          offerId: String(managerOffer?.offerId),
        });
        expect(notYours).toMatchObject({ ok: false, error: { code: "OFFER_NOT_YOURS" } });
        const spoof = await byRole.associate.send("offer:accept", {
          requestId: rid(),
          offerId: String(managerOffer?.offerId),
          associateId: "max",
        } as never);
        expect(spoof).toMatchObject({ ok: false, error: { code: "INVALID_COMMAND" } });
        const complete = await byRole.associate.send("visit:complete", {
          requestId: rid(),
          visitId: otherVisit.visitId,
          outcome: "resolved",
        });
        expect(complete).toMatchObject({ ok: false, error: { code: "NOT_SERVING" } });
      });
    });

    it("refuses handshakes without valid credentials for that store", async () => {
      const url = world.server.url;
      const storeId = world.storeId;
      const customerToken = tokenOf(
        String(
          (await byRole.kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" }))
            .customerUrl,
        ),
      );
      const cases: unknown[] = [
        undefined,
        {},
        { storeId },
        { storeId, deviceToken: `dev_${"x".repeat(40)}` },
        { storeId, customerToken: "c".repeat(32) },
        { storeId, sessionToken: `ses_${"y".repeat(32)}` },
        { storeId: "elsewhere", deviceToken: world.ids.kioskToken },
        { storeId: "elsewhere", customerToken },
        { storeId, deviceToken: world.ids.kioskToken, role: "manager" },
        { storeId, deviceToken: world.ids.kioskToken, customerToken },
        { storeId: "../../etc", deviceToken: world.ids.kioskToken },
      ];
      for (const auth of cases) {
        expect(await refusedCode(url, auth), JSON.stringify(auth)).toBe("UNAUTHORIZED");
      }

      const devices = await request<{ devices: Array<{ deviceId: string; kind: string }> }>(
        url,
        "GET",
        `/api/admin/stores/${storeId}/devices`,
        undefined,
        ADMIN_TOKEN,
      );
      const display = devices.body.devices.find((d) => d.kind === "display");
      const live = await world.display();
      const ended = waitFor<{ code: string }>(live.socket, "session:ended");
      const revoked = await request(
        url,
        "DELETE",
        `/api/admin/stores/${storeId}/devices/${display?.deviceId}`,
        undefined,
        ADMIN_TOKEN,
      );
      expect(revoked.status).toBe(204);
      expect(await ended).toMatchObject({ code: "UNAUTHORIZED" });
      expect(await refusedCode(url, { storeId, deviceToken: world.ids.displayToken })).toBe(
        "UNAUTHORIZED",
      );
    });
  });
}

describe("a store that fails while a tablet connects", () => {
  it("keeps the process alive: the failure is logged, not thrown", async () => {
    const world = await World.start("embedded");
    try {
      const kiosk = await world.kiosk();
      const sessionToken = await sessionOf(world.server.url, world.storeId, "ana");
      const service = world.app.service;
      const real = service.state.bind(service);
      let calls = 0;
      // The handshake reads the store once; the full view and connection tracking then fail.
      service.state = async (storeId: string) => {
        if (++calls > 1) throw new AppError("UNAVAILABLE", "the store is down");
        return real(storeId);
      };
      const socket = connectClient(world.server.url, {
        auth: { storeId: world.storeId, sessionToken },
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
      });
      await waitFor(socket, "connect");
      const gone = waitFor(socket, "disconnect");
      socket.close();
      await gone;
      service.state = real;
      expect(calls).toBeGreaterThan(1);
      expect(await kiosk.send("view:sync", {})).toMatchObject({ ok: true });
    } finally {
      await world.stop();
    }
  });
});
