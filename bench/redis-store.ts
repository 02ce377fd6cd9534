import { performance } from "node:perf_hooks";
import { nanoid } from "nanoid";
import { QueueService } from "../server/app/queue-service.js";
import { silentLogger } from "../server/logger.js";
import type { RedisTarget } from "../server/redis-client.js";
import type { Commit } from "../server/store/event-store.js";
import { openRedisStore } from "../server/store/redis-store.js";
import { storeSettingsSchema } from "../shared/settings.js";
import { deleteUnder } from "../tests/support/redis.js";

/**
 * Redis store on loopback: raw append latency with one writer, then the conflict-retry rate of
 * two command handlers (separate connections) writing one store at once.
 */

export interface RedisFigures {
  appends: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  racedCommands: number;
  commits: number;
  conflicts: number;
  conflictRetryRate: number;
  racedCommandsPerSec: number;
}

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Appends before measuring begins: script load, connection and JIT warm-up are not the store. */
const WARM_UP = 1000;

/**
 * Appends to one store one after another (latency), then two writers racing on one store.
 * `target`: one Redis (default `REDIS_URL`) or a cluster (see RedisTarget); `waitReplicas`: each
 * append waits for that many replicas (REDIS_WAIT_REPLICAS).
 */
export async function benchRedis(
  appends = 20000,
  racedPerWriter = 1000,
  target: RedisTarget = url,
  waitReplicas = 0,
): Promise<RedisFigures> {
  const prefix = `bench-${nanoid(8)}:`;
  const store = await openRedisStore({ url: target, prefix, logger: silentLogger, waitReplicas });
  try {
    const latencies: number[] = [];
    const storeId = "append-bench";
    for (let v = 0; v < appends + WARM_UP; v++) {
      const commit: Commit = {
        storeId,
        version: v + 1,
        requestId: `r-${v}`,
        command: "visit:check-in",
        at: Date.now(),
        events: [
          { type: "visit:checked-in", visitId: `v-${v}`, code: "P-001", note: "x".repeat(40) },
        ],
        reply: { visitId: `v-${v}` },
      };
      const start = performance.now();
      const result = await store.append(commit, v);
      if (v >= WARM_UP) latencies.push(performance.now() - start);
      if (result.status !== "appended") throw new Error(`append ${v}: ${result.status}`);
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      Number(
        (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(
          3,
        ),
      );

    const race = await raceTwoWriters(prefix, racedPerWriter, target, waitReplicas);
    return { appends, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: q(1), ...race };
  } finally {
    await store.close();
    await deleteUnder(target, prefix);
  }
}

async function raceTwoWriters(
  prefix: string,
  perWriter: number,
  target: RedisTarget,
  waitReplicas: number,
) {
  const open = () => openRedisStore({ url: target, prefix, logger: silentLogger, waitReplicas });
  const stores = [await open(), await open()];
  const services = stores.map(
    (store) => new QueueService({ store, logger: silentLogger, maxLagMs: 60_000 }),
  );
  const storeId = "race-bench";
  try {
    const [first] = services as [QueueService, QueueService];
    const created = await first.execute(
      storeId,
      {
        type: "store:create",
        requestId: "create",
        settings: storeSettingsSchema.parse({
          name: "Race",
          timezone: "UTC",
          languages: ["en"],
          topics: [{ id: "phones", name: "Phones", letter: "P", skill: "phones" }],
        }),
      },
      Date.now(),
    );
    if (!created.ok) throw new Error(created.error.message);
    const start = performance.now();
    await Promise.all(
      services.map(async (service, w) => {
        for (let i = 0; i < perWriter; i++) {
          const result = await service.execute(
            storeId,
            {
              type: "visit:check-in",
              requestId: `w${w}-${i}`,
              topicId: "phones",
              channel: "kiosk",
              customerToken: nanoid(24),
            },
            Date.now(),
          );
          if (!result.ok) throw new Error(result.error.message);
        }
      }),
    );
    const elapsed = performance.now() - start;
    const commits = services.reduce((n, s) => n + s.counters.commits, 0) - 1;
    const conflicts = services.reduce((n, s) => n + s.counters.conflicts, 0);
    return {
      racedCommands: perWriter * 2,
      commits,
      conflicts,
      conflictRetryRate: Number((conflicts / commits).toFixed(3)),
      racedCommandsPerSec: Math.round((perWriter * 2 * 1000) / elapsed),
    };
  } finally {
    for (const s of stores) await s.close();
  }
}
