import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
} from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AssociateView } from "../../shared/views.js";
import {
  ADMIN_TOKEN,
  type Client,
  Clock,
  MIN,
  type Place,
  type Running,
  clusterBackend,
  connect,
  freshPlace,
  provision,
  request,
  rid,
  serverBackends,
  sessionOf,
  startServer,
  testSettings,
  tokenOf,
} from "../support/server.js";

/**
 * Web Push end to end: a real server sends to a push service played by an HTTP server on
 * 127.0.0.1 (so the server allows private push endpoints, as only tests should); each
 * subscription has its own P-256 key pair and auth secret made here, and every message is
 * checked as a browser's push service and the browser would: the VAPID signature, then the
 * aes128gcm payload decrypted with the subscription's private key (RFC 8291, RFC 8188).
 */

/** How long a wait for a push may take before the test fails. */
const WAIT_MS = 4000;

interface Delivery {
  path: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** A push service: records every POST, answers 201, and lets a test wait for one. */
class PushReceiver {
  readonly received: Delivery[] = [];
  private readonly server: Server;
  private readonly waiters = new Set<() => void>();
  url = "";

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.received.push({
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        res.writeHead(201).end();
        for (const waiter of [...this.waiters]) waiter();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves with the first delivery to `path`, now or when it comes; fails after a deadline. */
  next(path: string): Promise<Delivery> {
    const found = () => this.received.find((d) => d.path === path);
    const now = found();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const delivery = found();
        if (!delivery) return;
        done();
        resolve(delivery);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no push to ${path} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A browser's subscription: its own ECDH P-256 key pair and 16-byte auth secret. */
function browserSubscription(endpoint: string) {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    json: {
      endpoint,
      expirationTime: null,
      keys: {
        p256dh: ecdh.getPublicKey().toString("base64url"),
        auth: auth.toString("base64url"),
      },
    },
  };
}

/** Decrypts an aes128gcm push message (RFC 8188 record, keys derived as RFC 8291 says). */
function decrypt(body: Buffer, ecdh: ReturnType<typeof createECDH>, auth: Buffer): string {
  // Header: salt (16) | record size (4) | key id length (1) | key id = the sender's public key.
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const senderPublic = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  expect(idLength).toBe(65);
  expect(record.length).toBeLessThanOrEqual(recordSize);
  const shared = ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([
    Buffer.from("WebPush: info\0"),
    ecdh.getPublicKey(),
    senderPublic,
  ]);
  const ikm = Buffer.from(hkdfSync("sha256", shared, auth, keyInfo, 32));
  const cek = Buffer.from(
    hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16),
  );
  const nonce = Buffer.from(
    hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12),
  );
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([
    decipher.update(record.subarray(0, record.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 2, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  expect(padded[end]).toBe(2);
  return padded.subarray(0, end).toString("utf8");
}

/** Checks the VAPID `Authorization: vapid t=<JWT>, k=<key>` header against the server's key. */
function checkVapid(delivery: Delivery, publicKey: string, audience: string): void {
  const header = String(delivery.headers.authorization);
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
  expect(match, header).not.toBeNull();
  const [, jwt = "", k = ""] = match ?? [];
  expect(k).toBe(publicKey);
  const [head = "", claims = "", signature = ""] = jwt.split(".");
  expect(JSON.parse(Buffer.from(head, "base64url").toString())).toMatchObject({ alg: "ES256" });
  const payload = JSON.parse(Buffer.from(claims, "base64url").toString());
  expect(payload.aud).toBe(audience);
  expect(payload.exp * 1000).toBeGreaterThan(Date.now());
  expect(String(payload.sub)).toMatch(/^(mailto:|https:)/);
  const point = Buffer.from(k, "base64url");
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33, 65).toString("base64url"),
    },
    format: "jwk",
  });
  const signed = verify(
    "sha256",
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  expect(signed).toBe(true);
  expect(delivery.headers["content-encoding"]).toBe("aes128gcm");
  expect(Number(delivery.headers.ttl)).toBeGreaterThan(0);
}

interface Message {
  title: string;
  body: string;
  kind: string;
  url: string;
}

// And on a Redis Cluster: the subscriptions and sent marks in the store's slot.
for (const backend of [...serverBackends, clusterBackend]) {
  describe(`Web Push with the tab closed (${backend.name})`, () => {
    let place: Place;
    let dataDir: string;
    const clock = new Clock();
    const running: Running[] = [];
    const clients: Client[] = [];
    let receiver: PushReceiver;

    beforeEach(async (context) => {
      if (!backend.available) context.skip();
      place = await freshPlace(backend.name);
      dataDir = await mkdtemp(join(tmpdir(), "undivided-push-"));
      receiver = await new PushReceiver().start();
    });
    afterEach(async () => {
      if (!backend.available) return;
      for (const c of clients.splice(0)) c.socket.close();
      for (const r of running.splice(0)) await r.close();
      await receiver.close();
      await place.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });

    const start = async ({ allowPrivate = true } = {}) => {
      const server = await startServer(place, clock, {
        push: { allowPrivate, dataDir: backend.name === "embedded" ? dataDir : undefined },
      });
      running.push(server);
      return server;
    };
    const checkIn = async (url: string, storeId: string, language: string) => {
      const reply = await request<{ visitId: string; customerUrl: string }>(
        url,
        "POST",
        `/api/stores/${storeId}/visits`,
        { requestId: rid(), topicId: "phones", language },
        ADMIN_TOKEN,
      );
      expect(reply.status).toBe(201);
      return { visitId: reply.body.visitId, token: tokenOf(reply.body.customerUrl) };
    };
    const pushPath = (storeId: string) => `/api/stores/${storeId}/visit/push`;
    const subscribe = async (
      url: string,
      storeId: string,
      token: string,
      path: string,
      extra: Record<string, unknown> = {},
    ) => {
      const browser = browserSubscription(`${receiver.url}${path}`);
      const reply = await request(
        url,
        "PUT",
        pushPath(storeId),
        { subscription: browser.json, ...extra },
        token,
      );
      expect(reply.status, JSON.stringify(reply.body)).toBe(204);
      return browser;
    };
    const message = async (
      path: string,
      browser: ReturnType<typeof browserSubscription>,
      publicKey: string,
    ) => {
      const delivery = await receiver.next(path);
      checkVapid(delivery, publicKey, receiver.url);
      return JSON.parse(decrypt(delivery.body, browser.ecdh, browser.auth)) as Message;
    };

    /** The server's VAPID public key, as the phone page asks for it. */
    const publicKeyOf = async (running: Running, storeId: string, token: string) =>
      (
        await request<{ publicKey: string }>(
          running.url,
          "GET",
          pushPath(storeId),
          undefined,
          token,
        )
      ).body.publicKey;

    it("tells a customer who is coming once an associate accepts, and the next one they are next, each once, in their language", async () => {
      const server = await start();
      const { storeId } = await provision(server.url, {
        ...testSettings,
        languages: ["en", "uk", "es"],
      });
      // Ana speaks her customers' languages, so she is offered them at once.
      const languages = await request(
        server.url,
        "POST",
        `/api/admin/stores/${storeId}/associates`,
        {
          associateId: "ana",
          name: "Ana Lindqvist",
          skills: ["phones"],
          languages: ["en", "uk", "es"],
        },
        ADMIN_TOKEN,
      );
      expect(languages.status).toBe(201);
      const ana = await connect(server.url, {
        storeId,
        sessionToken: await sessionOf(server.url, storeId, "ana"),
      });
      clients.push(ana);
      const first = await checkIn(server.url, storeId, "uk");
      const second = await checkIn(server.url, storeId, "es");

      const key = await request<{ publicKey: string; subscribed: boolean }>(
        server.url,
        "GET",
        pushPath(storeId),
        undefined,
        first.token,
      );
      expect(key.status).toBe(200);
      expect(key.body.subscribed).toBe(false);
      const publicKey = key.body.publicKey;
      expect(Buffer.from(publicKey, "base64url")).toHaveLength(65);

      const firstPhone = await subscribe(server.url, storeId, first.token, "/push/first");
      const secondPhone = await subscribe(server.url, storeId, second.token, "/push/second", {
        nearAhead: 0,
      });
      expect(
        (await request(server.url, "GET", pushPath(storeId), undefined, first.token)).body,
      ).toMatchObject({ subscribed: true });

      // The first is offered to Ana, not accepted: nobody is named, so the first customer gets
      // nothing yet; the second is next. (A sweep looks at the latest state and sends what is due.)
      const offered = await ana.until<AssociateView>(
        (v) => v.offer?.visit.visitId === first.visitId,
      );
      await server.app.push.sweep();
      expect(await message("/push/second", secondPhone, publicKey)).toMatchObject({
        kind: "ahead",
        title: "P-002: usted es el siguiente",
        body: "Integration store: es el siguiente en la fila. Por favor, quédese cerca.",
      });
      expect(receiver.received.map((d) => d.path)).toEqual(["/push/second"]);

      await ana.ok("offer:accept", { requestId: rid(), offerId: String(offered.offer?.offerId) });
      const coming = await message("/push/first", firstPhone, publicKey);
      expect(coming).toMatchObject({
        kind: "coming",
        title: "P-001: Ana вже йде",
        body: "Integration store: Ana зараз вам допоможе.",
      });
      expect(coming.url).toContain(`#token=${first.token}`);

      // "Tell me at 1 ahead": sent on the store's next commit (another check-in).
      const third = await checkIn(server.url, storeId, "en");
      const thirdPhone = await subscribe(server.url, storeId, third.token, "/push/third", {
        nearAhead: 1,
      });
      await checkIn(server.url, storeId, "en");
      expect(await message("/push/third", thirdPhone, publicKey)).toMatchObject({
        kind: "ahead",
        title: "P-003: 1 ahead of you",
        body: "Integration store: 1 person is ahead of you.",
      });

      // More commits for these visits send nothing more; the visit's end forgets its subscription.
      await ana.ok("visit:complete", {
        requestId: rid(),
        visitId: first.visitId,
        outcome: "resolved",
        note: "",
      });
      await server.app.push.sweep();
      expect(
        (await request(server.url, "GET", pushPath(storeId), undefined, first.token)).body,
      ).toMatchObject({ subscribed: false });
      await server.close();
      expect(receiver.received.map((d) => d.path).sort()).toEqual([
        "/push/first",
        "/push/second",
        "/push/third",
      ]);
    });

    it("reminds a call-ahead customer before their hold ends", async () => {
      const server = await start();
      const { storeId } = await provision(server.url);
      const joined = await request<{ customerUrl: string; status: string }>(
        server.url,
        "POST",
        `/api/stores/${storeId}/join`,
        { requestId: rid(), topicId: "phones", arrivingInMin: 10, language: "en" },
      );
      expect(joined.body.status).toBe("expected");
      const token = tokenOf(joined.body.customerUrl);
      const phone = await subscribe(server.url, storeId, token, "/push/hold");
      const { publicKey } = (
        await request<{ publicKey: string }>(server.url, "GET", pushPath(storeId), undefined, token)
      ).body;

      // Held until 10 + 5 minutes from now: not yet due at 9 minutes (6 left), due at 12 (3 left).
      clock.advance(9 * MIN);
      await server.app.push.sweep();
      expect(receiver.received).toHaveLength(0);
      clock.advance(3 * MIN);
      await server.app.push.sweep();
      expect(await message("/push/hold", phone, publicKey)).toMatchObject({
        kind: "hold",
        title: "P-001: your place ends soon",
        body: 'Integration store keeps your place 3 more min. Tap "I\'m here" when you arrive.',
      });
      await server.app.push.sweep();
      await server.close();
      expect(receiver.received).toHaveLength(1);
    });

    // Several processes share a store only on Redis (the embedded journal is one process's).
    if (backend.name !== "embedded")
      it("sends a message once when several processes find it due (Redis)", async () => {
        const [one, two] = [await start(), await start()];
        const { storeId } = await provision(one.url);
        const joined = await request<{ customerUrl: string }>(
          one.url,
          "POST",
          `/api/stores/${storeId}/join`,
          { requestId: rid(), topicId: "phones", arrivingInMin: 0, language: "uk" },
        );
        const token = tokenOf(joined.body.customerUrl);
        // Subscribed through the other process; both agree on one VAPID key (SET NX).
        const phone = await subscribe(two.url, storeId, token, "/push/both");
        const keyOf = (running: Running) => publicKeyOf(running, storeId, token);
        const publicKey = await keyOf(one);
        expect(await keyOf(two)).toBe(publicKey);

        clock.advance(2 * MIN);
        await Promise.all([one.app.push.sweep(), two.app.push.sweep(), one.app.push.sweep()]);
        expect(await message("/push/both", phone, publicKey)).toMatchObject({
          kind: "hold",
          title: "P-001: ваше місце скоро скінчиться",
          body: "Integration store тримає ваше місце ще 3 хв. Натисніть «Я вже тут», коли прийдете.",
        });
        await Promise.all([one.close(), two.close()]);
        expect(receiver.received).toHaveLength(1);
      });

    it("refuses bad subscriptions and strangers, and keeps one VAPID key pair across restarts", async () => {
      const server = await start();
      const { storeId } = await provision(server.url);
      const { token } = await checkIn(server.url, storeId, "en");
      const good = browserSubscription(`${receiver.url}/push/x`).json;
      const put = (body: unknown, bearer?: string) =>
        request<{ error?: { code: string } }>(server.url, "PUT", pushPath(storeId), body, bearer);

      expect((await put({ subscription: good })).body.error?.code).toBe("UNAUTHORIZED");
      expect((await put({ subscription: good }, "not-a-token")).status).toBe(401);
      const short = { ...good, keys: { ...good.keys, auth: randomBytes(8).toString("base64url") } };
      const bad = await put({ subscription: short }, token);
      expect(bad.status).toBe(400);
      expect(bad.body.error?.code).toBe("INVALID_COMMAND");
      expect((await put({ subscription: good, extra: 1 }, token)).body.error?.code).toBe(
        "INVALID_COMMAND",
      );
      const long = { ...good, endpoint: `${receiver.url}/${"a".repeat(2100)}` };
      expect((await put({ subscription: long }, token)).status).toBe(400);

      const keyOf = (running: Running) => publicKeyOf(running, storeId, token);
      const before = await keyOf(server);
      if (backend.name === "embedded") {
        const file = await stat(join(dataDir, "vapid.json"));
        expect(file.mode & 0o777).toBe(0o600);
        expect(JSON.parse(await readFile(join(dataDir, "vapid.json"), "utf8")).publicKey).toBe(
          before,
        );
      }
      await server.close();
      // Started again (as in production: private endpoints and plain http refused).
      const again = await start({ allowPrivate: false });
      expect(await keyOf(again)).toBe(before);
      const refused = async (endpoint: string) =>
        (
          await request<{ error?: { code: string } }>(
            again.url,
            "PUT",
            pushPath(storeId),
            { subscription: { ...good, endpoint } },
            token,
          )
        ).body.error?.code;
      expect(await refused(`${receiver.url}/push/x`)).toBe("INVALID_COMMAND");
      expect(await refused("https://127.0.0.1/push/x")).toBe("INVALID_COMMAND");
      expect(await refused("https://[::1]/push/x")).toBe("INVALID_COMMAND");
      expect(await refused("https://push.example.com/send/abc")).toBeUndefined();
    });
  });
}
