import type { Logger } from "../logger.js";
import type { EventStore } from "./event-store.js";
import { openMemoryStore } from "./memory-store.js";
import { openRedisStore } from "./redis-store.js";

export interface StoreConfig {
  /** Picks the Redis store when set (one Redis or a cluster); otherwise the embedded store. */
  redisUrl?: string;
  /** Redis replicas each batch must reach before it is acknowledged (see RedisStoreOptions). */
  waitReplicas?: number;
  redisPrefix?: string;
  /** The embedded store's journal directory. */
  dataDir: string;
  logger: Logger;
}

/** Opens the event store the configuration asks for: Redis if `redisUrl` is set, else embedded. */
export function openStore(config: StoreConfig): Promise<EventStore> {
  if (config.redisUrl) {
    return openRedisStore({
      url: config.redisUrl,
      prefix: config.redisPrefix,
      logger: config.logger,
      waitReplicas: config.waitReplicas,
    });
  }
  return openMemoryStore({ dataDir: config.dataDir, logger: config.logger });
}
