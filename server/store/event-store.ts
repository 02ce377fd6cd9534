/**
 * The event store port. A store's log is an ordered list of commits; a commit is the batch of
 * events one command produced, appended atomically. The stores know nothing of the domain:
 * `events`, `reply` and snapshot `data` are opaque JSON to them.
 */

/** One command's effect on one store, as kept in its log. */
export interface Commit<E = unknown, R = unknown> {
  storeId: string;
  /** 1-based position in the store's log; the version the store has once this is appended. */
  version: number;
  /** The client's request id; a store keeps at most one commit per request id (retention below). */
  requestId: string;
  /** The command's type, for logs and metrics. */
  command: string;
  /** The `now` the command was decided at, ms since the epoch. */
  at: number;
  events: E[];
  /** What the command answered, returned again to a retry of the same request id. */
  reply: R;
}

export type AppendResult =
  | { status: "appended"; version: number }
  /** Someone else appended first: the store is at `actualVersion`. Nothing was written. */
  | { status: "conflict"; actualVersion: number }
  /** This request id was appended before: here is that commit. Nothing was written. */
  | { status: "duplicate"; commit: Commit };

/**
 * Commits of one store appended together, all or nothing: the first at `expectedVersion + 1`,
 * the rest after it in order. `checked` are request ids answered without a commit (refusals,
 * reads): the batch is refused as a duplicate if any of them, like any commit's, was appended
 * before, so an answer never contradicts a commit already made.
 */
export interface Batch {
  storeId: string;
  expectedVersion: number;
  commits: Commit[];
  checked: string[];
}

export type BatchResult =
  | { status: "appended"; version: number }
  /**
   * `commits`: those after `expectedVersion`, when they are few (up to CONFLICT_COMMITS), so
   * the loser can catch up without reading the log again.
   */
  | { status: "conflict"; actualVersion: number; commits?: Commit[] }
  /** `requestId` (of a commit or a checked id) was appended before: here is that commit. */
  | { status: "duplicate"; requestId: string; commit: Commit };

export interface Snapshot {
  version: number;
  /** The state's shape version; a snapshot of another schema is ignored and the log replayed. */
  schema: number;
  data: unknown;
}

/** At most this many commits come back with a conflict (see BatchResult). */
export const CONFLICT_COMMITS = 32;

/** How long a request id is remembered for deduplication, counted from its commit's `at`. */
export const REQUEST_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * `read` was asked for commits that are gone: compacted or trimmed behind a snapshot (retention).
 * The state at that version can only come from a snapshot now.
 */
export class LogTrimmed extends Error {
  constructor(
    readonly storeId: string,
    /** The first version the log still holds, minus one. */
    readonly base: number,
  ) {
    super(
      `${storeId}: commits up to version ${base} are gone from the log; read from its snapshot`,
    );
    this.name = "LogTrimmed";
  }
}

export interface EventStore {
  readonly kind: "embedded" | "redis";
  /**
   * Commits of `storeId` with version > `afterVersion`, in order. Throws `LogTrimmed` if the log
   * no longer holds the commit after `afterVersion` (see `forget`).
   */
  read(storeId: string, afterVersion: number): Promise<Commit[]>;
  /** The store's current version (0 for a store never written). */
  version(storeId: string): Promise<number>;
  /**
   * Appends `commit` only if the store is at `expectedVersion` and `commit.requestId` has not
   * been appended within the retention. Atomic: two appends racing at one version never both win.
   * Resolves only once the commit is durable.
   */
  append(commit: Commit, expectedVersion: number): Promise<AppendResult>;
  /**
   * Appends a batch (see `Batch`) atomically, with the same checks as `append`, and resolves
   * once all of it is durable: one disk sync or one round trip for many commits. A batch
   * without commits only checks (the version and the request ids) and writes nothing.
   */
  appendBatch(batch: Batch): Promise<BatchResult>;
  /** The commit that carried `requestId`, while retained. */
  findRequest(storeId: string, requestId: string): Promise<Commit | undefined>;
  /** Keeps `snapshot` unless the store already has a newer one. */
  saveSnapshot(storeId: string, snapshot: Snapshot): Promise<void>;
  loadSnapshot(storeId: string): Promise<Snapshot | undefined>;
  /**
   * Retention: removes from the log, and from every copy the store keeps, the commits of
   * `storeId` made before `before` (their `at`) up to version `upTo`, which a saved snapshot must
   * hold. May remove more of what a snapshot holds (the embedded store keeps only a day behind
   * its snapshots), never a commit after `upTo`. The embedded store rewrites its journal for it
   * at most every `retentionRewriteMs` (docs/STORES.md, "Retention").
   */
  forget(storeId: string, before: number, upTo: number): Promise<void>;
  /**
   * The timer index: when `storeId` next has a timer due. `lower` only moves an existing
   * deadline earlier (safe from any writer); `exact` sets it (null removes it).
   */
  setDeadline(storeId: string, at: number | null, mode: "lower" | "exact"): Promise<void>;
  /**
   * Stores whose deadline is at or before `now`, earliest first, at most `limit`. With
   * `claimMs`, each one returned is also moved to `now + claimMs`, atomically, so that other
   * processes polling meanwhile do not tick it too; the caller then sets its exact deadline.
   */
  dueStores(now: number, limit: number, claimMs?: number): Promise<string[]>;
  /** Every store that has a log. */
  storeIds(): Promise<string[]>;
  /** Throws if the back end cannot be reached. */
  ping(): Promise<void>;
  /** Flushes and releases everything; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** `append` as a batch of one, for stores that implement `appendBatch`. */
export async function appendOne(
  store: Pick<EventStore, "appendBatch">,
  commit: Commit,
  expectedVersion: number,
): Promise<AppendResult> {
  const result = await store.appendBatch({
    storeId: commit.storeId,
    expectedVersion,
    commits: [commit],
    checked: [],
  });
  if (result.status === "duplicate") return { status: "duplicate", commit: result.commit };
  if (result.status === "conflict")
    return { status: "conflict", actualVersion: result.actualVersion };
  return result;
}
