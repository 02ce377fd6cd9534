import { EventEmitter } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { nanoid } from "nanoid";
import { type Command, commandSchema } from "../../shared/commands.js";
import { AppError, type ErrorBody, isAppError } from "../../shared/errors.js";
import { idSchema } from "../../shared/settings.js";
import {
  type Reply,
  SNAPSHOT_SCHEMA,
  type StoreState,
  decide,
  nextDeadline,
  toStateData,
  withQuotes,
} from "../domain/index.js";
import type { Logger } from "../logger.js";
import type { EventStore } from "../store/event-store.js";
import { StoreCache, type StoreCommit } from "./store-cache.js";

export type CommandResult =
  | { ok: true; data: Reply; version: number; duplicate: boolean }
  | { ok: false; error: ErrorBody };

export interface Committed {
  storeId: string;
  commit: StoreCommit;
  state: StoreState;
}

export interface QueueServiceOptions {
  store: EventStore;
  logger: Logger;
  /** Tries at one command while other writers keep winning the store's version. */
  maxAttempts?: number;
  /** A snapshot is written every this many commits of a store. */
  snapshotEvery?: number;
  /**
   * Commands that may wait behind each other on one store, and on this process in all; past
   * either, a command is answered BUSY at once instead of queueing (overload degrades, it does
   * not pile up). Defaults 200 and 5000.
   */
  maxQueuedPerStore?: number;
  maxQueued?: number;
  /** Told of every command answered, with how long it took (metrics). */
  onAnswered?: (command: string, result: CommandResult, ms: number) => void;
}

/**
 * Command handling: validate, load the store's state, decide, append at the expected version,
 * retry on conflict, publish. Safe with any number of processes on one event store: the
 * version check serializes each store's commands, and request ids make retries exactly-once.
 */
export class QueueService {
  readonly events = new EventEmitter<{ committed: [Committed] }>();
  /** Counters for metrics and benchmarks. */
  readonly counters = { commits: 0, conflicts: 0, duplicates: 0 };
  private readonly cache: StoreCache;
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly snapshotting = new Set<Promise<void>>();
  private readonly maxAttempts: number;
  private readonly snapshotEvery: number;
  /** Commands waiting or running, per store and in all. */
  private readonly queued = new Map<string, number>();
  private queuedTotal = 0;

  constructor(private readonly options: QueueServiceOptions) {
    this.cache = new StoreCache(options.store);
    this.maxAttempts = options.maxAttempts ?? 50;
    this.snapshotEvery = options.snapshotEvery ?? 500;
  }

  /**
   * Runs one command on one store at time `now`. Never throws: bad input, refusals and
   * failures all come back as `{ ok: false, error }` with a stable code.
   */
  async execute(storeId: string, input: unknown, now: number): Promise<CommandResult> {
    const started = performance.now();
    const parsed = commandSchema.safeParse(input);
    const result = await this.checked(storeId, input, parsed, now);
    // Known command types only, so that bad input cannot make up metric labels.
    const command = parsed.success ? parsed.data.type : "invalid";
    this.options.onAnswered?.(command, result, performance.now() - started);
    return result;
  }

  private async checked(
    storeId: string,
    input: unknown,
    parsed: ReturnType<typeof commandSchema.safeParse>,
    now: number,
  ): Promise<CommandResult> {
    if (!idSchema.safeParse(storeId).success) {
      return invalid("A store id is letters, digits, '-' and '_', at most 64 characters.");
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      const message = `${where}${issue?.message ?? "malformed command"}`;
      // A well-formed settings command with settings the store cannot run on has its own code.
      if (issue?.path[0] === "settings" && isSettingsCommand(input)) {
        return { ok: false, error: { code: "INVALID_SETTINGS", message } };
      }
      return invalid(message);
    }
    const waiting = this.queued.get(storeId) ?? 0;
    if (
      waiting >= (this.options.maxQueuedPerStore ?? 200) ||
      this.queuedTotal >= (this.options.maxQueued ?? 5000)
    ) {
      return {
        ok: false,
        error: { code: "BUSY", message: "Too busy right now; nothing was changed. Try again." },
      };
    }
    this.queued.set(storeId, waiting + 1);
    this.queuedTotal++;
    try {
      const command = parsed.data;
      return await this.serialized(storeId, () => this.decideAndAppend(storeId, command, now));
    } catch (error) {
      if (isAppError(error)) {
        if (error.code === "UNAVAILABLE") {
          this.options.logger.warn({ err: error.cause, storeId }, "event store unavailable");
        }
        return { ok: false, error: error.toBody() };
      }
      this.options.logger.error(
        { err: error, storeId, command: parsed.data.type },
        "command failed",
      );
      return {
        ok: false,
        error: { code: "INTERNAL", message: "Something went wrong; nothing was changed." },
      };
    } finally {
      const left = (this.queued.get(storeId) ?? 1) - 1;
      if (left > 0) this.queued.set(storeId, left);
      else this.queued.delete(storeId);
      this.queuedTotal--;
    }
  }

  /** Fires the store's due timers at `now`. */
  tick(storeId: string, now: number): Promise<CommandResult> {
    return this.execute(storeId, { type: "tick", requestId: `tick-${nanoid(12)}` }, now);
  }

  /**
   * Ticks every store whose timer deadline has come, then sets its deadline from the fresh
   * state. Any number of processes may call this at once: the version check lets one tick win.
   * Returns how many stores were ticked.
   */
  async runDueTimers(now: number, limit = 100): Promise<number> {
    const store = this.options.store;
    const due = await store.dueStores(now, limit);
    await Promise.all(
      due.map(async (storeId) => {
        const result = await this.tick(storeId, now);
        if (!result.ok) {
          this.options.logger.warn({ storeId, error: result.error }, "tick failed");
          return;
        }
        const state = await this.cache.get(storeId);
        await store.setDeadline(storeId, nextDeadline(state), "exact");
        // A commit that raced the exact write above may have lowered the deadline first.
        if ((await store.version(storeId)) !== state.version)
          await this.scheduleFrom(await this.cache.catchUp(storeId));
      }),
    );
    return due.length;
  }

  /** Makes sure every store's next deadline is in the timer index (after a crash, at start). */
  async reconcileDeadlines(): Promise<void> {
    for (const storeId of await this.options.store.storeIds()) {
      await this.scheduleFrom(await this.cache.catchUp(storeId));
    }
  }

  /** The store's state as of its latest commit (reads what other processes appended). */
  async state(storeId: string): Promise<StoreState> {
    return this.serialized(storeId, () => io(() => this.cache.catchUp(storeId)));
  }

  /** Waits for every command and snapshot write in flight. */
  async drain(): Promise<void> {
    while (this.chains.size > 0 || this.snapshotting.size > 0) {
      await Promise.allSettled([...this.chains.values(), ...this.snapshotting]);
    }
  }

  private async decideAndAppend(
    storeId: string,
    command: Command,
    now: number,
  ): Promise<CommandResult> {
    const known = this.cache.knownRequest(storeId, command.requestId);
    if (known) return this.duplicate(known);
    const store = this.options.store;
    let state = await io(() => this.cache.get(storeId));
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const decided = decide(state, command, now);
      // A customer who joined the line is told a wait: it is recorded with the commit.
      const decision = decided.ok ? withQuotes(decided) : decided;
      if (!decision.ok || !decision.recorded) {
        // Nothing to append: answer only from the latest state, and never for a done request.
        const [prior, version] = await io(() =>
          Promise.all([this.cache.findRequest(storeId, command.requestId), store.version(storeId)]),
        );
        if (prior) return this.duplicate(prior);
        if (version === state.version) {
          return decision.ok
            ? { ok: true, data: decision.reply, version, duplicate: false }
            : { ok: false, error: decision.error };
        }
        state = await io(() => this.cache.catchUp(storeId));
        continue;
      }
      const commit: StoreCommit = {
        storeId,
        version: state.version + 1,
        requestId: command.requestId,
        command: command.type,
        at: decision.at,
        events: decision.events,
        reply: decision.reply,
      };
      const result = await io(() => store.append(commit, state.version));
      if (result.status === "appended") {
        this.cache.accept(storeId, commit, decision.state);
        await this.afterCommit(commit, decision.state);
        return { ok: true, data: decision.reply, version: commit.version, duplicate: false };
      }
      if (result.status === "duplicate") return this.duplicate(result.commit as StoreCommit);
      this.counters.conflicts++;
      // A writer that just lost would lose again to one that needs no catch-up: back off a
      // random moment, growing with each loss, so that two busy writers take turns.
      if (attempt > 0) await delay(Math.random() * Math.min(2 ** attempt, 32));
      state = await io(() => this.cache.catchUp(storeId));
      const raced = this.cache.knownRequest(storeId, command.requestId);
      if (raced) return this.duplicate(raced);
    }
    throw new AppError(
      "CONFLICT",
      "The store is too busy right now; nothing was changed. Try again.",
    );
  }

  private duplicate(commit: StoreCommit): CommandResult {
    this.counters.duplicates++;
    return { ok: true, data: commit.reply as Reply, version: commit.version, duplicate: true };
  }

  private async afterCommit(commit: StoreCommit, state: StoreState): Promise<void> {
    this.counters.commits++;
    await this.scheduleFrom(state);
    if (commit.version % this.snapshotEvery === 0) {
      const snapshot = {
        version: state.version,
        schema: SNAPSHOT_SCHEMA,
        data: toStateData(state),
      };
      // Off the command's path: a slow or failed snapshot only makes the next start replay more.
      const saving = this.options.store
        .saveSnapshot(commit.storeId, snapshot)
        .catch((err: unknown) => {
          this.options.logger.warn({ err, storeId: commit.storeId }, "snapshot failed");
        })
        .finally(() => this.snapshotting.delete(saving));
      this.snapshotting.add(saving);
    }
    this.events.emit("committed", { storeId: commit.storeId, commit, state });
  }

  private async scheduleFrom(state: StoreState): Promise<void> {
    const next = nextDeadline(state);
    if (next !== null) await io(() => this.options.store.setDeadline(state.storeId, next, "lower"));
  }

  /** Runs one store's commands one at a time in this process (other processes: version check). */
  private serialized<T>(storeId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(storeId) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(storeId, tail);
    void tail.then(() => {
      if (this.chains.get(storeId) === tail) this.chains.delete(storeId);
    });
    return result;
  }
}

const isSettingsCommand = (input: unknown): boolean => {
  const type = (input as { type?: unknown } | null)?.type;
  return type === "store:create" || type === "store:update-settings";
};

const invalid = (message: string): CommandResult => ({
  ok: false,
  error: { code: "INVALID_COMMAND", message },
});

/** Calls the event store; a failure there becomes UNAVAILABLE (the command was not applied). */
async function io<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isAppError(error)) throw error;
    const wrapped = new AppError(
      "UNAVAILABLE",
      "The queue's storage cannot be reached; nothing was changed.",
    );
    wrapped.cause = error;
    throw wrapped;
  }
}
