import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "../logger.js";
import type { Commit } from "./event-store.js";

/**
 * The embedded store's append-only journal: one JSON commit per line in
 * `<dataDir>/journal.ndjson`. Lines are written in batches (group commit) and each batch is
 * fdatasync'ed before its appends are acknowledged, so an acknowledged commit survives a crash.
 */
export class Journal {
  private pending: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  /** The batch loop while it runs; appends arriving meanwhile join the next batch. */
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  /** A rewrite asked for (see `compact`), done by the batch loop between two batches. */
  private compaction:
    | { keep: () => Commit[]; resolve: (bytes: number) => void; reject: (error: Error) => void }
    | undefined;
  /** Bytes in the file (after the last rewrite, and everything appended since). */
  size = 0;

  private constructor(
    private file: FileHandle,
    private readonly path: string,
    private readonly fsync: boolean,
  ) {}

  /**
   * Opens (creating it if needed) the journal under `dataDir` and returns it with every commit
   * it holds, in order. A torn last line, the mark of a crash in the middle of a write, is
   * dropped with a warning and cut off the file; a bad line anywhere else is corruption and
   * throws, because skipping it would silently lose acknowledged commits.
   */
  static async open(
    dataDir: string,
    logger: Logger,
    fsync: boolean,
  ): Promise<{ journal: Journal; commits: Commit[] }> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, "journal.ndjson");
    // A rewrite that a crash cut short left its new file unfinished: the old one is whole.
    await rm(`${path}.new`, { force: true });
    const file = await open(path, "a+");
    try {
      const text = await file.readFile("utf8");
      const { commits, validLength } = parseJournal(text, path, logger);
      if (validLength < Buffer.byteLength(text)) {
        await file.truncate(validLength);
        await file.datasync();
      }
      const journal = new Journal(file, path, fsync);
      journal.size = validLength;
      return { journal, commits };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Queues commits (one store's batch, in order); resolves once they are on disk. */
  write(commits: Commit[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    for (const commit of commits) this.pending.push(`${JSON.stringify(commit)}\n`);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushing) this.flushing = this.flushAll();
    return done;
  }

  /**
   * Rewrites the journal to hold only the commits `keep()` returns (in memory's order: each
   * store's in version order), atomically: a new file is written and synced, then renamed over
   * the old one and the directory synced, so a crash at any moment leaves either file whole.
   * Runs between two batches: `keep()` is called then, and must return every commit recorded so
   * far that is to survive, including those whose write is still queued (they are not written
   * twice: their writers are answered once the new file is on disk). Resolves with its size.
   */
  compact(keep: () => Commit[]): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.compaction) return Promise.reject(new Error("the journal is already being rewritten"));
    const done = new Promise<number>((resolve, reject) => {
      this.compaction = { keep, resolve, reject };
    });
    if (!this.flushing) this.flushing = this.flushAll();
    return done;
  }

  /** Writes everything queued, then closes the file. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.file.close();
  }

  /** The error that stopped the journal, if any: after it nothing more is written. */
  get failed(): Error | undefined {
    return this.failure;
  }

  private async flushAll(): Promise<void> {
    // Let the appends of this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0 || this.compaction) {
      if (this.compaction) {
        await this.rewrite(this.compaction);
        continue;
      }
      const lines = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        if (this.failure) throw this.failure;
        const text = lines.join("");
        await this.file.appendFile(text);
        if (this.fsync) await this.file.datasync();
        this.size += Buffer.byteLength(text);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        // A journal that failed a write may hold half a batch: stop rather than diverge.
        this.failure = error instanceof Error ? error : new Error(String(error));
        for (const waiter of waiters) waiter.reject(this.failure);
      }
    }
    this.flushing = undefined;
  }

  private async rewrite(compaction: NonNullable<Journal["compaction"]>): Promise<void> {
    // Everything queued so far is recorded in memory, so `keep()` holds it: it goes into the
    // new file, and its writers are answered once that is on disk.
    const kept = compaction.keep();
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const next = `${this.path}.new`;
    try {
      if (this.failure) throw this.failure;
      const text = kept.map((c) => `${JSON.stringify(c)}\n`).join("");
      const file = await open(next, "w");
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(next, this.path);
      await syncDirectory(dirname(this.path));
      const old = this.file;
      this.file = await open(this.path, "a");
      await old.close();
      this.size = Buffer.byteLength(text);
      for (const waiter of waiters) waiter.resolve();
      compaction.resolve(this.size);
    } catch (error) {
      // Which file is in place is not known for sure: stop, as after a failed write.
      this.failure = error instanceof Error ? error : new Error(String(error));
      for (const waiter of waiters) waiter.reject(this.failure);
      compaction.reject(this.failure);
    } finally {
      this.compaction = undefined;
    }
  }
}

/** Makes a rename in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function parseJournal(
  text: string,
  path: string,
  logger: Logger,
): { commits: Commit[]; validLength: number } {
  const commits: Commit[] = [];
  let offset = 0;
  let lineNumber = 0;
  while (offset < text.length) {
    lineNumber++;
    const end = text.indexOf("\n", offset);
    const isLast = end === -1 || end === text.length - 1;
    const line = text.slice(offset, end === -1 ? text.length : end);
    const commit = end === -1 ? undefined : parseCommit(line);
    if (!commit) {
      if (isLast) {
        logger.warn(
          { path, line: lineNumber, bytes: Buffer.byteLength(line) },
          "journal ends in a torn line (a crash during a write); dropping it",
        );
        return { commits, validLength: Buffer.byteLength(text.slice(0, offset)) };
      }
      throw new Error(`${path}: line ${lineNumber} is corrupt; refusing to start without it`);
    }
    commits.push(commit);
    offset = end + 1;
  }
  return { commits, validLength: Buffer.byteLength(text) };
}

function parseCommit(line: string): Commit | undefined {
  try {
    const value = JSON.parse(line) as Partial<Commit> | null;
    if (
      value &&
      typeof value.storeId === "string" &&
      typeof value.version === "number" &&
      typeof value.requestId === "string" &&
      typeof value.at === "number" &&
      Array.isArray(value.events)
    ) {
      return value as Commit;
    }
  } catch {
    // falls through: not a commit
  }
  return undefined;
}
