import {
  type DomainEvent,
  type StoreState,
  emptyState,
  evolveCommit,
  fromSnapshot,
} from "../domain/index.js";
import type { Commit, EventStore } from "../store/event-store.js";
import { LogTrimmed, REQUEST_RETENTION_MS } from "../store/event-store.js";

export type StoreCommit = Commit<DomainEvent, Record<string, unknown>>;

interface Entry {
  state: StoreState;
  /** Last get, catch-up or accept (Date.now()), for evictIdle. */
  usedAt: number;
  /** Request ids of commits this process has applied, oldest first, with their commit. */
  requests: Map<string, StoreCommit>;
}

/** Most request ids remembered in memory per store; older ones are asked of the event store. */
const MAX_REMEMBERED_REQUESTS = 50_000;

/**
 * This process's copy of each store's state, kept up to date from the event store's log.
 * It is a cache: the log is the truth, and any process may have appended since.
 *
 * Loads and catch-ups of one store run one at a time, each after the one before it, and a
 * commit already applied is skipped: two callers catching up at once each get a state at least
 * as new as the log when they called, never an error for reading the same commits twice.
 */
export class StoreCache {
  private readonly entries = new Map<string, Entry>();
  /** Per store: the end of the last load or catch-up started (the next one waits for it). */
  private readonly reading = new Map<string, Promise<unknown>>();

  constructor(private readonly store: EventStore) {}

  /** The cached state, loading it (snapshot, then the log after it) on first use. */
  async get(storeId: string): Promise<StoreState> {
    const cached = this.entries.get(storeId);
    if (cached) {
      cached.usedAt = Date.now();
      return cached.state;
    }
    return this.oneAtATime(storeId, async () => (await this.entry(storeId)).state);
  }

  /**
   * Reads commits appended since the cached version (by any process) and applies them. With
   * `known` (the commits a conflict's answer carried), no read when they take the cached
   * version to their last without a gap.
   */
  catchUp(storeId: string, known?: readonly StoreCommit[]): Promise<StoreState> {
    return this.oneAtATime(storeId, async () => {
      const entry = await this.entry(storeId);
      const first = known?.[0];
      if (known && first && first.version <= entry.state.version + 1) {
        for (const commit of known) this.apply(entry, commit);
        return entry.state;
      }
      let commits: StoreCommit[];
      try {
        commits = (await this.store.read(storeId, entry.state.version)) as StoreCommit[];
      } catch (error) {
        if (!(error instanceof LogTrimmed)) throw error;
        // Retention trimmed the log past this copy (idle here for a long time): start again
        // from the snapshot the log was trimmed behind.
        this.entries.delete(storeId);
        return (await this.entry(storeId)).state;
      }
      for (const commit of commits) this.apply(entry, commit);
      return entry.state;
    });
  }

  /**
   * Drops the copies of stores this process has not used for `idleMs`, so that memory follows
   * the stores in use, and no copy outlives retention in a process that stopped serving a store.
   */
  evictIdle(now: number, idleMs: number): number {
    let evicted = 0;
    for (const [storeId, entry] of this.entries) {
      if (now - entry.usedAt < idleMs || this.reading.has(storeId)) continue;
      this.entries.delete(storeId);
      evicted++;
    }
    return evicted;
  }

  /** Records a commit this process appended, with the state decide() already computed. */
  accept(storeId: string, commit: StoreCommit, state: StoreState): void {
    const entry = this.entries.get(storeId);
    // Read from the log already (a catch-up ran while it was being appended): nothing to do.
    if (entry && entry.state.version >= commit.version) return;
    if (!entry || entry.state.version !== commit.version - 1) {
      this.entries.delete(storeId);
      return;
    }
    entry.state = state;
    entry.usedAt = Date.now();
    remember(entry, commit);
  }

  /** A remembered request, without asking the event store. */
  knownRequest(storeId: string, requestId: string): StoreCommit | undefined {
    return this.entries.get(storeId)?.requests.get(requestId);
  }

  forget(storeId: string): void {
    this.entries.delete(storeId);
  }

  /** Runs `task` once every load and catch-up of the store started before it has settled. */
  private oneAtATime<T>(storeId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.reading.get(storeId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.reading.set(storeId, settled);
    void settled.then(() => {
      if (this.reading.get(storeId) === settled) this.reading.delete(storeId);
    });
    return next;
  }

  private async entry(storeId: string): Promise<Entry> {
    const cached = this.entries.get(storeId);
    if (cached) {
      cached.usedAt = Date.now();
      return cached;
    }
    const entry: Entry = {
      state: await this.fromSnapshot(storeId),
      usedAt: Date.now(),
      requests: new Map(),
    };
    const commits = (await this.store.read(storeId, entry.state.version)) as StoreCommit[];
    for (const commit of commits) this.apply(entry, commit);
    // A store with no log is not kept: anyone can name one, and they must not fill the memory.
    if (entry.state.version > 0) this.entries.set(storeId, entry);
    return entry;
  }

  private async fromSnapshot(storeId: string): Promise<StoreState> {
    return (await snapshotState(this.store, storeId)) ?? emptyState(storeId);
  }

  private apply(entry: Entry, commit: StoreCommit): void {
    // Applied already (taken from this process's own append, or read by an earlier catch-up).
    if (commit.version <= entry.state.version) return;
    if (commit.version !== entry.state.version + 1) {
      throw new Error(
        `log of ${commit.storeId} jumps from ${entry.state.version} to ${commit.version}`,
      );
    }
    entry.state = evolveCommit(entry.state, commit);
    remember(entry, commit);
  }
}

function remember(entry: Entry, commit: StoreCommit): void {
  entry.requests.set(commit.requestId, commit);
  const cutoff = commit.at - REQUEST_RETENTION_MS;
  for (const [id, old] of entry.requests) {
    if (old.at >= cutoff && entry.requests.size <= MAX_REMEMBERED_REQUESTS) break;
    entry.requests.delete(id);
  }
}

/** The store's state from its snapshot, if it has one of this server's schema. */
export async function snapshotState(
  store: EventStore,
  storeId: string,
): Promise<StoreState | undefined> {
  const snapshot = await store.loadSnapshot(storeId);
  return snapshot && fromSnapshot(snapshot.schema, snapshot.data);
}
