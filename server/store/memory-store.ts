import { mkdir, open, readFile, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../logger.js";
import {
  type AppendResult,
  type Batch,
  type BatchResult,
  CONFLICT_COMMITS,
  type Commit,
  type EventStore,
  LogTrimmed,
  REQUEST_RETENTION_MS,
  type Snapshot,
  appendOne,
} from "./event-store.js";
import { Journal, syncDirectory } from "./journal.js";

export interface MemoryStoreOptions {
  /** Where the journal lives; without it nothing is kept across restarts (tests, benchmarks). */
  dataDir?: string;
  logger: Logger;
  /** fdatasync each batch before acknowledging it (default true). */
  fsync?: boolean;
  /**
   * The journal is rewritten without what snapshots hold (see `compact`) once it is this many
   * bytes and twice its size after the last rewrite. Default 64 MB.
   */
  compactAtBytes?: number;
  /**
   * Retention (`forget`): the journal is rewritten for it at most this often; what expires in
   * between goes at the next rewrite. Default one hour.
   */
  retentionRewriteMs?: number;
}

interface StoreLog {
  /** The version before `commits[0]`: older commits were compacted away behind a snapshot. */
  base: number;
  /** The commits after `base`, in version order. */
  commits: Commit[];
  /** Request id → commit, oldest first, pruned past the retention. */
  requests: Map<string, Commit>;
  snapshot?: Snapshot;
  /** Retention asked to drop the commits before `before` up to `upTo` (see `forget`). */
  forget?: { before: number; upTo: number };
}

/**
 * The embedded event store: every store's log in this process's memory, made durable by an
 * append-only journal. One process only: the version check is exact because appends are
 * decided synchronously on the one event loop.
 */
export class MemoryStore implements EventStore {
  readonly kind = "embedded" as const;
  private readonly logs = new Map<string, StoreLog>();
  private readonly deadlines = new Map<string, number>();
  private closed = false;
  /** Journal size after the last rewrite (or at start). */
  private compactedSize = 0;
  private compacting: Promise<void> | undefined;
  /** When the journal was last rewritten for retention (ms since the epoch; 0: not yet). */
  private forgottenAt = 0;
  /** A retention rewrite waiting for `retentionRewriteMs` to pass. */
  private forgetTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly journal: Journal | undefined,
    private readonly options: MemoryStoreOptions,
  ) {}

  static async open(options: MemoryStoreOptions): Promise<MemoryStore> {
    if (!options.dataDir) return new MemoryStore(undefined, options);
    const snapshots = await readSnapshots(options.dataDir);
    const { journal, commits } = await Journal.open(
      options.dataDir,
      options.logger,
      options.fsync ?? true,
    );
    const store = new MemoryStore(journal, options);
    try {
      for (const [storeId, snapshot] of snapshots)
        store.logs.set(storeId, { base: 0, commits: [], requests: new Map(), snapshot });
      for (const commit of commits) store.record(commit, "replaying the journal");
      for (const [storeId, log] of store.logs) {
        // Every commit compacted away (an idle store): its log goes on from its snapshot.
        if (log.commits.length === 0) log.base = log.snapshot?.version ?? 0;
        // A store whose log was compacted must have the snapshot it was compacted behind.
        if (log.base > (log.snapshot?.version ?? 0))
          throw new Error(
            `${storeId}: the journal starts after version ${log.base} but no snapshot holds it`,
          );
      }
    } catch (error) {
      await journal.close();
      throw error;
    }
    store.compactedSize = journal.size;
    options.logger.info(
      {
        dataDir: options.dataDir,
        commits: commits.length,
        stores: store.logs.size,
        snapshots: snapshots.size,
      },
      "journal replayed",
    );
    return store;
  }

  async read(storeId: string, afterVersion: number): Promise<Commit[]> {
    this.usable();
    const log = this.logs.get(storeId);
    if (!log) return [];
    if (afterVersion < log.base) throw new LogTrimmed(storeId, log.base);
    return log.commits.slice(afterVersion - log.base);
  }

  async version(storeId: string): Promise<number> {
    this.usable();
    return versionOf(this.logs.get(storeId));
  }

  append(commit: Commit, expectedVersion: number): Promise<AppendResult> {
    return appendOne(this, commit, expectedVersion);
  }

  async appendBatch(batch: Batch): Promise<BatchResult> {
    this.usable();
    for (const requestId of [...batch.commits.map((c) => c.requestId), ...batch.checked]) {
      const prior = this.requestOf(batch.storeId, requestId);
      if (prior) return { status: "duplicate", requestId, commit: prior };
    }
    const actualVersion = versionOf(this.logs.get(batch.storeId));
    if (
      actualVersion !== batch.expectedVersion ||
      batch.commits.some(
        (c, i) => c.storeId !== batch.storeId || c.version !== batch.expectedVersion + 1 + i,
      )
    ) {
      const log = this.logs.get(batch.storeId);
      const behind = actualVersion - batch.expectedVersion;
      return log && behind > 0 && behind <= CONFLICT_COMMITS && batch.expectedVersion >= log.base
        ? {
            status: "conflict",
            actualVersion,
            commits: log.commits.slice(batch.expectedVersion - log.base),
          }
        : { status: "conflict", actualVersion };
    }
    // Recorded at once so that the next batch sees these versions; acknowledged once on disk.
    // A journal write that fails stops the store (see usable()), so memory never runs ahead
    // of the disk for anyone but the failed writers.
    for (const commit of batch.commits) this.record(commit, "appending");
    if (this.journal && batch.commits.length > 0) await this.journal.write(batch.commits);
    return { status: "appended", version: actualVersion + batch.commits.length };
  }

  async findRequest(storeId: string, requestId: string): Promise<Commit | undefined> {
    this.usable();
    return this.requestOf(storeId, requestId);
  }

  /**
   * Keeps the snapshot; with a data directory, on disk first (written whole, synced, renamed
   * into place), and then the journal may be compacted behind it (see `compact`).
   */
  async saveSnapshot(storeId: string, snapshot: Snapshot): Promise<void> {
    this.usable();
    const log = this.logs.get(storeId);
    if (!log || (log.snapshot && log.snapshot.version >= snapshot.version)) return;
    if (snapshot.version > versionOf(log)) throw new Error(`${storeId}: snapshot past the log`);
    if (this.options.dataDir) await writeSnapshot(this.options.dataDir, storeId, snapshot);
    if (!log.snapshot || log.snapshot.version < snapshot.version) log.snapshot = snapshot;
    const at = this.options.compactAtBytes ?? 64 * 1024 * 1024;
    const size = this.journal?.size ?? 0;
    if (size >= at && size >= 2 * this.compactedSize) await this.compact();
  }

  /**
   * Rewrites the journal without the commits every store's snapshot holds, keeping those of the
   * last day whatever the snapshot (a retried request is answered from them; see
   * REQUEST_RETENTION_MS), and lets them go from memory too. A crash at any moment leaves a
   * journal and snapshots that start with everything acknowledged (docs/STORES.md).
   */
  compact(): Promise<void> {
    const journal = this.journal;
    if (!journal) return Promise.resolve();
    this.compacting ??= (async () => {
      try {
        const started = performance.now();
        const before = journal.size;
        const size = await journal.compact(() => this.trim());
        this.compactedSize = size;
        this.options.logger.info(
          { before, after: size, ms: Math.round(performance.now() - started) },
          "journal compacted",
        );
      } finally {
        this.compacting = undefined;
      }
    })();
    return this.compacting;
  }

  /**
   * Retention. In memory only, the commits go at once; with a journal, by a rewrite of it (see
   * `compact`, which also drops them from memory), at most every `retentionRewriteMs`.
   */
  async forget(storeId: string, before: number, upTo: number): Promise<void> {
    this.usable();
    const log = this.logs.get(storeId);
    const due = (c: Commit | undefined) => c !== undefined && c.at < before && c.version <= upTo;
    if (!log || !due(log.commits[0])) return;
    log.forget = { before, upTo };
    if (!this.journal) {
      let drop = 0;
      while (due(log.commits[drop])) drop++;
      log.base += drop;
      log.commits = log.commits.slice(drop);
      return;
    }
    const every = this.options.retentionRewriteMs ?? 60 * 60 * 1000;
    const wait = this.forgottenAt + every - Date.now();
    if (wait <= 0) {
      clearTimeout(this.forgetTimer);
      this.forgetTimer = undefined;
      this.forgottenAt = Date.now();
      await this.compact();
      return;
    }
    this.forgetTimer ??= setTimeout(() => {
      this.forgetTimer = undefined;
      this.forgottenAt = Date.now();
      this.compact().catch((err: unknown) =>
        this.options.logger.warn({ err }, "rewriting the journal for retention failed"),
      );
    }, wait);
    this.forgetTimer.unref();
  }

  async loadSnapshot(storeId: string): Promise<Snapshot | undefined> {
    this.usable();
    return this.logs.get(storeId)?.snapshot;
  }

  async setDeadline(storeId: string, at: number | null, mode: "lower" | "exact"): Promise<void> {
    this.usable();
    const current = this.deadlines.get(storeId);
    if (at === null) {
      if (mode === "exact") this.deadlines.delete(storeId);
      return;
    }
    if (mode === "exact" || current === undefined || at < current) this.deadlines.set(storeId, at);
  }

  async dueStores(now: number, limit: number, claimMs = 0): Promise<string[]> {
    this.usable();
    const due = [...this.deadlines]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([storeId]) => storeId);
    if (claimMs > 0) for (const storeId of due) this.deadlines.set(storeId, now + claimMs);
    return due;
  }

  async storeIds(): Promise<string[]> {
    this.usable();
    return [...this.logs.keys()];
  }

  async ping(): Promise<void> {
    this.usable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.forgetTimer);
    await this.compacting?.catch(() => undefined);
    await this.journal?.close();
  }

  private usable(): void {
    if (this.closed) throw new Error("the embedded store is closed");
    const failed = this.journal?.failed;
    if (failed) throw new Error(`the journal failed a write: ${failed.message}`);
  }

  /**
   * Drops from memory each store's commits that its snapshot holds and that are older than the
   * request retention or that retention asked to forget, and returns every commit left: what
   * the compacted journal holds.
   */
  private trim(): Commit[] {
    const kept: Commit[] = [];
    for (const log of this.logs.values()) {
      const last = log.commits.at(-1);
      if (log.snapshot && last) {
        const held = log.snapshot.version;
        const cutoff = last.at - REQUEST_RETENTION_MS;
        const forget = log.forget;
        const drop1 = (c: Commit) =>
          c.version <= held &&
          (c.at < cutoff ||
            (forget !== undefined && c.version <= forget.upTo && c.at < forget.before));
        let drop = 0;
        while (drop < log.commits.length && drop1(log.commits[drop] as Commit)) drop++;
        if (drop > 0) {
          log.base += drop;
          log.commits = log.commits.slice(drop);
        }
      }
      kept.push(...log.commits);
    }
    return kept;
  }

  private record(commit: Commit, doing: string): void {
    let log = this.logs.get(commit.storeId);
    if (!log) {
      log = { base: commit.version - 1, commits: [], requests: new Map() };
      this.logs.set(commit.storeId, log);
    }
    // In a compacted journal a store's commits start where its compaction left them.
    if (log.commits.length === 0 && doing === "replaying the journal")
      log.base = commit.version - 1;
    if (commit.version !== versionOf(log) + 1) {
      throw new Error(
        `${doing}: ${commit.storeId} is at version ${versionOf(log)}, got commit ${commit.version}`,
      );
    }
    log.commits.push(commit);
    log.requests.set(commit.requestId, commit);
    const cutoff = commit.at - REQUEST_RETENTION_MS;
    for (const [id, old] of log.requests) {
      if (old.at >= cutoff) break;
      log.requests.delete(id);
    }
  }

  private requestOf(storeId: string, requestId: string): Commit | undefined {
    return this.logs.get(storeId)?.requests.get(requestId);
  }
}

const versionOf = (log: StoreLog | undefined): number => (log ? log.base + log.commits.length : 0);

/** Snapshots live in `<dataDir>/snapshots/<storeId>.json` (store ids are file-name safe). */
const snapshotDir = (dataDir: string) => join(dataDir, "snapshots");

async function readSnapshots(dataDir: string): Promise<Map<string, Snapshot>> {
  const found = new Map<string, Snapshot>();
  const dir = snapshotDir(dataDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return found;
  }
  for (const name of names) {
    const path = join(dir, name);
    // Left by a write that a crash cut short; the snapshot before it is still in place.
    if (name.endsWith(".new")) {
      await rm(path, { force: true });
      continue;
    }
    if (!name.endsWith(".json")) continue;
    const snapshot = JSON.parse(await readFile(path, "utf8")) as Snapshot;
    found.set(name.slice(0, -".json".length), snapshot);
  }
  return found;
}

async function writeSnapshot(dataDir: string, storeId: string, snapshot: Snapshot) {
  const dir = snapshotDir(dataDir);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${storeId}.json`);
  const file = await open(`${path}.new`, "w");
  try {
    await file.writeFile(JSON.stringify(snapshot));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(`${path}.new`, path);
  await syncDirectory(dir);
}

/** Opens the embedded store, replaying its journal when it has a data directory. */
export const openMemoryStore = (options: MemoryStoreOptions) => MemoryStore.open(options);
