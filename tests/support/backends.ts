import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { silentLogger } from "../../server/logger.js";
import type { EventStore } from "../../server/store/event-store.js";
import { openMemoryStore } from "../../server/store/memory-store.js";
import {
  CLUSTER_TARGET,
  REDIS_URL,
  deleteClusterPrefix,
  deletePrefix,
  dumpUnder,
  freshPrefix,
  hasRedis,
  openTestClusterStore,
  openTestRedisStore,
} from "./redis.js";

/**
 * The event store back ends every contract test runs over. Each `fresh()` gives a place of its
 * own (a temporary directory, a key prefix); `open()` may be called again after closing to
 * restart on the same data, and `cleanup()` removes it all.
 */
export interface Backend {
  name: "embedded" | "redis" | "cluster";
  /** False when this back end cannot run here (Redis missing outside CI). */
  available: boolean;
  fresh(): Promise<Place>;
}

export interface Place {
  open(): Promise<EventStore>;
  cleanup(): Promise<void>;
  /** Everything the place holds (files, keys), as text: to prove something is gone from all of it. */
  dump(): Promise<string>;
}

/** Every file under `dir`, as text, each after its path. */
async function dumpFiles(dir: string): Promise<string> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push(`${path}\n${await readFile(path, "utf8")}`);
  }
  return out.join("\n");
}

export const embedded: Backend = {
  name: "embedded",
  available: true,
  async fresh() {
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-test-"));
    return {
      // Retention's journal rewrites at once (the hourly pace is tested in journal.test.ts).
      open: () => openMemoryStore({ dataDir, logger: silentLogger, retentionRewriteMs: 0 }),
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
      dump: () => dumpFiles(dataDir),
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
      dump: () => dumpUnder(REDIS_URL, prefix),
    };
  },
};

/** The Redis store on a three-master Redis Cluster (tests/support/cluster-setup.ts). */
export const cluster: Backend = {
  name: "cluster",
  available: CLUSTER_TARGET !== undefined,
  async fresh() {
    const prefix = freshPrefix();
    return {
      open: () => openTestClusterStore(prefix),
      cleanup: () => deleteClusterPrefix(prefix),
      dump: () => dumpUnder(CLUSTER_TARGET as string, prefix),
    };
  },
};

export const backends: Backend[] = [embedded, redis, cluster];

/**
 * Inside a `describe` over `backend`: a fresh place for each test (skipped where the back end
 * cannot run), and `open()` to open (or, after closing, reopen) its store; every store opened
 * is closed and the place removed after the test.
 */
export function storesPerTest(backend: Backend): {
  open(): Promise<EventStore>;
  dump(): Promise<string>;
} {
  let place: Place;
  const opened: EventStore[] = [];
  beforeEach(async (context) => {
    if (!backend.available) context.skip();
    place = await backend.fresh();
  });
  afterEach(async () => {
    if (!backend.available) return;
    for (const store of opened.splice(0)) await store.close();
    await place.cleanup();
  });
  return {
    async open() {
      const store = await place.open();
      opened.push(store);
      return store;
    },
    dump: () => place.dump(),
  };
}
