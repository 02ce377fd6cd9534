import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Logger, createLogger } from "../../server/logger.js";
import type { Commit } from "../../server/store/event-store.js";
import { openMemoryStore } from "../../server/store/memory-store.js";

/** The embedded store's journal: what survives a crash, and what a damaged file does. */

const T = Date.UTC(2026, 10, 23, 9, 0, 0);
const commit = (version: number, storeId = "s1"): Commit => ({
  storeId,
  version,
  requestId: `r-${version}`,
  command: "visit:check-in",
  at: T + version,
  events: [{ type: "visit:checked-in", visitId: `v-${version}` }],
  reply: { visitId: `v-${version}` },
});

/** A logger that keeps what was logged, to check the warnings. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

describe("embedded journal", () => {
  let dataDir: string;
  const journalPath = () => join(dataDir, "journal.ndjson");

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "undivided-journal-"));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps every acknowledged append when the process dies without closing", async () => {
    const { logger } = capturingLogger();
    const crashed = await openMemoryStore({ dataDir, logger });
    const acks = await Promise.all([1, 2, 3].map((v) => crashed.append(commit(v), v - 1)));
    expect(acks.map((a) => a.status)).toEqual(["appended", "appended", "appended"]);
    // No close(): a second process opens the same directory, as after a crash.
    const restarted = await openMemoryStore({ dataDir, logger });
    expect(await restarted.read("s1", 0)).toEqual([commit(1), commit(2), commit(3)]);
    await restarted.close();
    // Only now, so its file handle is not left for the garbage collector to close.
    await crashed.close();
  });

  it("drops a torn last line with a warning, cuts it off, and goes on", async () => {
    const { logger, lines } = capturingLogger();
    const first = await openMemoryStore({ dataDir, logger });
    await first.append(commit(1), 0);
    await first.append(commit(2), 1);
    await first.close();
    const whole = await readFile(journalPath(), "utf8");
    const torn = JSON.stringify(commit(3)).slice(0, 40);
    await appendFile(journalPath(), torn);

    const store = await openMemoryStore({ dataDir, logger });
    expect(await store.version("s1")).toBe(2);
    const warning = lines.find((l) => String(l.msg).includes("torn line"));
    expect(warning).toMatchObject({ level: 40, line: 3 });
    expect(await readFile(journalPath(), "utf8")).toBe(whole);

    expect(await store.append(commit(3), 2)).toEqual({ status: "appended", version: 3 });
    await store.close();
    const again = await openMemoryStore({ dataDir, logger });
    expect(await again.read("s1", 0)).toEqual([commit(1), commit(2), commit(3)]);
    await again.close();
  });

  it("refuses to start on a corrupt line in the middle rather than lose what follows", async () => {
    const { logger } = capturingLogger();
    const lines = [commit(1), commit(2), commit(3)].map((c) => JSON.stringify(c));
    lines[1] = "{not json";
    await writeFile(journalPath(), `${lines.join("\n")}\n`);
    await expect(openMemoryStore({ dataDir, logger })).rejects.toThrow(/line 2 is corrupt/);
  });

  it("refuses a journal whose versions skip", async () => {
    const { logger } = capturingLogger();
    await writeFile(journalPath(), `${JSON.stringify(commit(1))}\n${JSON.stringify(commit(3))}\n`);
    await expect(openMemoryStore({ dataDir, logger })).rejects.toThrow(
      /at version 1, got commit 3/,
    );
  });

  it("starts on an empty or missing journal", async () => {
    const { logger } = capturingLogger();
    const store = await openMemoryStore({ dataDir: join(dataDir, "new", "dir"), logger });
    expect(await store.storeIds()).toEqual([]);
    await store.close();
  });

  it("keeps concurrent appends to several stores, in order, across a restart", async () => {
    const { logger } = capturingLogger();
    const store = await openMemoryStore({ dataDir, logger });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.append({ ...commit(1, `s${i % 4}`), requestId: `b-${i}` }, 0),
      ),
    );
    expect(results.filter((r) => r.status === "appended")).toHaveLength(4);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.append(commit(i + 2, "s0"), i + 1)),
    );
    await store.close();
    const reopened = await openMemoryStore({ dataDir, logger });
    expect((await reopened.read("s0", 0)).map((c) => c.version)).toEqual(
      Array.from({ length: 51 }, (_, i) => i + 1),
    );
    await reopened.close();
  });

  describe("compaction behind snapshots", () => {
    const HOUR = 60 * 60 * 1000;
    /** Commit `version` of `storeId`, `version` hours after T. */
    const hourly = (version: number, storeId = "s1"): Commit => ({
      ...commit(version, storeId),
      at: T + version * HOUR,
    });
    const snapshotAt = (version: number) => ({ version, schema: 1, data: { upTo: version } });

    async function appendAll(
      store: Awaited<ReturnType<typeof openMemoryStore>>,
      commits: Commit[],
    ) {
      for (const c of commits)
        expect((await store.append(c, c.version - 1)).status).toBe("appended");
    }

    it("drops what a snapshot holds and is older than a day, and starts again with the rest", async () => {
      const { logger, lines } = capturingLogger();
      const store = await openMemoryStore({ dataDir, logger, compactAtBytes: 1 });
      // 60 hourly commits of s1 and a few of s2 (which gets no snapshot: all of it stays).
      await appendAll(
        store,
        Array.from({ length: 60 }, (_, i) => hourly(i + 1)),
      );
      await appendAll(
        store,
        [1, 2, 3].map((v) => hourly(v, "s2")),
      );
      const before = (await stat(journalPath())).size;
      await store.saveSnapshot("s1", snapshotAt(50));
      expect(lines.some((l) => l.msg === "journal compacted")).toBe(true);
      expect((await stat(journalPath())).size).toBeLessThan(before);
      // Kept: everything after the snapshot, and the last day's commits before it (36 – 60).
      await expect(store.read("s1", 0)).rejects.toThrow(/gone from the log/);
      expect((await store.read("s1", 35)).map((c) => c.version)).toEqual(
        Array.from({ length: 25 }, (_, i) => i + 36),
      );
      await appendAll(store, [hourly(61)]);
      await store.close();

      const again = await openMemoryStore({ dataDir, logger });
      expect(await again.version("s1")).toBe(61);
      expect(await again.loadSnapshot("s1")).toEqual(snapshotAt(50));
      expect((await again.read("s1", 50)).map((c) => c.version)).toEqual(
        Array.from({ length: 11 }, (_, i) => i + 51),
      );
      await expect(again.read("s1", 20)).rejects.toThrow(/gone from the log/);
      expect((await again.read("s2", 0)).map((c) => c.version)).toEqual([1, 2, 3]);
      // A request of the last day is still known (a retry gets its answer); an old one is not.
      expect(await again.findRequest("s1", "r-40")).toEqual(hourly(40));
      expect(await again.findRequest("s1", "r-10")).toBeUndefined();
      // The version check goes on from the compacted log.
      expect(await again.append(hourly(62), 61)).toEqual({ status: "appended", version: 62 });
      expect((await again.append({ ...hourly(62), requestId: "other" }, 60)).status).toBe(
        "conflict",
      );
      await again.close();
    });

    it("keeps an idle store whose every commit was compacted, at its snapshot's version", async () => {
      const { logger } = capturingLogger();
      const store = await openMemoryStore({ dataDir, logger, compactAtBytes: 1 });
      await appendAll(
        store,
        Array.from({ length: 10 }, (_, i) => hourly(i + 1, "idle")),
      );
      // Another store's commits a few days on make the idle store's commits older than a day.
      await appendAll(store, [{ ...hourly(1, "busy"), at: T + 100 * HOUR }]);
      await store.saveSnapshot("idle", snapshotAt(10));
      await store.close();
      const again = await openMemoryStore({ dataDir, logger });
      expect(await again.version("idle")).toBe(10);
      expect(await again.read("idle", 10)).toEqual([]);
      expect(await again.append(hourly(11, "idle"), 10)).toEqual({
        status: "appended",
        version: 11,
      });
      await again.close();
    });

    it("rewrites the journal for retention at once, then at most every retentionRewriteMs", async () => {
      const { logger, lines } = capturingLogger();
      const store = await openMemoryStore({ dataDir, logger, retentionRewriteMs: 60 * 60_000 });
      await appendAll(
        store,
        Array.from({ length: 10 }, (_, i) => hourly(i + 1)),
      );
      await store.saveSnapshot("s1", snapshotAt(8));
      const onDisk = async () =>
        (await readFile(journalPath(), "utf8"))
          .trim()
          .split("\n")
          .map((line) => (JSON.parse(line) as Commit).version);
      // The first rewrite runs at once: commits 1-3 (before hour 3.5) leave the file.
      await store.forget("s1", T + 3.5 * HOUR, 8);
      expect(await onDisk()).toEqual([4, 5, 6, 7, 8, 9, 10]);
      expect(lines.filter((l) => l.msg === "journal compacted")).toHaveLength(1);
      // The next, within the hour, waits for it: nothing is rewritten yet.
      await store.forget("s1", T + 6.5 * HOUR, 8);
      expect(await onDisk()).toEqual([4, 5, 6, 7, 8, 9, 10]);
      expect(lines.filter((l) => l.msg === "journal compacted")).toHaveLength(1);
      // A rewrite for any other reason takes what is due along.
      await store.compact();
      expect(await onDisk()).toEqual([7, 8, 9, 10]);
      await store.close();
      const again = await openMemoryStore({ dataDir, logger });
      await expect(again.read("s1", 5)).rejects.toThrow(/up to version 6 are gone/);
      expect((await again.read("s1", 6)).map((c) => c.version)).toEqual([7, 8, 9, 10]);
      await again.close();
    });

    it("writes appends queued when a rewrite starts, and those made during it, once each", async () => {
      const { logger } = capturingLogger();
      const store = await openMemoryStore({ dataDir, logger });
      await appendAll(
        store,
        Array.from({ length: 40 }, (_, i) => hourly(i + 1)),
      );
      await store.saveSnapshot("s1", snapshotAt(30));
      // Queued (recorded, not yet written) when the rewrite starts in the same turn, and after.
      const queued = Array.from({ length: 20 }, (_, i) => store.append(hourly(i + 41), i + 40));
      const compacted = store.compact();
      const later = Array.from({ length: 10 }, (_, i) => store.append(hourly(i + 61), i + 60));
      await Promise.all([...queued, compacted, ...later]);
      await store.close();
      const versions = (await readFile(journalPath(), "utf8"))
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as Commit).version);
      // After the snapshot (all of the last day's too), consecutive, each once.
      expect(versions).toEqual(Array.from({ length: 40 }, (_, i) => i + 31));
      const again = await openMemoryStore({ dataDir, logger });
      expect(await again.version("s1")).toBe(70);
      await again.close();
    });

    it("starts with the old journal whole when a crash cut a rewrite or a snapshot short", async () => {
      const { logger } = capturingLogger();
      const store = await openMemoryStore({ dataDir, logger });
      await appendAll(
        store,
        Array.from({ length: 5 }, (_, i) => hourly(i + 1)),
      );
      await store.close();
      // What a crash mid-write leaves: half-written new files beside the whole old ones.
      await writeFile(`${journalPath()}.new`, '{"storeId":"s1","vers');
      await rm(join(dataDir, "snapshots"), { recursive: true, force: true });
      const { mkdir } = await import("node:fs/promises");
      await mkdir(join(dataDir, "snapshots"));
      await writeFile(join(dataDir, "snapshots", "s1.json.new"), '{"version":5,"sch');
      const again = await openMemoryStore({ dataDir, logger });
      expect((await again.read("s1", 0)).map((c) => c.version)).toEqual([1, 2, 3, 4, 5]);
      expect(await again.loadSnapshot("s1")).toBeUndefined();
      expect(await readdir(dataDir)).not.toContain("journal.ndjson.new");
      expect(await readdir(join(dataDir, "snapshots"))).toEqual([]);
      await again.close();
    });

    it("refuses a journal that starts after a version no snapshot holds", async () => {
      const { logger } = capturingLogger();
      await writeFile(journalPath(), `${JSON.stringify(hourly(7))}\n`);
      await expect(openMemoryStore({ dataDir, logger })).rejects.toThrow(/no snapshot holds it/);
    });
  });

  it("forgets request ids past the retention, counted from the newest commit", async () => {
    const { logger } = capturingLogger();
    const store = await openMemoryStore({ logger });
    await store.append(commit(1), 0);
    const dayLater = { ...commit(2), at: T + 24 * 60 * 60 * 1000 + 10 };
    await store.append(dayLater, 1);
    expect(await store.findRequest("s1", "r-1")).toBeUndefined();
    expect(await store.findRequest("s1", "r-2")).toEqual(dayLater);
  });
});
