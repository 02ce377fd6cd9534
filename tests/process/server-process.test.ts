import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io as connectClient } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../support/net.js";
import { printed, startServer } from "../support/process.js";

/** Whether this machine has the redis-server program (Debian's redis-server package). */
const hasRedisServer = (() => {
  const found = spawnSync("redis-server", ["--version"]).status === 0;
  if (!found && process.env.CI === "true")
    throw new Error("redis-server is not installed; under CI=true this test must run.");
  if (!found) console.warn("\n!!!!!!!! SKIPPING a process test: redis-server is not installed.\n");
  return found;
})();

/**
 * The real entry point as an operator runs it: `--demo` prints every page and the sign-in
 * details; bad configuration stops it with one line per variable; SIGTERM finishes the work in
 * flight, flushes the journal and exits 0, and a restart finds everything.
 */

describe("the server process", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("starts the demo store and prints every page, the PINs and an admin token", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-demo-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const server = startServer({ PORT: String(port), DATA_DIR: dataDir }, ["--demo"]);
    cleanup.push(async () => {
      server.child.kill("SIGKILL");
      await server.exited;
    });
    await printed(server, "Metrics:");
    const out = server.output();
    for (const page of ["kiosk.html", "display.html", "tablet.html", "manager.html", "join.html"]) {
      expect(out).toContain(`http://localhost:${port}/${page}?store=demo`);
    }
    expect(out).toMatch(/kiosk\.html\?store=demo#token=dev_\S{40}/);
    expect(out).toContain("julia   PIN 1111");
    expect(out).toContain("sam     PIN 9999");
    expect(out).toMatch(/Admin API token \(this run\): demo-admin-\S+/);

    const health = await fetch(`http://localhost:${port}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
    const demo = await fetch(`http://localhost:${port}/api/stores/demo/public`);
    const body = (await demo.json()) as { view: { topics: unknown[] } };
    expect(body.view.topics).toHaveLength(3);

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  it("refuses bad configuration with one line per variable", async () => {
    const server = startServer({ PORT: "seventy", ADMIN_TOKEN: "short", REDIS_URL: "http://nope" });
    expect(await server.exited).toBe(2);
    const out = server.output();
    expect(out).toContain("PORT:");
    expect(out).toContain("ADMIN_TOKEN: at least 24 characters (got (hidden))");
    expect(out).toContain("REDIS_URL:");
    expect(out).not.toContain("short");
  });

  it("finishes what is in flight on SIGTERM, flushes the journal, and comes back with it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-stop-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const admin = "a".repeat(32);
    const env = { PORT: String(port), DATA_DIR: dataDir, ADMIN_TOKEN: admin };
    const first = startServer(env, ["--demo"]);
    cleanup.push(async () => {
      first.child.kill("SIGKILL");
      await first.exited;
    });
    await printed(first, "Metrics:");
    const url = `http://localhost:${port}/api/stores/demo/visits`;
    const checkIn = (i: number) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
        body: JSON.stringify({ requestId: `stop-${i}`, topicId: "returns", name: `C${i}` }),
      });
    expect((await checkIn(0)).status).toBe(201);
    // SIGTERM while 30 more check-ins are on their way: each one acknowledged must survive.
    const inFlight = Array.from({ length: 30 }, (_, i) => checkIn(i + 1));
    await Promise.race(inFlight);
    first.child.kill("SIGTERM");
    const settled = await Promise.allSettled(inFlight);
    expect(await first.exited).toBe(0);
    const acknowledged = settled.filter(
      (r): r is PromiseFulfilledResult<Response> =>
        r.status === "fulfilled" && r.value.status === 201,
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    const codes = [
      ...(await Promise.all(
        acknowledged.map(async (r) => ((await r.value.json()) as { code: string }).code),
      )),
      "R-001",
    ];
    const journal = await readFile(join(dataDir, "journal.ndjson"), "utf8");
    expect(journal.endsWith("\n")).toBe(true);

    const second = startServer(env, ["--demo"]);
    cleanup.push(async () => {
      second.child.kill("SIGKILL");
      await second.exited;
    });
    await printed(second, "Metrics:");
    const line = await fetch(`http://localhost:${port}/api/stores/demo/line`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const body = (await line.json()) as { line: Array<{ code: string }> };
    expect(body.line.map((v) => v.code).sort()).toEqual([...codes].sort());
    // A retry after the restart is still the same visit.
    const retry = await checkIn(0);
    expect(((await retry.json()) as { code: string; duplicate: boolean }).duplicate).toBe(true);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it.skipIf(!hasRedisServer)("stays up while its Redis is gone, and says so", async () => {
    // A Redis of its own, to take away.
    const redisPort = await freePort();
    const redis = spawn(
      "redis-server",
      ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const redisGone = new Promise((resolve) => redis.on("exit", resolve));
    cleanup.push(async () => {
      redis.kill("SIGKILL");
      await redisGone;
    });
    await new Promise<void>((resolve, reject) => {
      let said = "";
      redis.stdout?.on("data", (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes("Ready to accept connections")) resolve();
      });
      redis.on("exit", () => reject(new Error(`redis-server exited: ${said}`)));
    });

    const dataDir = await mkdtemp(join(tmpdir(), "undivided-redis-gone-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const admin = "b".repeat(32);
    const server = startServer(
      {
        PORT: String(port),
        DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        ADMIN_TOKEN: admin,
      },
      ["--demo"],
    );
    cleanup.push(async () => {
      server.child.kill("SIGKILL");
      await server.exited;
    });
    await printed(server, "Metrics:");
    const base = `http://127.0.0.1:${port}`;
    const signIn = await fetch(`${base}/api/stores/demo/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ associateId: "julia", pin: "1111" }),
    });
    const { token } = (await signIn.json()) as { token: string };
    const tablet = connectClient(base, {
      auth: { storeId: "demo", sessionToken: token },
      transports: ["websocket"],
      reconnection: false,
    });
    await new Promise<void>((resolve) => tablet.once("view:patch", () => resolve()));

    redis.kill("SIGKILL");
    await redisGone;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    // The tablet leaves; recording that needs Redis. The process tries (asking the other
    // processes fails too, so it counts its own sockets), logs the refusal and goes on.
    tablet.close();
    await printed(server, '"command":"tablet:disconnected","error":{"code":"UNAVAILABLE"');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const checkIn = await fetch(`${base}/api/stores/demo/visits`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ requestId: "while-gone", topicId: "returns" }),
    });
    expect(checkIn.status).toBe(503);
    expect(((await checkIn.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
    expect(server.child.exitCode).toBeNull();
  });
});
