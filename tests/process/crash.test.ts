import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../support/net.js";
import { type Running, printed, startServer } from "../support/process.js";
import { REDIS_URL, deletePrefix, freshPrefix, hasRedis } from "../support/redis.js";

/**
 * kill -9 of the server while many check-ins of one store are in flight, so that batches are
 * being made durable together: every check-in that was acknowledged is there after a restart,
 * and resending every request (acknowledged or not) makes exactly one visit of each.
 */

/** Below a quarter of the store's queue bound (200), where check-ins are answered BUSY. */
const IN_FLIGHT = 45;
const admin = "c".repeat(32);

describe("a server killed mid-batch", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  const start = async (env: Record<string, string>): Promise<Running> => {
    const running = startServer(env, ["--demo"]);
    cleanup.push(async () => {
      running.child.kill("SIGKILL");
      await running.exited;
    });
    await printed(running, "Metrics:");
    return running;
  };

  const crashAndCount = async (env: Record<string, string>, port: number) => {
    const base = `http://127.0.0.1:${port}`;
    const checkIn = (i: number) =>
      fetch(`${base}/api/stores/demo/visits`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
        body: JSON.stringify({ requestId: `crash-${i}`, topicId: "returns", name: `C${i}` }),
      });
    const first = await start(env);
    const acked: string[] = [];
    // Killed at the first answer: the rest are being decided, in a batch on its way to the disk
    // or Redis, or not read yet.
    const inFlight = Array.from({ length: IN_FLIGHT }, (_, i) =>
      checkIn(i).then(
        async (response) => {
          if (response.status !== 201) return;
          first.child.kill("SIGKILL");
          acked.push(((await response.json()) as { code: string }).code);
        },
        () => undefined,
      ),
    );
    await first.exited;
    await Promise.allSettled(inFlight);
    const ackedThen = [...acked];
    expect(ackedThen.length).toBeGreaterThan(0);

    await start(env);
    const line = async () => {
      const response = await fetch(`${base}/api/stores/demo/line`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      return ((await response.json()) as { line: Array<{ code: string }> }).line.map((v) => v.code);
    };
    const after = await line();
    // Every acknowledged check-in survived, and nothing is there twice.
    for (const code of ackedThen) expect(after).toContain(code);
    expect(new Set(after).size).toBe(after.length);
    // Resending every request: the acknowledged ones are duplicates, and each request is one visit.
    const again = await Promise.all(
      Array.from({ length: IN_FLIGHT }, async (_, i) => {
        const response = await checkIn(i);
        return { i, status: response.status, body: (await response.json()) as { code: string } };
      }),
    );
    expect(again.map((r) => r.status).every((s) => s === 201 || s === 200)).toBe(true);
    const final = await line();
    expect(final).toHaveLength(IN_FLIGHT);
    expect(new Set(final).size).toBe(IN_FLIGHT);
    expect(new Set(again.map((r) => r.body.code)).size).toBe(IN_FLIGHT);
    console.log(`${ackedThen.length} acknowledged, ${after.length} recovered of ${IN_FLIGHT}`);
    return { acked: ackedThen.length, recovered: after.length };
  };

  it("keeps every acknowledged check-in on the embedded journal", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-crash-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const counts = await crashAndCount(
      { PORT: String(port), DATA_DIR: dataDir, ADMIN_TOKEN: admin },
      port,
    );
    expect(counts.recovered).toBeGreaterThanOrEqual(counts.acked);
  });

  it.skipIf(!hasRedis)("keeps every acknowledged check-in on Redis", async () => {
    const prefix = freshPrefix();
    cleanup.push(() => deletePrefix(prefix));
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-crash-redis-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const counts = await crashAndCount(
      {
        PORT: String(port),
        DATA_DIR: dataDir,
        ADMIN_TOKEN: admin,
        REDIS_URL,
        REDIS_PREFIX: prefix,
      },
      port,
    );
    expect(counts.recovered).toBeGreaterThanOrEqual(counts.acked);
  });
});
