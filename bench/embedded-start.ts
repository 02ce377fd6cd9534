import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { QueueService } from "../server/app/queue-service.js";
import { SNAPSHOT_SCHEMA, decide, emptyState, toStateData } from "../server/domain/index.js";
import { silentLogger } from "../server/logger.js";
import type { Commit } from "../server/store/event-store.js";
import { openMemoryStore } from "../server/store/memory-store.js";
import { type Command, commandSchema } from "../shared/commands.js";
import { storeSettingsSchema } from "../shared/settings.js";

/**
 * Start time of the embedded store after a year of a busy store (`npm run bench --
 * embedded-start`): a year of 300 visits a day (check-in, offer at once, accept, complete,
 * through the real engine) written as a journal, then the time from opening the data directory
 * to the store's state in hand (what a start does before it serves), three ways: the whole
 * journal and no snapshot (before snapshots were kept on disk), the whole journal with the
 * latest snapshot, and after the journal was compacted behind that snapshot.
 */

const DAYS = Number(process.env.BENCH_START_DAYS ?? 365);
const VISITS_PER_DAY = Number(process.env.BENCH_START_VISITS ?? 300);
const ASSOCIATES = 6;
const STORE = "year";

export interface StartFigures {
  commits: number;
  journalMb: number;
  compactedKb: number;
  wholeLogMs: number;
  withSnapshotMs: number;
  compactedMs: number;
}

/** Writes the year's journal into `dataDir`; returns the last state's snapshot. */
async function writeYear(dataDir: string) {
  let state = emptyState(STORE);
  let seq = 0;
  let now = Date.UTC(2025, 11, 1, 9);
  const lines: string[] = [];
  const run = (input: Record<string, unknown>) => {
    const command = commandSchema.parse({ requestId: `y-${++seq}`, ...input }) as Command;
    const d = decide(state, command, now);
    if (!d.ok) throw new Error(`${String(input.type)}: ${d.error.message}`);
    if (d.recorded) {
      const commit: Commit = {
        storeId: STORE,
        version: d.state.version,
        requestId: command.requestId,
        command: command.type,
        at: d.at,
        events: d.events,
        reply: d.reply,
      };
      lines.push(`${JSON.stringify(commit)}\n`);
    }
    state = d.state;
  };
  run({
    type: "store:create",
    settings: storeSettingsSchema.parse({
      name: "A year",
      timezone: "UTC",
      languages: ["en"],
      topics: [
        { id: "phones", name: "Phones", letter: "P", skill: "floor" },
        { id: "returns", name: "Returns", letter: "R", skill: "floor" },
      ],
      wrapUpSec: 0,
    }),
  });
  for (let a = 0; a < ASSOCIATES; a++) {
    run({
      type: "associate:register",
      associateId: `a${a}`,
      name: `Associate ${a}`,
      skills: ["floor"],
      languages: ["en"],
      manager: false,
    });
    run({ type: "associate:sign-in", associateId: `a${a}` });
  }
  for (let day = 0; day < DAYS; day++) {
    now = Date.UTC(2025, 11, 1 + day, 9);
    for (let v = 0; v < VISITS_PER_DAY; v++) {
      now += 100_000;
      run({
        type: "visit:check-in",
        topicId: v % 2 ? "phones" : "returns",
        channel: "kiosk",
        customerToken: `token-${seq}-xxxxxxxxxxxxxxxxxxxxxx`,
        name: `Customer ${v}`,
        note: "",
      });
      const associate = [...state.associates.values()].find((a) => a.offerId !== undefined);
      if (!associate?.offerId) throw new Error("nobody was offered the visit");
      now += 10_000;
      run({ type: "offer:accept", associateId: associate.id, offerId: associate.offerId });
      now += 60_000;
      run({
        type: "visit:complete",
        associateId: associate.id,
        visitId: state.associates.get(associate.id)?.visitId as string,
        outcome: "resolved",
        note: "",
      });
    }
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, "journal.ndjson"), lines.join(""));
  return {
    commits: lines.length,
    snapshot: { version: state.version, schema: SNAPSHOT_SCHEMA, data: toStateData(state) },
  };
}

/** Opens the directory and reads the store's state as a starting server does; ms. */
async function startMs(dataDir: string): Promise<number> {
  const started = performance.now();
  const store = await openMemoryStore({ dataDir, logger: silentLogger, fsync: false });
  const service = new QueueService({ store, logger: silentLogger });
  const state = await service.state(STORE);
  const ms = performance.now() - started;
  if (state.version === 0) throw new Error("nothing was read");
  await store.close();
  return Math.round(ms);
}

export async function benchEmbeddedStart(): Promise<StartFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), "undivided-start-"));
  try {
    const { commits, snapshot } = await writeYear(dataDir);
    const journalMb = (await stat(join(dataDir, "journal.ndjson"))).size / 1024 / 1024;
    const wholeLogMs = await startMs(dataDir);
    // The latest snapshot on disk, as the server writes it, then the journal compacted.
    const store = await openMemoryStore({ dataDir, logger: silentLogger, fsync: false });
    await store.saveSnapshot(STORE, snapshot);
    await store.close();
    const withSnapshotMs = await startMs(dataDir);
    const compacting = await openMemoryStore({ dataDir, logger: silentLogger, fsync: false });
    await compacting.compact();
    await compacting.close();
    const compactedKb = (await stat(join(dataDir, "journal.ndjson"))).size / 1024;
    const compactedMs = await startMs(dataDir);
    return {
      commits,
      journalMb: Number(journalMb.toFixed(1)),
      compactedKb: Math.round(compactedKb),
      wholeLogMs,
      withSnapshotMs,
      compactedMs,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
