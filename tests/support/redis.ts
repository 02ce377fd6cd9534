import { nanoid } from "nanoid";
import { createClient } from "redis";
import { silentLogger } from "../../server/logger.js";
import {
  type RedisTarget,
  clusterTarget,
  makeRedisLink,
  scanKeys,
  sendCommand,
} from "../../server/redis-client.js";
import { type RedisStore, openRedisStore } from "../../server/store/redis-store.js";

/**
 * Real Redis for tests. Without a reachable server a Redis suite skips with a loud message,
 * except under CI=true, where a missing Redis is a failure.
 */

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

async function probe(): Promise<string | undefined> {
  const client = createClient({
    url: REDIS_URL,
    socket: { connectTimeout: 1000, reconnectStrategy: false },
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    if (client.isOpen) await client.close();
  }
}

const problem = await probe();
if (problem !== undefined) {
  const message = `Redis is not reachable at ${REDIS_URL} (${problem})`;
  if (process.env.CI === "true") throw new Error(`${message}; under CI=true Redis tests must run.`);
  console.warn(
    `\n!!!!!!!! SKIPPING REDIS TESTS: ${message}. Start one with:\n!!!!!!!!   redis-server --daemonize yes --port 6379 --save "" --appendonly no\n`,
  );
}

/** False when Redis tests must skip (never under CI=true: that throws above). */
export const hasRedis = problem === undefined;

/** A key prefix no other test uses. */
export const freshPrefix = (): string => `test-${nanoid(10)}:`;

/** Opens a Redis store on its own connection under `prefix`. */
export const openTestRedisStore = (prefix: string): Promise<RedisStore> =>
  openRedisStore({ url: REDIS_URL, prefix, logger: silentLogger });

/**
 * The test Redis Cluster's target (see tests/support/cluster-setup.ts, which starts one for the
 * run), or undefined where none could be started (never under CI=true: the setup throws).
 */
export const CLUSTER_TARGET: RedisTarget | undefined = process.env.TEST_REDIS_CLUSTER
  ? clusterTarget(process.env.TEST_REDIS_CLUSTER.split(","))
  : undefined;

/** Opens a Redis store on the test cluster under `prefix`. */
export const openTestClusterStore = (prefix: string): Promise<RedisStore> =>
  openRedisStore({ url: CLUSTER_TARGET as string, prefix, logger: silentLogger });

/** Deletes every key under `prefix` on the test cluster, from each master. */
export const deleteClusterPrefix = (prefix: string): Promise<void> =>
  deleteUnder(CLUSTER_TARGET as string, prefix);

/** Deletes every key under `prefix` on `target` (one Redis or a cluster; benchmarks too). */
export async function deleteUnder(target: RedisTarget, prefix: string): Promise<void> {
  const client = makeRedisLink(target);
  client.on("error", () => {});
  await client.connect();
  try {
    // One key a command: on a cluster the keys of one scan may live in different slots.
    for await (const keys of scanKeys(client, `${prefix}*`))
      await Promise.all(keys.map((key) => client.del(key)));
  } finally {
    await client.close();
  }
}

/**
 * Everything stored under `prefix` on `target`, as text (each key's name and contents, whatever
 * its type): what a test searches to prove something is gone from every copy in Redis.
 */
export async function dumpUnder(target: RedisTarget, prefix: string): Promise<string> {
  const client = makeRedisLink(target);
  client.on("error", () => {});
  await client.connect();
  const out: string[] = [];
  try {
    for await (const keys of scanKeys(client, `${prefix}*`)) {
      for (const key of keys) {
        const type = await sendCommand<string>(client, key, ["TYPE", key]);
        const contents =
          type === "stream"
            ? await sendCommand(client, key, ["XRANGE", key, "-", "+"])
            : type === "hash"
              ? await sendCommand(client, key, ["HGETALL", key])
              : type === "set"
                ? await sendCommand(client, key, ["SMEMBERS", key])
                : type === "zset"
                  ? await sendCommand(client, key, ["ZRANGE", key, "0", "-1", "WITHSCORES"])
                  : type === "list"
                    ? await sendCommand(client, key, ["LRANGE", key, "0", "-1"])
                    : await sendCommand(client, key, ["GET", key]);
        out.push(`${key} ${JSON.stringify(contents)}`);
      }
    }
  } finally {
    await client.close();
  }
  return out.join("\n");
}

/** Deletes every key under `prefix`. */
export const deletePrefix = (prefix: string): Promise<void> => deleteUnder(REDIS_URL, prefix);

/** Where Redis tests may keep a store: one Redis, or the test run's Redis Cluster. */
export interface RedisPlace {
  name: string;
  /** False where it cannot run here (never under CI=true). */
  available: boolean;
  /** Environment for a server process to use it (REDIS_URL emptied for the cluster: the test's own environment may name one). */
  env: Record<string, string>;
  open(prefix: string): Promise<RedisStore>;
  remove(prefix: string): Promise<void>;
}

export const redisPlaces: RedisPlace[] = [
  {
    name: "one Redis",
    available: hasRedis,
    env: { REDIS_URL },
    open: openTestRedisStore,
    remove: deletePrefix,
  },
  {
    name: "a Redis Cluster",
    available: CLUSTER_TARGET !== undefined,
    env: { REDIS_URL: "", REDIS_CLUSTER_NODES: process.env.TEST_REDIS_CLUSTER ?? "" },
    open: openTestClusterStore,
    remove: deleteClusterPrefix,
  },
];
