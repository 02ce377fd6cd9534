import { createClient, createCluster } from "redis";

/**
 * Where Redis is: a `redis://` URL of one server, or a Redis Cluster written
 * `cluster:redis://host:port,redis://host:port` (its seed nodes; see `clusterTarget`). The parts
 * of the server that keep state in Redis are given one of these and open their links with
 * `makeRedisLink`.
 */
export type RedisTarget = string;

const CLUSTER = "cluster:";

/** The target for a cluster reached through these seed node URLs. */
export const clusterTarget = (nodes: readonly string[]): RedisTarget =>
  `${CLUSTER}${nodes.join(",")}`;

export const isClusterTarget = (target: RedisTarget): boolean => target.startsWith(CLUSTER);

const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** retries, 2000);

/**
 * A node-redis client as every part of the server uses it: reconnects with a back-off of at most
 * 2 s, and fails commands at once while disconnected instead of queueing them, so a command that
 * cannot reach Redis is answered UNAVAILABLE rather than left hanging.
 */
export function makeRedisClient(url: string) {
  return createClient({ url, socket: { reconnectStrategy }, disableOfflineQueue: true });
}

export type RedisClient = ReturnType<typeof makeRedisClient>;

/**
 * A link to a Redis target: a client as above, or on a cluster a cluster client with the same
 * settings, which sends each command to the node holding its key's slot (a store's keys share
 * one, see redis-keys.ts), following MOVED and ASK redirections. Raw commands, pings and scans
 * go through the helpers below, which work on both.
 */
export function makeRedisLink(target: RedisTarget) {
  if (!isClusterTarget(target)) return makeRedisClient(target);
  const urls = target.slice(CLUSTER.length).split(",").filter(Boolean);
  return createCluster({
    rootNodes: urls.map((url) => ({ url })),
    defaults: { socket: { reconnectStrategy }, disableOfflineQueue: true },
    // A node that stays away for a second makes the client read the cluster's slots again, so
    // after a fail-over it finds the promoted replica (node-redis waits 5 s by default).
    topologyRefreshOnReconnectionAttemptStrategy: 1000,
  });
}

export type RedisLink = ReturnType<typeof makeRedisLink>;

const isCluster = (link: RedisLink): link is Extract<RedisLink, { masters: unknown }> =>
  "masters" in link;

/**
 * A raw command: on a cluster, sent to the node holding `key`'s slot (every key a command or
 * script touches must share that slot).
 */
export function sendCommand<T>(link: RedisLink, key: string, args: string[]): Promise<T> {
  if (isCluster(link)) return link.sendCommand<T>(key, false, args);
  return link.sendCommand(args) as Promise<T>;
}

/** Checks that Redis answers: every master of a cluster. */
export async function ping(link: RedisLink): Promise<void> {
  if (!isCluster(link)) {
    await link.ping();
    return;
  }
  for (const master of link.masters) await (await link.nodeClient(master)).ping();
}

/** Every key matching `match`, from every master of a cluster. */
export async function* scanKeys(link: RedisLink, match: string): AsyncGenerator<string[]> {
  const nodes = isCluster(link)
    ? await Promise.all(link.masters.map((m) => link.nodeClient(m)))
    : [link];
  for (const node of nodes)
    for await (const batch of node.scanIterator({ MATCH: match, COUNT: 500 })) yield batch;
}
