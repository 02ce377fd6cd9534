import { createLogger } from "../../server/logger.js";
import type { Commit } from "../../server/store/event-store.js";
import { openMemoryStore } from "../../server/store/memory-store.js";

/**
 * A child process for compaction.test.ts: appends commits to two stores of an embedded store in
 * `process.argv[2]` as fast as it can, snapshotting each store every 25 commits with the journal
 * rewritten at every snapshot, and prints each acknowledged commit's store and version, until
 * it is killed. Commits are an hour apart, so a day's worth is soon older than the retention.
 */
const dataDir = process.argv[2] as string;
const HOUR = 60 * 60 * 1000;
const T = Date.UTC(2026, 0, 1);
const store = await openMemoryStore({
  dataDir,
  logger: createLogger({ level: "error" }),
  compactAtBytes: 1,
});
const versions = new Map<string, number>();
for (const storeId of ["a", "b"]) versions.set(storeId, await store.version(storeId));
process.stdout.write("ready\n");
let tick = Math.max(...versions.values());
for (;;) {
  tick++;
  await Promise.all(
    ["a", "b"].map(async (storeId) => {
      const version = (versions.get(storeId) as number) + 1;
      const commit: Commit = {
        storeId,
        version,
        requestId: `${storeId}-${version}`,
        command: "test",
        at: T + tick * HOUR,
        events: [{ n: version }],
        reply: {},
      };
      const result = await store.append(commit, version - 1);
      if (result.status !== "appended") throw new Error(`${storeId} ${version}: ${result.status}`);
      versions.set(storeId, version);
      process.stdout.write(`acked ${storeId} ${version}\n`);
      if (version % 25 === 0)
        await store.saveSnapshot(storeId, { version, schema: 1, data: { upTo: version } });
    }),
  );
}
