import { afterEach, describe, expect, it } from "vitest";
import type { AppOptions } from "../../server/create-app.js";
import {
  Clock,
  MIN,
  type Place,
  type Running,
  freshPlace,
  provision,
  serverBackends,
  startServer,
} from "../support/server.js";

/**
 * Sign-in against someone hostile: wrong PINs lock an associate out only at the address they
 * came from; a wrong PIN for an unknown id takes as long as one for a real associate.
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
  backend: "embedded" | "redis",
  options: Partial<AppOptions> = {},
  place?: Place,
): Promise<{ server: Running; place: Place }> {
  const at = place ?? (await freshPlace(backend));
  if (!place) places.push(at);
  const server = await startServer(at, new Clock(), options);
  started.push(server);
  return { server, place: at };
}

/** POST /sessions from `address` (and, if given, a page of `origin`): status and body. */
async function signInFrom(
  url: string,
  storeId: string,
  associateId: string,
  pin: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: { error?: { code: string }; token?: string } }> {
  const res = await fetch(`${url}/api/stores/${storeId}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ associateId, pin }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
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
  });
}
