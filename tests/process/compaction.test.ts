import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../server/logger.js";
import { openMemoryStore } from "../../server/store/memory-store.js";

/**
 * kill -9 of a process whose embedded store snapshots and rewrites its journal all the time:
 * whenever the kill lands (mid-append, mid-snapshot, mid-rewrite), the store starts again with
 * every acknowledged commit, each store's log goes on without a gap from its snapshot, and
 * appends go on from there.
 */

const logger = createLogger({ level: "silent" });

/** Runs the writer until it has acknowledged `acks` more commits, then kills it; returns them. */
async function runAndKill(dataDir: string, acks: number): Promise<Map<string, number>> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "tests/process/compacting-writer.ts", dataDir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const acked = new Map<string, number>();
  let seen = 0;
  let pending = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const [word, storeId, version] = line.split(" ");
      if (word !== "acked") continue;
      acked.set(storeId as string, Number(version));
      if (++seen === acks) child.kill("SIGKILL");
    }
  });
  await exited;
  return acked;
}

describe("an embedded store killed while compacting", () => {
  let dataDir: string;
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts with every acknowledged commit, kill after kill", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "undivided-compaction-"));
    // Kills at different moments: after a different number of acknowledgements each time.
    for (const acks of [37, 120, 253, 61, 400]) {
      const acked = await runAndKill(dataDir, acks);
      expect(acked.size).toBe(2);
      const store = await openMemoryStore({ dataDir, logger });
      for (const [storeId, version] of acked) {
        const now = await store.version(storeId);
        expect(now).toBeGreaterThanOrEqual(version);
        const snapshot = await store.loadSnapshot(storeId);
        // From the snapshot on, the log is whole: every version once, in order.
        const from = snapshot?.version ?? 0;
        const rest = (await store.read(storeId, from)).map((c) => c.version);
        expect(rest).toEqual(Array.from({ length: now - from }, (_, i) => from + i + 1));
      }
      await store.close();
    }
  });
});
