import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { io as connectClient } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { AppOptions } from "../../server/create-app.js";
import {
  type BackendName,
  Clock,
  MIN,
  type Place,
  type Provisioned,
  type Running,
  freshPlace,
  provision,
  serverBackends,
  startServer,
} from "../support/server.js";

/**
 * Sign-in and handshakes against someone hostile: wrong PINs lock an associate out only at the
 * address they came from; a wrong PIN for an unknown id takes as long as one for a real
 * associate; socket.io handshakes are limited per address; pages of other origins are refused.
 * Addresses are told by X-Forwarded-For, which the server trusts from loopback (TRUST_PROXY's
 * default), as a proxy in front would send it.
 */

const ATTACKER = "203.0.113.66";
const TABLET = "198.51.100.20";

/** Servers started by a test, closed (and their places removed) after it. */
const started: Running[] = [];
const places: Place[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) await server.close();
  for (const place of places.splice(0)) await place.cleanup();
});

async function start(
  backend: BackendName,
  options: Partial<AppOptions> = {},
  place?: Place,
): Promise<{ server: Running; place: Place }> {
  const at = place ?? (await freshPlace(backend));
  if (!place) places.push(at);
  const server = await startServer(at, new Clock(), options);
  started.push(server);
  return { server, place: at };
}

interface SignInReply {
  status: number;
  body: { error?: { code: string }; token?: string };
}

/** POST /sessions with `headers` (address, origin, cookie): status and body. */
async function signInFrom(
  url: string,
  storeId: string,
  associateId: string,
  pin: string,
  headers: Record<string, string>,
): Promise<SignInReply> {
  return (await signInKeeping(url, storeId, associateId, pin, headers)).reply;
}

/** The same, with the sign-in device cookie the server set, if it set one (`name=value`). */
async function signInKeeping(
  url: string,
  storeId: string,
  associateId: string,
  pin: string,
  headers: Record<string, string>,
): Promise<{ reply: SignInReply; device: string | undefined }> {
  const res = await fetch(`${url}/api/stores/${storeId}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ associateId, pin }),
  });
  const body = (await res.json()) as SignInReply["body"];
  const device = res.headers.get("set-cookie")?.split(";")[0];
  return { reply: { status: res.status, body }, device };
}

/**
 * The first request of a socket.io client, sent by hand so its refusal can be read: a polling
 * handshake (answered 200, or 403 with engine.io's `{code, message}`), or a WebSocket upgrade
 * (101, or 400 with the message as the body).
 */
function handshake(
  url: string,
  transport: "polling" | "websocket",
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const upgrade =
    transport === "websocket"
      ? {
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-key": randomBytes(16).toString("base64"),
          "sec-websocket-version": "13",
        }
      : {};
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/socket.io/?EIO=4&transport=${transport}`, {
      headers: { ...upgrade, ...headers },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ status: 101, body: "" });
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A real socket.io client with `headers`: "connected", or the connect_error it got. */
function socketFrom(
  url: string,
  auth: Record<string, string>,
  headers: Record<string, string>,
): Promise<"connected" | Error> {
  const socket = connectClient(url, {
    auth,
    transports: ["websocket"],
    extraHeaders: headers,
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve) => {
    socket.on("connect", () => {
      socket.close();
      resolve("connected");
    });
    socket.on("connect_error", (error) => {
      socket.close();
      resolve(error);
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`sign-in hardening (${backend.name})`, () => {
    it("wrong PINs from one address lock the associate out at that address only", async () => {
      const { server } = await start(backend.name);
      const { storeId } = await provision(server.url);
      const attacker = { "x-forwarded-for": ATTACKER };
      for (let i = 1; i <= 4; i++)
        expect(await signInFrom(server.url, storeId, "ana", "0000", attacker), `try ${i}`).toEqual({
          status: 401,
          body: { error: expect.objectContaining({ code: "WRONG_PIN" }) },
        });
      const fifth = await signInFrom(server.url, storeId, "ana", "0000", attacker);
      expect(fifth).toMatchObject({ status: 423, body: { error: { code: "SIGN_IN_LOCKED" } } });
      const rightFromThere = await signInFrom(server.url, storeId, "ana", "1357", attacker);
      expect(rightFromThere).toMatchObject({ status: 423 });

      // Ana's tablet, at another address, signs her in; her own later slip there counts apart.
      const tablet = { "x-forwarded-for": TABLET };
      expect(await signInFrom(server.url, storeId, "ana", "9999", tablet)).toMatchObject({
        status: 401,
      });
      const ana = await signInFrom(server.url, storeId, "ana", "1357", tablet);
      expect(ana.status).toBe(201);
      expect(ana.body.token).toMatch(/^ses_/);

      // The attacker's lock stays where it was: five minutes from its first wrong PIN.
      const left = await server.directory.ttl(storeId, `fails:ana/${ATTACKER}`);
      expect(left).toBeGreaterThan(4 * MIN);
      expect(left).toBeLessThanOrEqual(5 * MIN);
      expect(await server.directory.get(storeId, `fails:ana/${TABLET}`)).toBeUndefined();

      // An id nobody has is locked the same way, so a lock does not tell which ids exist.
      for (let i = 1; i <= 4; i++)
        expect((await signInFrom(server.url, storeId, "nobody", "0000", attacker)).status).toBe(
          401,
        );
      expect((await signInFrom(server.url, storeId, "nobody", "0000", attacker)).status).toBe(423);
    });

    it("a browser where the associate signed in before is not locked by another's wrong PINs", async () => {
      const { server } = await start(backend.name);
      const { storeId } = await provision(server.url);
      // The store's tablets and the guest Wi-Fi leave through one address.
      const store = { "x-forwarded-for": TABLET };
      const first = await signInKeeping(server.url, storeId, "ana", "1357", store);
      expect(first.reply.status).toBe(201);
      expect(first.device).toMatch(/^undivided_device=sid_/);
      const tablet = { ...store, cookie: String(first.device) };
      const bo = await signInKeeping(server.url, storeId, "bo", "2468", tablet);
      expect(bo.reply.status).toBe(201);
      expect(bo.device).toBeUndefined(); // the tablet keeps its token; Bo is known there now

      for (let i = 1; i <= 5; i++) await signInFrom(server.url, storeId, "ana", "0000", store);
      expect(await signInFrom(server.url, storeId, "ana", "1357", store)).toMatchObject({
        status: 423,
      });
      const forged = { ...store, cookie: "undivided_device=sid_made-up" };
      expect((await signInFrom(server.url, storeId, "ana", "1357", forged)).status).toBe(423);
      expect((await signInFrom(server.url, storeId, "ana", "1357", tablet)).status).toBe(201);

      // A browser known only for Bo does not get Ana past the address's lock.
      const elsewhere = { "x-forwarded-for": ATTACKER };
      const bosPhone = await signInKeeping(server.url, storeId, "bo", "2468", elsewhere);
      const onlyBo = { ...store, cookie: String(bosPhone.device) };
      expect((await signInFrom(server.url, storeId, "ana", "1357", onlyBo)).status).toBe(423);
      // Wrong PINs on the tablet itself are counted there: five lock Ana out on it too.
      for (let i = 1; i <= 4; i++)
        expect((await signInFrom(server.url, storeId, "ana", "0000", tablet)).status).toBe(401);
      expect((await signInFrom(server.url, storeId, "ana", "0000", tablet)).status).toBe(423);
      expect((await signInFrom(server.url, storeId, "ana", "1357", tablet)).status).toBe(423);
    });

    it("a wrong PIN takes as long for an unknown id as for a real associate", async () => {
      const { server } = await start(backend.name);
      const { storeId } = await provision(server.url);
      const timed = async (associateId: string, n: number) => {
        // Each try from an address of its own: none of them is ever locked out.
        const from = { "x-forwarded-for": `10.${n >> 8}.${n & 255}.${associateId.length}` };
        const began = performance.now();
        const reply = await signInFrom(server.url, storeId, associateId, "0000", from);
        const ms = performance.now() - began;
        expect(reply.body.error?.code).toBe("WRONG_PIN");
        return ms;
      };
      for (let n = 0; n < 3; n++) {
        await timed("ana", n);
        await timed("nobody", n);
      }
      // Taken in pairs, one right after the other, so a busy machine slows both of a pair
      // alike; compared by the median of the pairs' differences, which a few stalls do not move.
      const known: number[] = [];
      const differences: number[] = [];
      for (let n = 3; n < 33; n++) {
        const k = await timed("ana", n);
        const u = await timed("nobody", n);
        known.push(k);
        differences.push(u - k);
      }
      const k = median(known);
      const d = median(differences);
      // Without the same hash work an unknown id answers in a fifth of the time (6–13 ms
      // against 50–72 ms); with it the two differ by noise.
      expect(
        Math.abs(d),
        `known id ${k.toFixed(1)} ms; unknown minus known ${d.toFixed(1)} ms`,
      ).toBeLessThan(Math.max(5, 0.25 * k));
    });

    it("refuses a client's handshakes past the per-address limit with RATE_LIMITED", async () => {
      const { server, place } = await start(backend.name, {
        rateLimits: { handshakesPerMin: 3, signInsPerMin: 1000 },
      });
      const ids: Provisioned = await provision(server.url);
      const display = { storeId: ids.storeId, deviceToken: ids.displayToken };
      const crowd = { "x-forwarded-for": ATTACKER };
      expect(await socketFrom(server.url, display, crowd)).toBe("connected");
      expect(await socketFrom(server.url, display, crowd)).toBe("connected");
      expect((await handshake(server.url, "polling", crowd)).status).toBe(200);

      expect(await handshake(server.url, "polling", crowd)).toEqual({
        status: 403,
        body: JSON.stringify({ code: 4, message: "RATE_LIMITED" }),
      });
      expect(await handshake(server.url, "websocket", crowd)).toEqual({
        status: 400,
        body: "RATE_LIMITED",
      });
      expect(await socketFrom(server.url, display, crowd)).toBeInstanceOf(Error);

      // Another address is counted apart.
      expect(await socketFrom(server.url, display, { "x-forwarded-for": TABLET })).toBe(
        "connected",
      );
      if (backend.name === "redis") {
        // Every process counts in the same keys: a second one refuses that address too.
        const second = await start(backend.name, { rateLimits: { handshakesPerMin: 3 } }, place);
        expect((await handshake(second.server.url, "polling", crowd)).status).toBe(403);
        expect(
          (await handshake(second.server.url, "polling", { "x-forwarded-for": TABLET })).status,
        ).toBe(200);
      }
    });
  });
}

describe("origins of browser pages", () => {
  const evil = { origin: "https://evil.example" };

  it("refuses a socket.io handshake from another site's page, lets in its own and none", async () => {
    const { server } = await start("embedded");
    const ids = await provision(server.url);
    const display = { storeId: ids.storeId, deviceToken: ids.displayToken };

    expect(await handshake(server.url, "polling", evil)).toEqual({
      status: 403,
      body: JSON.stringify({ code: 4, message: "ORIGIN_NOT_ALLOWED" }),
    });
    expect(await handshake(server.url, "websocket", evil)).toEqual({
      status: 400,
      body: "ORIGIN_NOT_ALLOWED",
    });
    expect(await socketFrom(server.url, display, evil)).toBeInstanceOf(Error);

    // PUBLIC_URL's origin (the default list), the server's own pages by the name they were
    // reached at, and clients that send no Origin at all.
    expect(await socketFrom(server.url, display, { origin: "http://undivided.test" })).toBe(
      "connected",
    );
    expect(await socketFrom(server.url, display, { origin: server.url })).toBe("connected");
    expect(await socketFrom(server.url, display, {})).toBe("connected");
  });

  it("refuses an API request from another site's page with 403 ORIGIN_NOT_ALLOWED", async () => {
    const { server } = await start("embedded");
    const { storeId } = await provision(server.url);
    expect(await signInFrom(server.url, storeId, "ana", "1357", evil)).toEqual({
      status: 403,
      body: { error: expect.objectContaining({ code: "ORIGIN_NOT_ALLOWED" }) },
    });
    for (const origin of ["http://undivided.test", server.url])
      expect((await signInFrom(server.url, storeId, "ana", "1357", { origin })).status).toBe(201);
    expect((await signInFrom(server.url, storeId, "ana", "1357", {})).status).toBe(201);
  });

  it("ALLOWED_ORIGINS replaces the default and gives the listed pages CORS headers", async () => {
    const shop = "https://shop.example";
    const { server } = await start("embedded", { allowedOrigins: [shop] });
    const { storeId } = await provision(server.url);

    const preflight = await fetch(`${server.url}/api/stores/${storeId}/join`, {
      method: "OPTIONS",
      headers: { origin: shop, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(shop);
    const read = await fetch(`${server.url}/api/stores/${storeId}/public`, {
      headers: { origin: shop },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get("access-control-allow-origin")).toBe(shop);
    expect((await handshake(server.url, "polling", { origin: shop })).status).toBe(200);

    const publicUrl = { origin: "http://undivided.test" };
    expect((await signInFrom(server.url, storeId, "ana", "1357", publicUrl)).status).toBe(403);
    expect((await handshake(server.url, "polling", publicUrl)).status).toBe(403);
  });
});
