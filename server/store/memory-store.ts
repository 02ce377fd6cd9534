import type { Logger } from "../logger.js";
import {
  type AppendResult,
  type Batch,
  type BatchResult,
  type Commit,
  type EventStore,
  REQUEST_RETENTION_MS,
  type Snapshot,
  appendOne,
} from "./event-store.js";
import { Journal } from "./journal.js";

export interface MemoryStoreOptions {
  /** Where the journal lives; without it nothing is kept across restarts (tests, benchmarks). */
  dataDir?: string;
  logger: Logger;
  /** fdatasync each batch before acknowledging it (default true). */
  fsync?: boolean;
}

interface StoreLog {
  commits: Commit[];
  /** Request id → commit, oldest first, pruned past the retention. */
  requests: Map<string, Commit>;
  snapshot?: Snapshot;
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

  private constructor(private readonly journal: Journal | undefined) {}

  static async open(options: MemoryStoreOptions): Promise<MemoryStore> {
    if (!options.dataDir) return new MemoryStore(undefined);
    const { journal, commits } = await Journal.open(
      options.dataDir,
      options.logger,
      options.fsync ?? true,
    );
    const store = new MemoryStore(journal);
    try {
      for (const commit of commits) store.record(commit, "replaying the journal");
    } catch (error) {
      await journal.close();
      throw error;
    }
    options.logger.info(
      { dataDir: options.dataDir, commits: commits.length, stores: store.logs.size },
      "journal replayed",
    );
    return store;
  }

  async read(storeId: string, afterVersion: number): Promise<Commit[]> {
    this.usable();
    return this.logs.get(storeId)?.commits.slice(Math.max(0, afterVersion)) ?? [];
  }

  async version(storeId: string): Promise<number> {
    this.usable();
    return this.logs.get(storeId)?.commits.length ?? 0;
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
    const actualVersion = this.logs.get(batch.storeId)?.commits.length ?? 0;
    if (
      actualVersion !== batch.expectedVersion ||
      batch.commits.some(
        (c, i) => c.storeId !== batch.storeId || c.version !== batch.expectedVersion + 1 + i,
      )
    ) {
      return { status: "conflict", actualVersion };
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

  async saveSnapshot(storeId: string, snapshot: Snapshot): Promise<void> {
    this.usable();
    const log = this.logs.get(storeId);
    if (log && (!log.snapshot || log.snapshot.version < snapshot.version)) log.snapshot = snapshot;
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

  async dueStores(now: number, limit: number): Promise<string[]> {
    this.usable();
    return [...this.deadlines]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([storeId]) => storeId);
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
    await this.journal?.close();
  }

  private usable(): void {
    if (this.closed) throw new Error("the embedded store is closed");
    const failed = this.journal?.failed;
    if (failed) throw new Error(`the journal failed a write: ${failed.message}`);
  }

  private record(commit: Commit, doing: string): void {
    let log = this.logs.get(commit.storeId);
    if (!log) {
      log = { commits: [], requests: new Map() };
      this.logs.set(commit.storeId, log);
    }
    if (commit.version !== log.commits.length + 1) {
      throw new Error(
        `${doing}: ${commit.storeId} is at version ${log.commits.length}, got commit ${commit.version}`,
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

/** Opens the embedded store, replaying its journal when it has a data directory. */
export const openMemoryStore = (options: MemoryStoreOptions) => MemoryStore.open(options);
