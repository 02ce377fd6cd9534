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
  joinedBy,
  nextDeadline,
  quoteCommit,
  toStateData,
  told,
} from "../domain/index.js";
import type { Logger } from "../logger.js";
import type { BatchResult, EventStore } from "../store/event-store.js";
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
   * not pile up). Defaults 200 and 5000. Check-ins are refused past a quarter of the store's.
   */
  maxQueuedPerStore?: number;
  maxQueued?: number;
  /**
   * How far behind a store may fall: a command is answered BUSY at once while the oldest command
   * waiting on the store has waited longer than this (a check-in, half of it), so that every
   * command is answered within about twice it even at twice the store's capacity. Default 500 ms.
   */
  maxLagMs?: number;
  /** Told of every command answered, with how long it took (metrics). */
  onAnswered?: (command: string, result: CommandResult, ms: number) => void;
  /**
   * Read models folded from the log (analytics): before retention trims a store's log they
   * catch up, and the log is trimmed no further than the version they answer, so every
   * commit is folded before it is gone.
   */
  readModels?: { catchUp(storeId: string): Promise<number> };
}

/** A command or a read waiting in a store's pipeline. */
type Entry =
  | {
      kind: "command";
      /** When it arrived (performance.now()). */
      since: number;
      command: Command;
      now: number;
      /** Conflicts with other processes this command has been redecided after. */
      conflicts: number;
      /**
       * Appends of its batch that failed without the server learning whether they landed, and
       * the failure: it is decided again after a catch-up (see `commit`).
       */
      unknown?: { appends: number; error: ErrorBody };
      answer: (result: CommandResult) => void;
    }
  | {
      kind: "read";
      since: number;
      answer: (state: StoreState) => void;
      fail: (error: unknown) => void;
    }
  /** The quotes owed to customers who joined the line in a batch (see `quote`). */
  | { kind: "quote"; since: number };

/** An entry decided on the store's state as it will be after the commits decided before it. */
interface Decided {
  entry: Entry;
  /** The state after this entry (what a read answers). */
  state: StoreState;
  /** The commit to append, if the command changed anything. */
  commit?: StoreCommit;
  /** What the command answers once everything before it, and its commit, is durable. */
  result?: CommandResult;
  /** A retry of a request committed earlier in the pipeline: answers with that commit. */
  sameAs?: StoreCommit;
}

/**
 * One store's commands in this process: decided in memory in order, each on the state the ones
 * before it left (committed or not), and made durable in batches, one batch in flight at a time
 * (one disk sync, one Redis round trip for all of it). Answers and views follow only once their
 * batch is durable, so nobody is told of a commit a crash could lose. Another process's commit
 * (a version conflict) discards what was decided after the last durable commit, and it is
 * decided again on the caught-up state.
 */
class Pipeline {
  /** The state after every decided entry; undefined until loaded, and after a conflict. */
  head: StoreState | undefined;
  /** Decided, waiting for the batch in flight to finish. */
  decided: Decided[] = [];
  /** Waiting for `head` (arrived while loading or catching up). */
  undecided: Entry[] = [];
  /** Decided commits whose customers joined the line, owed a quote before the batch is cut. */
  owed: { decided: Decided; joined: string[] }[] = [];
  /** Commits decided in this pipeline and not yet durable, by request id. */
  readonly requests = new Map<string, StoreCommit>();
  running: Promise<void> | undefined;
  /** Conflicts in a row, for the back-off. */
  conflicts = 0;
  /** When the oldest command of the batch in flight arrived (performance.now()). */
  flightSince: number | undefined;
  /** The head must be read from the log (others appended, or an append's fate is unknown). */
  catchUp = false;
  /** What the last conflict's answer carried: the commits appended since (see BatchResult). */
  since: StoreCommit[] | undefined;

  /** How long the oldest command waiting here has waited, ms. */
  lag(now: number): number {
    const oldest = Math.min(
      this.flightSince ?? now,
      this.decided[0]?.entry.since ?? now,
      this.undecided[0]?.since ?? now,
    );
    return now - oldest;
  }
}

/**
 * Command handling: validate, decide on the store's state, append at the expected version in
 * group-committed batches, redecide on conflict, publish. Safe with any number of processes on
 * one event store: the version check serializes each store's commits, and request ids make
 * retries exactly-once.
 */
export class QueueService {
  readonly events = new EventEmitter<{ committed: [Committed] }>();
  /** Counters for metrics and benchmarks. */
  readonly counters = { commits: 0, conflicts: 0, duplicates: 0, batches: 0 };
  private readonly cache: StoreCache;
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly background = new Set<Promise<void>>();
  private readonly maxAttempts: number;
  private readonly snapshotEvery: number;
  /** Commands waiting or running, per store and in all. */
  private readonly queued = new Map<string, number>();
  private queuedTotal = 0;
  /** Per store: the timer deadline this process last put in the index (see `schedule`). */
  private readonly deadlines = new Map<string, number | null>();

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
    const perStore = this.options.maxQueuedPerStore ?? 200;
    const maxLag = this.options.maxLagMs ?? 500;
    // New customers give way first: a check-in finds the store busy at a quarter of its queue,
    // or half its lag, so staff's commands (accept, complete) still get through and the line
    // moves. Commands the server makes itself (timers, connection tracking) always go in.
    const checkIn = parsed.data.type === "visit:check-in";
    const own = parsed.data.type === "tick" || parsed.data.type.startsWith("tablet:");
    const lag = this.pipelines.get(storeId)?.lag(performance.now()) ?? 0;
    if (
      !own &&
      (waiting >= (checkIn ? Math.ceil(perStore / 4) : perStore) ||
        lag > (checkIn ? maxLag / 2 : maxLag) ||
        this.queuedTotal >= (this.options.maxQueued ?? 5000))
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
      return await new Promise<CommandResult>((answer) =>
        this.enqueue(storeId, {
          kind: "command",
          since: performance.now(),
          command,
          now,
          conflicts: 0,
          answer,
        }),
      );
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
    // Claimed: another process polling meanwhile does not tick them too (and lose the race).
    const due = await store.dueStores(now, limit, TICK_CLAIM_MS);
    await Promise.all(
      due.map(async (storeId) => {
        const result = await this.tick(storeId, now);
        if (!result.ok) {
          this.options.logger.warn({ storeId, error: result.error }, "tick failed");
          return;
        }
        const state = await this.state(storeId);
        const next = nextDeadline(state);
        await store.setDeadline(storeId, next, "exact");
        this.deadlines.set(storeId, next);
        // A commit that raced the exact write above may have lowered the deadline first.
        if ((await store.version(storeId)) !== state.version)
          this.schedule(await this.state(storeId), true);
      }),
    );
    return due.length;
  }

  /** Makes sure every store's next deadline is in the timer index (after a crash, at start). */
  async reconcileDeadlines(): Promise<void> {
    for (const storeId of await this.options.store.storeIds()) {
      const state = await this.state(storeId);
      this.schedule(state, true);
      // A crash between an expiry's commit and its trimming left old commits in the log.
      this.forgetBehind(state, true);
    }
    await this.settleBackground();
  }

  /**
   * The store's state as of its latest durable commit (reading what other processes appended),
   * once every command this process took for it before has been answered.
   */
  state(storeId: string): Promise<StoreState> {
    return new Promise((answer, fail) =>
      this.enqueue(storeId, { kind: "read", since: performance.now(), answer, fail }),
    );
  }

  /** Waits for every command, deadline and snapshot write in flight. */
  async drain(): Promise<void> {
    while (this.pipelines.size > 0 || this.background.size > 0) {
      await Promise.allSettled([
        ...[...this.pipelines.values()].map((p) => p.running),
        ...this.background,
      ]);
    }
  }

  private enqueue(storeId: string, entry: Entry): void {
    let pipeline = this.pipelines.get(storeId);
    if (!pipeline) {
      pipeline = new Pipeline();
      this.pipelines.set(storeId, pipeline);
    }
    if (pipeline.head && pipeline.undecided.length === 0) this.decide(storeId, pipeline, entry);
    else pipeline.undecided.push(entry);
    pipeline.running ??= this.run(storeId, pipeline);
  }

  /** Makes the pipeline's decided entries durable, batch after batch, until none is left. */
  private async run(storeId: string, pipeline: Pipeline): Promise<void> {
    try {
      // Let the commands of this turn of the event loop join the first batch.
      await Promise.resolve();
      while (pipeline.decided.length + pipeline.undecided.length > 0) {
        if (!pipeline.head) {
          try {
            // After a conflict or a failed append: read what the log has since.
            pipeline.head = await io(() =>
              pipeline.catchUp
                ? this.cache.catchUp(storeId, pipeline.since)
                : this.cache.get(storeId),
            );
            pipeline.catchUp = false;
            pipeline.since = undefined;
          } catch (error) {
            this.failAll(pipeline.undecided.splice(0), error);
            continue;
          }
          for (const entry of pipeline.undecided.splice(0)) this.decide(storeId, pipeline, entry);
        }
        this.quote(storeId, pipeline);
        const batch = pipeline.decided.splice(0);
        pipeline.flightSince = batch[0]?.entry.since;
        if (batch.length > 0) await this.commit(storeId, pipeline, batch);
        pipeline.flightSince = undefined;
      }
    } finally {
      // In the same turn as the loop's last look: whatever comes next starts a new run.
      pipeline.running = undefined;
      if (pipeline.decided.length + pipeline.undecided.length === 0) this.pipelines.delete(storeId);
    }
  }

  /** Decides one entry on the pipeline's head (which it moves on if the command changed it). */
  private decide(storeId: string, pipeline: Pipeline, entry: Entry): void {
    const head = pipeline.head as StoreState;
    if (entry.kind !== "command") {
      pipeline.decided.push({ entry, state: head });
      return;
    }
    const { command, now } = entry;
    const known = this.cache.knownRequest(storeId, command.requestId);
    if (known) {
      entry.answer(this.committed(entry, known));
      return;
    }
    // Not in the log after a catch-up, and its appends failed too often: not applied.
    if (entry.unknown && entry.unknown.appends >= MAX_UNKNOWN_APPENDS) {
      entry.answer({ ok: false, error: entry.unknown.error });
      return;
    }
    const earlier = pipeline.requests.get(command.requestId);
    if (earlier) {
      pipeline.decided.push({ entry, state: head, sameAs: earlier });
      return;
    }
    let decision: ReturnType<typeof decide>;
    try {
      decision = decide(head, command, now);
    } catch (error) {
      this.options.logger.error({ err: error, storeId, command: command.type }, "command failed");
      entry.answer({
        ok: false,
        error: { code: "INTERNAL", message: "Something went wrong; nothing was changed." },
      });
      return;
    }
    if (!decision.ok || !decision.recorded) {
      // Answered once the state it was decided on is known to be the store's latest.
      const result: CommandResult = decision.ok
        ? { ok: true, data: decision.reply, version: head.version, duplicate: false }
        : { ok: false, error: decision.error };
      pipeline.decided.push({ entry, state: head, result });
      return;
    }
    // Customers who joined the line are quoted once the batch is cut (`quote`); a call-ahead
    // check-in held for later answers now what it is told.
    const joined = joinedBy(decision.events);
    const reply =
      command.type === "visit:check-in" && joined.length === 0
        ? told(decision.reply, decision.state)
        : decision.reply;
    const commit: StoreCommit = {
      storeId,
      version: head.version + 1,
      requestId: command.requestId,
      command: command.type,
      at: decision.at,
      events: decision.events,
      reply,
    };
    const decided: Decided = {
      entry,
      state: decision.state,
      commit,
      result: { ok: true, data: reply, version: commit.version, duplicate: false },
    };
    pipeline.head = decision.state;
    pipeline.requests.set(command.requestId, commit);
    pipeline.decided.push(decided);
    if (joined.length > 0) pipeline.owed.push({ decided, joined });
  }

  /**
   * Tells every customer who joined the line in the decided commits their wait: the line is
   * simulated once for them all (a long line is costly to simulate), and the quotes are one
   * more commit at the end of the batch, durable with it. Each check-in's answer (and the reply
   * kept for its retries) then carries its status and range as of the batch's end.
   */
  private quote(storeId: string, pipeline: Pipeline): void {
    const owed = pipeline.owed.splice(0);
    if (owed.length === 0) return;
    const head = pipeline.head as StoreState;
    let quoted: ReturnType<typeof quoteCommit>;
    try {
      quoted = quoteCommit(
        head,
        owed.flatMap((o) => o.joined),
      );
    } catch (error) {
      // Unquoted, they are still in line and shown a live range; nobody is refused for it.
      this.options.logger.error({ err: error, storeId }, "quoting the line failed");
    }
    if (quoted) {
      const commit: StoreCommit = {
        storeId,
        version: head.version + 1,
        requestId: `quote-${nanoid(12)}`,
        command: "quote",
        at: quoted.at,
        events: quoted.events,
        reply: {},
      };
      pipeline.head = quoted.state;
      pipeline.requests.set(commit.requestId, commit);
      pipeline.decided.push({
        entry: { kind: "quote", since: performance.now() },
        state: quoted.state,
        commit,
      });
    }
    const state = pipeline.head as StoreState;
    for (const { decided } of owed) {
      const { commit, result } = decided;
      if (!commit || commit.command !== "visit:check-in" || !result?.ok) continue;
      const reply = told(result.data, state);
      commit.reply = reply;
      result.data = reply;
    }
  }

  /** Appends one batch; answers it once durable, or puts it back to be decided again. */
  private async commit(storeId: string, pipeline: Pipeline, batch: Decided[]): Promise<void> {
    // Everything before the batch is durable: it was decided on the store's durable state.
    const first = batch[0] as Decided;
    const durable = first.commit ? first.commit.version - 1 : first.state.version;
    const commits: StoreCommit[] = [];
    const checked: string[] = [];
    for (const d of batch) {
      if (d.commit) commits.push(d.commit);
      else if (d.entry.kind === "command" && !d.sameAs) checked.push(d.entry.command.requestId);
    }
    let result: BatchResult;
    try {
      this.counters.batches++;
      result = await io(() =>
        this.options.store.appendBatch({ storeId, expectedVersion: durable, commits, checked }),
      );
    } catch (error) {
      // Not known whether it landed (a reply lost is not an append refused): read the log
      // again and decide the batch again. A command whose commit landed is answered with it
      // (`decide`, or the store's duplicate check); one whose commit did not is appended again,
      // or answered with the failure once its appends failed MAX_UNKNOWN_APPENDS times.
      const body = this.failure(error);
      for (const { entry } of batch) {
        if (entry.kind !== "command") continue;
        entry.unknown = { appends: (entry.unknown?.appends ?? 0) + 1, error: body };
      }
      this.redecideLater(pipeline, batch);
      return;
    }
    if (result.status === "appended") {
      pipeline.conflicts = 0;
      this.durable(storeId, pipeline, batch);
      return;
    }
    if (result.status === "duplicate") {
      // A request of this batch was committed before (by a process that has it, or long ago).
      const again = batch.filter((d) => {
        if (d.entry.kind !== "command" || d.entry.command.requestId !== result.requestId)
          return true;
        d.entry.answer(this.committed(d.entry, result.commit as StoreCommit));
        return false;
      });
      this.redecideLater(pipeline, again);
      return;
    }
    // Another process appended first: decide everything after the durable state again.
    this.counters.conflicts++;
    pipeline.conflicts++;
    const again = batch.filter((d) => {
      if (d.entry.kind !== "command" || ++d.entry.conflicts < this.maxAttempts) return true;
      d.entry.answer({
        ok: false,
        error: {
          code: "CONFLICT",
          message: "The store is too busy right now; nothing was changed. Try again.",
        },
      });
      return false;
    });
    this.redecideLater(pipeline, again);
    // Fresh as of the lost race: used at once; after a back-off below, read the log instead
    // (others have appended meanwhile, and deciding on the stale state would lose again).
    pipeline.since = pipeline.conflicts > 1 ? undefined : (result.commits as StoreCommit[]);
    this.deadlines.delete(storeId);
    // A writer that just lost would lose again to one that needs no catch-up: back off a
    // random moment, growing with each loss, so that two busy writers take turns.
    if (pipeline.conflicts > 1) await delay(Math.random() * Math.min(2 ** pipeline.conflicts, 32));
  }

  /**
   * Forgets the pipeline's head and puts `batch` and everything decided after it back, in order,
   * to be decided again on the state read from the log.
   */
  private redecideLater(pipeline: Pipeline, batch: Decided[]): void {
    const later = [...batch, ...pipeline.decided.splice(0)];
    for (const d of later) if (d.commit) pipeline.requests.delete(d.commit.requestId);
    // Quotes are owed again by the commands decided again.
    pipeline.owed = [];
    pipeline.undecided.unshift(
      ...later.flatMap((d) => (d.entry.kind === "quote" ? [] : [d.entry])),
    );
    pipeline.head = undefined;
    pipeline.catchUp = true;
    pipeline.since = undefined;
  }

  /** A batch is durable: the cache takes its commits, then everyone is told, in order. */
  private durable(storeId: string, pipeline: Pipeline, batch: Decided[]): void {
    const committed: Committed[] = [];
    for (const d of batch) {
      if (!d.commit) continue;
      this.cache.accept(storeId, d.commit, d.state);
      pipeline.requests.delete(d.commit.requestId);
      this.counters.commits++;
      committed.push({ storeId, commit: d.commit, state: d.state });
    }
    const last = committed.at(-1);
    if (last) {
      this.schedule(last.state);
      this.snapshot(last, committed.length);
      const expiry = last.state.dataExpiry;
      if (expiry && committed.some((c) => c.commit.version === expiry.version))
        this.forgetBehind(last.state);
      for (const c of committed) {
        try {
          this.events.emit("committed", c);
        } catch (err) {
          // A listener's failure must not keep the batch from being answered.
          this.options.logger.error({ err, storeId }, "a commit's listener failed");
        }
      }
    }
    for (const d of batch) {
      const { entry } = d;
      if (entry.kind === "read") entry.answer(d.state);
      else if (entry.kind === "quote") continue;
      else if (d.sameAs) entry.answer(this.duplicate(d.sameAs));
      else if (d.result) entry.answer(d.result);
    }
  }

  private failAll(entries: Entry[], error: unknown): void {
    const body = this.failure(error);
    for (const entry of entries) {
      if (entry.kind === "read") entry.fail(error);
      else if (entry.kind === "command") entry.answer({ ok: false, error: body });
    }
  }

  private failure(error: unknown): ErrorBody {
    if (isAppError(error)) {
      if (error.code === "UNAVAILABLE")
        this.options.logger.warn({ err: error.cause }, "event store unavailable");
      return error.toBody();
    }
    this.options.logger.error({ err: error }, "command failed");
    return { code: "INTERNAL", message: "Something went wrong; nothing was changed." };
  }

  /**
   * The answer to a command whose request id is committed: the first answer again, or, to a
   * command whose own append's reply was lost, that append's answer.
   */
  private committed(entry: { unknown?: unknown }, commit: StoreCommit): CommandResult {
    if (!entry.unknown) return this.duplicate(commit);
    return { ok: true, data: commit.reply as Reply, version: commit.version, duplicate: false };
  }

  private duplicate(commit: StoreCommit): CommandResult {
    this.counters.duplicates++;
    return { ok: true, data: commit.reply as Reply, version: commit.version, duplicate: true };
  }

  /** Writes a snapshot when the batch crossed a multiple of `snapshotEvery`. */
  private snapshot(last: Committed, commits: number): void {
    const version = last.state.version;
    if (
      Math.floor(version / this.snapshotEvery) ===
      Math.floor((version - commits) / this.snapshotEvery)
    )
      return;
    const snapshot = { version, schema: SNAPSHOT_SCHEMA, data: toStateData(last.state) };
    // Off the command's path: a slow or failed snapshot only makes the next start replay more.
    this.track(
      this.options.store.saveSnapshot(last.storeId, snapshot).catch((err: unknown) => {
        this.options.logger.warn({ err, storeId: last.storeId }, "snapshot failed");
      }),
    );
  }

  /**
   * Retention, after the commit that expired a store's old data (`data:expired`), or at start:
   * the read models caught up, a snapshot of a state without it, then the log trimmed behind
   * that snapshot, no further than the read models have folded. Off the command's path;
   * whatever fails is done again at the next expiry or start.
   */
  private forgetBehind(state: StoreState, atStart = false): void {
    const expiry = state.dataExpiry;
    if (!expiry) return;
    const { store, logger } = this.options;
    this.track(
      // The read models first: the embedded journal may drop what a snapshot holds.
      Promise.resolve(this.options.readModels?.catchUp(state.storeId) ?? state.version)
        .then(async (folded) => {
          // At a start, a snapshot taken since the expiry already lacks the data: trimming
          // behind it again is enough (a start wrote a snapshot of every store otherwise).
          const saved = atStart ? await store.loadSnapshot(state.storeId) : undefined;
          let upTo = state.version;
          if (saved && saved.version >= expiry.version) upTo = saved.version;
          else
            await store.saveSnapshot(state.storeId, {
              version: state.version,
              schema: SNAPSHOT_SCHEMA,
              data: toStateData(state),
            });
          await store.forget(state.storeId, expiry.before, Math.min(upTo, folded));
        })
        .catch((err: unknown) => {
          logger.warn({ err, storeId: state.storeId }, "retention: trimming the log failed");
        }),
    );
  }

  /** Drops this process's copies of stores it has not used for an hour (see StoreCache). */
  evictIdle(now: number): number {
    return this.cache.evictIdle(now, IDLE_STORE_MS);
  }

  /**
   * Puts the store's next timer deadline in the index, off the command's path. Only lowers it
   * (safe from any writer), and only when it changed since this process last wrote it: between
   * two of this process's batches with nothing appended elsewhere (a conflict forgets what was
   * written), the index still holds what was written.
   */
  private schedule(state: StoreState, always = false): void {
    const next = nextDeadline(state);
    const storeId = state.storeId;
    if (!always && this.deadlines.has(storeId) && this.deadlines.get(storeId) === next) return;
    this.deadlines.set(storeId, next);
    if (next === null) return;
    this.track(
      this.options.store.setDeadline(storeId, next, "lower").catch((err: unknown) => {
        // Found again by the next start's reconcile, or the next commit's write.
        this.deadlines.delete(storeId);
        this.options.logger.warn({ err, storeId }, "writing a timer deadline failed");
      }),
    );
  }

  private track(work: Promise<void>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  private async settleBackground(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }
}

/**
 * How long a due store claimed by one process's timer poll is hidden from the others' (it sets
 * the exact next deadline once ticked; if it dies, another ticks the store after this).
 */
const TICK_CLAIM_MS = 2000;

/** A store's copy in this process is dropped after this long unused. */
const IDLE_STORE_MS = 60 * 60 * 1000;

/** Appends of one command that may fail without an answer before it is refused (UNAVAILABLE). */
const MAX_UNKNOWN_APPENDS = 2;

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
