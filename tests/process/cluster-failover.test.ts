import { execFile } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { type CommandResult, QueueService } from "../../server/app/queue-service.js";
import { createLogger } from "../../server/logger.js";
import { clusterTarget } from "../../server/redis-client.js";
import { openRedisStore } from "../../server/store/redis-store.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { type TestCluster, startCluster, waitUntilOk } from "../support/cluster-setup.js";
import { NO_LAG_BOUND, demoSettings } from "../support/engine.js";

/**
 * A Redis Cluster with a replica per master; the master holding a store's slot is killed with
 * SIGKILL while check-ins go on, and its replica takes over. With every batch waiting for a
 * replica (`waitReplicas: 1`, REDIS_WAIT_REPLICAS), no acknowledged check-in is lost; commands
 * in the gap are refused (nothing acknowledged), and resent with the same request id they make
 * exactly one visit each.
 */

const run = promisify(execFile);
const canRun = await run("redis-server", ["--version"]).then(
  () => true,
  () => false,
);
if (!canRun && process.env.CI === "true") throw new Error("redis-server is needed under CI=true");

const STORE = "failover";
const PREFIX = "fo:";
const NOW = Date.UTC(2026, 10, 30, 10);

/** The port of the master serving `key`'s slot, from CLUSTER NODES. */
async function masterOf(port: number, key: string): Promise<number> {
  const slot = Number(
    (await run("redis-cli", ["-p", String(port), "cluster", "keyslot", key])).stdout.trim(),
  );
  const { stdout } = await run("redis-cli", ["-p", String(port), "cluster", "nodes"]);
  for (const line of stdout.trim().split("\n")) {
    const fields = line.split(" ");
    if (!fields[2]?.includes("master") || fields[2].includes("fail")) continue;
    for (const range of fields.slice(8)) {
      const [from, to = from] = range.split("-").map(Number);
      if (slot >= (from as number) && slot <= (to as number))
        return Number(fields[1]?.split(":")[1]?.split("@")[0]);
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}

describe.skipIf(!canRun)("a Redis Cluster master killed and its replica promoted", () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it("loses no acknowledged check-in when every batch waits for a replica", async () => {
    cluster = await startCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
    const warnings: string[] = [];
    const logger = createLogger({
      level: "warn",
      destination: { write: (line: string) => warnings.push(line) },
    });
    const target = clusterTarget(cluster.urls);
    const store = await openRedisStore({ url: target, prefix: PREFIX, logger, waitReplicas: 1 });
    const service = new QueueService({ store, logger, maxLagMs: NO_LAG_BOUND });
    let n = 0;
    const exec = (input: Record<string, unknown>, requestId = `fo-${++n}`) =>
      service.execute(STORE, { requestId, ...input }, NOW);
    expect(
      (await exec({ type: "store:create", settings: storeSettingsSchema.parse(demoSettings) })).ok,
    ).toBe(true);

    const checkIn = (i: number) =>
      exec(
        {
          type: "visit:check-in",
          topicId: "phones",
          channel: "kiosk",
          name: `C${i}`,
          customerToken: `token-${i}-${"x".repeat(24)}`,
        },
        `check-in-${i}`,
      );
    const acked = new Map<number, CommandResult>();
    const refused = new Set<number>();
    const send = async (i: number) => {
      const result = await checkIn(i);
      if (result.ok) acked.set(i, result);
      else {
        expect(result.error.code, JSON.stringify(result.error)).toMatch(/UNAVAILABLE|CONFLICT/);
        refused.add(i);
      }
    };

    // Before: a few acknowledged, then the store's master is killed mid-stream.
    let i = 0;
    while (i < 20) await send(i++);
    const master = await masterOf(cluster.ports[0] as number, `{${STORE}}`);
    const inFlight = Array.from({ length: 5 }, () => send(i++));
    cluster.kill(master);
    await Promise.all(inFlight);
    const shortBeforeKill = warnings.filter((w) => w.includes("fewer Redis replicas")).length;
    // Until the replica has taken over, check-ins are refused; a kiosk sends the same request
    // again a moment later until it is answered.
    await waitUntilOk(cluster.ports.filter((p) => p !== master));
    const deadline = Date.now() + 30_000;
    const untilServed = async (k: number) => {
      for (;;) {
        const result = await checkIn(k);
        if (result.ok) {
          acked.set(k, result);
          return;
        }
        expect(Date.now(), `check-in ${k} was not served after the fail-over`).toBeLessThan(
          deadline,
        );
        // (The Redis client's timers get to run: refusals come back without any I/O.)
        await delay(20);
      }
    };
    for (const k of [...refused]) await untilServed(k);
    for (let after = 0; after < 3; after++) await untilServed(i++);

    const state = await service.state(STORE);
    const names = [...state.visits.values()].map((v) => v.name);
    for (const k of acked.keys()) expect(names.filter((name) => name === `C${k}`)).toHaveLength(1);
    expect(names).toHaveLength(i);
    // The log itself, read afresh by another client: every acknowledged check-in once.
    const reader = await openRedisStore({ url: target, prefix: PREFIX, logger });
    const log = await reader.read(STORE, 0);
    for (const k of acked.keys())
      expect(log.filter((c) => c.requestId === `check-in-${k}`)).toHaveLength(1);
    await reader.close();
    await store.close();
    // Before the kill every batch reached its replica. (After it the promoted replica is a
    // master without one: batches are acknowledged after the wait with a warning.)
    expect(shortBeforeKill).toBe(0);
  });
});
