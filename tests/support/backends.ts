import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../server/logger.js";
import type { EventStore } from "../../server/store/event-store.js";
import { openMemoryStore } from "../../server/store/memory-store.js";
import { deletePrefix, freshPrefix, hasRedis, openTestRedisStore } from "./redis.js";

/**
 * The event store back ends every contract test runs over. Each `fresh()` gives a place of its
 * own (a temporary directory, a key prefix); `open()` may be called again after closing to
 * restart on the same data, and `cleanup()` removes it all.
 */
export interface Backend {
  name: "embedded" | "redis";
  /** False when this back end cannot run here (Redis missing outside CI). */
  available: boolean;
  fresh(): Promise<Place>;
}

export interface Place {
  open(): Promise<EventStore>;
  cleanup(): Promise<void>;
}

export const embedded: Backend = {
  name: "embedded",
  available: true,
  async fresh() {
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-test-"));
    return {
      open: () => openMemoryStore({ dataDir, logger: silentLogger }),
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
};

export const redis: Backend = {
  name: "redis",
  available: hasRedis,
  async fresh() {
    const prefix = freshPrefix();
    return {
      open: () => openTestRedisStore(prefix),
      cleanup: () => deletePrefix(prefix),
    };
  },
};

export const backends: Backend[] = [embedded, redis];
