import type { LookupAddress, lookup as dnsLookup } from "node:dns";
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileDirectory } from "../../server/auth/directory.js";
import { createApp } from "../../server/create-app.js";
import { openMemoryStore } from "../../server/store/memory-store.js";
import {
  PrivateAddressError,
  checkWebhookTarget,
  guardedLookup,
  isPrivateAddress,
} from "../../server/webhooks/addresses.js";
import { postWebhook } from "../../server/webhooks/post.js";
import { WebhookRegistry } from "../../server/webhooks/registry.js";
import {
  ADMIN,
  LogTap,
  Receiver,
  T0,
  type TestApp,
  admin,
  freshStoreId,
  must,
  provisionStore,
  settings,
  startApp,
} from "./harness.js";

/**
 * Webhook URLs on loopback, private, link-local or unspecified addresses are refused when set
 * and when sent to, unless WEBHOOKS_ALLOW_PRIVATE (here: `allowPrivate`) lets them through.
 */

/** A `dns.lookup` that answers `addresses` for every name. */
const resolvingTo = (...addresses: string[]): typeof dnsLookup =>
  ((_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    )) as unknown as typeof dnsLookup;

describe("which addresses are private", () => {
  it.each([
    "127.0.0.1",
    "127.9.9.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",
  ])("%s is private", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    "8.8.8.8",
    "172.32.0.1",
    "172.15.255.255",
    "192.169.0.1",
    "100.128.0.1",
    "2001:db8::1",
    "2606:4700::1111",
    "::ffff:8.8.8.8",
    "fec0::1",
  ])("%s is not", (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it("checks a name by every address it resolves to", async () => {
    const url = "https://hooks.example.com/x";
    expect(await checkWebhookTarget(url, resolvingTo("93.184.215.14"))).toEqual({ ok: true });
    expect(await checkWebhookTarget(url, resolvingTo("93.184.215.14", "10.0.0.7"))).toEqual({
      ok: false,
      address: "10.0.0.7",
    });
    expect(await checkWebhookTarget("http://localhost:8080/", resolvingTo())).toMatchObject({
      ok: false,
    });
    expect(await checkWebhookTarget("http://[::1]/", resolvingTo())).toMatchObject({ ok: false });
  });

  it("fails a connection whose name resolves to a private address", async () => {
    const error = await new Promise<Error | null>((resolve) =>
      guardedLookup("localhost", {}, (err) => resolve(err)),
    );
    expect(error).toBeInstanceOf(PrivateAddressError);
  });
});

describe("webhook URLs on private addresses", () => {
  let t: TestApp;
  const hook = new Receiver();

  beforeAll(async () => {
    await hook.start();
    t = await startApp({ webhooks: { retryDelaysMs: [5], timeoutMs: 2000, drainMs: 50 } });
  });
  afterAll(async () => {
    await t.close();
    await hook.close();
  });

  it("are refused by the admin API with INVALID_COMMAND and a reason", async () => {
    const storeId = await provisionStore(t.url);
    const path = `/admin/stores/${storeId}/webhook`;
    for (const url of [
      hook.url,
      "http://localhost:9000/x",
      "http://10.0.0.5/hook",
      "https://[::1]/hook",
      "http://[::ffff:127.0.0.1]/hook",
      "http://169.254.169.254/latest/meta-data/",
      "http://0.0.0.0:3000/",
    ]) {
      const refused = await admin(t.url, "PUT", path, { url });
      expect(refused.status, url).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: "INVALID_COMMAND" } });
      expect(JSON.stringify(refused.body)).toContain("WEBHOOKS_ALLOW_PRIVATE");
    }
    expect((await admin(t.url, "GET", path)).status).toBe(404);
    // A public address is taken; so is a name that does not resolve now (checked when sending).
    expect((await admin(t.url, "PUT", path, { url: "https://93.184.215.14/x" })).status).toBe(200);
    expect((await admin(t.url, "PUT", path, { url: "https://hooks.invalid/x" })).status).toBe(200);
  });

  it("are refused through the registry when the name resolves to one", async () => {
    const registry = new WebhookRegistry(await FileDirectory.open(undefined), {
      version: async () => 0,
      lookup: resolvingTo("192.168.0.20"),
    });
    await expect(registry.set("s1", "https://crm.example.com/hook")).rejects.toMatchObject({
      code: "INVALID_COMMAND",
    });
    const allowed = new WebhookRegistry(await FileDirectory.open(undefined), {
      version: async () => 0,
      allowPrivate: true,
      lookup: resolvingTo("192.168.0.20"),
    });
    await expect(allowed.set("s1", "https://crm.example.com/hook")).resolves.toMatchObject({
      url: "https://crm.example.com/hook",
    });
  });

  it("are not sent to, even when the URL was taken earlier", async () => {
    const log = new LogTap();
    const directory = await FileDirectory.open(undefined);
    const http = createServer();
    const app = await createApp(
      http,
      { store: await openMemoryStore({ logger: log.logger }), directory, logger: log.logger },
      {
        publicUrl: "http://localhost",
        adminToken: ADMIN,
        timerIntervalMs: 0,
        clock: () => T0,
        webhooks: { retryDelaysMs: [5], timeoutMs: 2000, drainMs: 50 },
      },
    );
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as { port: number };
    const url = `http://127.0.0.1:${port}`;
    try {
      // As if set while allowed, or while its name pointed elsewhere: straight in the directory
      // (before the store exists, so that no cached "no webhook" hides it).
      const storeId = freshStoreId();
      await directory.set(storeId, "webhook", {
        url: hook.url,
        secret: "whsec_test",
        createdAt: T0,
        id: "earlier",
        fromVersion: 0,
      });
      await must(admin(url, "POST", "/admin/stores", { storeId, settings }));
      await must(
        admin(url, "POST", `/stores/${storeId}/visits`, { requestId: "p-1", topicId: "returns" }),
      );
      const line = await log.until(
        (l) => l.msg === "webhook delivery failed" && l.storeId === storeId,
      );
      expect(line).toMatchObject({ attempt: 1, result: "private address", giveUp: true });
      expect(hook.received).toHaveLength(0);
    } finally {
      await app.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  it("are sent to when allowed", async () => {
    const signal = new AbortController().signal;
    const send = (allowPrivate: boolean) =>
      postWebhook(hook.url.replace("127.0.0.1", "localhost"), {
        headers: {},
        body: "{}",
        signal,
        allowPrivate,
      });
    expect(await send(false)).toBe("private address");
    expect(hook.received).toHaveLength(0);
    expect(await send(true)).toBe("ok");
    expect(hook.received).toHaveLength(1);
  });
});
