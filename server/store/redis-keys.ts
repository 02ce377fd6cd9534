/**
 * Every Redis key the store uses, built here and nowhere else. A store's keys share the hash
 * tag `{storeId}`, so in a Redis Cluster they live in one slot and one Lua script may touch
 * them all. The two index keys (timers, stores) are global and touched one command at a time.
 */
export interface RedisKeys {
  /** The store's event log: a stream whose entry ids are `0-<version>`. */
  log(storeId: string): string;
  /** The store's current version, kept beside the log so the append script reads one key. */
  version(storeId: string): string;
  /** Which version carried a request id (expires after the retention). */
  request(storeId: string, requestId: string): string;
  /** The newest snapshot: a hash with version, schema and data. */
  snapshot(storeId: string): string;
  /** Sorted set: store id scored by when its next timer is due. */
  timers(): string;
  /** Set of every store id that has a log. */
  stores(): string;
}

export function redisKeys(prefix: string): RedisKeys {
  const scoped = (storeId: string, name: string) => `${prefix}{${storeId}}:${name}`;
  return {
    log: (storeId) => scoped(storeId, "log"),
    version: (storeId) => scoped(storeId, "version"),
    request: (storeId, requestId) => scoped(storeId, `req:${requestId}`),
    snapshot: (storeId) => scoped(storeId, "snapshot"),
    timers: () => `${prefix}timers`,
    stores: () => `${prefix}stores`,
  };
}
