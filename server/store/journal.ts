import { type FileHandle, mkdir, open } from "node:fs/promises";
import { join } from "node:path";
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

  private constructor(
    private readonly file: FileHandle,
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
    const file = await open(path, "a+");
    try {
      const text = await file.readFile("utf8");
      const { commits, validLength } = parseJournal(text, path, logger);
      if (validLength < Buffer.byteLength(text)) {
        await file.truncate(validLength);
        await file.datasync();
      }
      return { journal: new Journal(file, fsync), commits };
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
    while (this.pending.length > 0) {
      const lines = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        if (this.failure) throw this.failure;
        await this.file.appendFile(lines.join(""));
        if (this.fsync) await this.file.datasync();
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        // A journal that failed a write may hold half a batch: stop rather than diverge.
        this.failure = error instanceof Error ? error : new Error(String(error));
        for (const waiter of waiters) waiter.reject(this.failure);
      }
    }
    this.flushing = undefined;
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
