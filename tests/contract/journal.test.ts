import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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
