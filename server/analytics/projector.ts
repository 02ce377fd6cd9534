import { snapshotState } from "../app/store-cache.js";
import type { DomainEvent } from "../domain/events.js";
import { localDayHour } from "../domain/local-time.js";
import type { StoreState } from "../domain/state.js";
import type { Logger } from "../logger.js";
import { type Commit, type EventStore, LogTrimmed } from "../store/event-store.js";
import type { StoreLease } from "../webhooks/lease.js";
import {
  type DayModel,
  FEEDBACK_MEMORY_MS,
  type Projection,
  type Working,
  daysNeeded,
  emptyProjection,
  foldCommit,
  openStaffed,
  restoreClosed,
  trackedOf,
} from "./fold.js";
import { type DayRollup, withOpen } from "./rollup.js";
import type { AnalyticsStorage } from "./storage.js";

/** At most this many commits are folded between two saves of a long catch-up. */
const SAVE_EVERY = 1000;
/** Commits held per store for the next fold; past this the fold reads the log instead. */
const HOLD_AT_MOST = 5000;

export interface AnalyticsRead {
  working: Working;
  days: DayModel[];
}

export interface RollupRead {
  working: Working;
  days: DayRollup[];
}

export interface ProjectorOptions {
  /**
   * How long after a commit its store is folded and saved (default 1 s): a busy store is folded
   * about once a second, in one read of the log and one save, not once a commit, so the command
   * path pays nothing. A read of the API, retention and a clean stop catch up at once.
   */
  foldAfterMs?: number;
}

/**
 * Keeps each store's analytics read models up to date from its log, off the command path: a
 * commit only wakes the store's fold (`kick`), which within `foldAfterMs` reads the log after
 * its cursor, folds it (fold.ts), and saves the changed days and the cursor (storage.ts).
 * The commits this process appended are handed over (`committed`) and folded from memory when
 * they follow the cursor without a gap; otherwise (another process's commits in between, a
 * restart, a read of the API) the fold reads the log after its cursor.
 * One fold per store at a time in a process; several processes may fold the same store, as
 * saves are monotone. `catchUp` folds and saves at once and answers the version saved, which
 * bounds retention's trimming.
 */
export class AnalyticsProjector {
  private readonly projections = new Map<string, Projection>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<number>>();
  private readonly queued = new Map<string, Promise<number>>();
  /** Commits appended here and not folded yet, per store, in order. */
  private readonly held = new Map<string, Commit<DomainEvent>[]>();
  /** The fold lease this process holds per store: its token and when it was last renewed. */
  private readonly leases = new Map<string, { token: string; renewedAt: number }>();
  private readonly foldAfterMs: number;
  private closed = false;

  constructor(
    private readonly deps: {
      store: EventStore;
      storage: AnalyticsStorage;
      logger: Logger;
      /**
       * The store's current state (the queue service's), from which the visits closed before a
       * restart are remembered again for their feedback; without it, feedback on a visit closed
       * before the restart counts without its topic and associate.
       */
      stateOf?: (storeId: string) => Promise<StoreState>;
      /**
       * Who folds a store's commits as they come (Redis, several processes): its holder. The
       * others hand theirs over by waiting until the saved cursor passes them, asking for the
       * lease again each `foldAfterMs` (a holder gone quiet lets it lapse). Without it (one
       * process) every wake-up folds.
       */
      lease?: StoreLease;
      /**
       * The time now, for what `readRollups` adds of the sessions still open (their time up to
       * now, never saved). Without it, reads answer the saved days alone.
       */
      clock?: () => number;
    },
    options: ProjectorOptions = {},
  ) {
    this.foldAfterMs = options.foldAfterMs ?? 1000;
  }

  /**
   * A commit this process appended (durable): folded soon, from memory when it follows the
   * cursor, sparing the log's read-back.
   */
  committed(commit: Commit<DomainEvent>): void {
    let held = this.held.get(commit.storeId);
    if (!held) {
      held = [];
      this.held.set(commit.storeId, held);
    }
    if (held.length < HOLD_AT_MOST) held.push(commit);
    this.kick(commit.storeId);
  }

  /** A store has new commits: fold and save them soon. */
  kick(storeId: string): void {
    if (this.closed || this.timers.has(storeId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(storeId);
      this.catchUp(storeId, false).catch((err: unknown) =>
        this.deps.logger.warn({ err, storeId }, "analytics: folding the log failed"),
      );
    }, this.foldAfterMs);
    timer.unref();
    this.timers.set(storeId, timer);
  }

  /**
   * Folds every commit durable now, saves, and answers the version saved (the cursor). With
   * `fromLog` false (a commit's wake-up), the commits held from this process are enough when
   * they follow the cursor.
   */
  catchUp(storeId: string, fromLog = true): Promise<number> {
    const queued = this.queued.get(storeId);
    if (queued) return queued;
    const before = this.running.get(storeId) ?? Promise.resolve(0);
    const next: Promise<number> = before
      .catch(() => 0)
      .then(() => {
        this.queued.delete(storeId);
        this.running.set(storeId, next);
        return this.fold(storeId, fromLog);
      })
      .finally(() => {
        if (this.running.get(storeId) === next) this.running.delete(storeId);
      });
    this.queued.set(storeId, next);
    return next;
  }

  /** The store's days in `days` (store-local dates) with the fold's memory, once caught up. */
  async read(storeId: string, days: readonly string[]): Promise<AnalyticsRead> {
    await this.catchUp(storeId);
    const working = (this.projections.get(storeId) as Projection).working;
    return { working, days: await this.deps.storage.loadDays(storeId, days) };
  }

  /**
   * The store's days' rollups (what queries add up), once caught up; with a clock, the time of
   * the sessions still open up to now is added to the days it falls on (not saved: the fold
   * counts it at the sign-out, or day by day as the next begins).
   */
  async readRollups(storeId: string, days: readonly string[]): Promise<RollupRead> {
    await this.catchUp(storeId);
    const working = (this.projections.get(storeId) as Projection).working;
    const saved = await this.deps.storage.loadRollups(storeId, days);
    const { clock } = this.deps;
    if (!clock || working.signedIn.size === 0) return { working, days: saved };
    return { working, days: withOpen(saved, days, openStaffed(working, clock())) };
  }

  /** Folds and saves what commits woke, lets running folds end; later kicks do nothing. */
  async close(): Promise<void> {
    this.closed = true;
    const woken = [...this.timers.keys()];
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const folds = woken.map((storeId) =>
      this.catchUp(storeId).catch((err: unknown) =>
        this.deps.logger.warn({ err, storeId }, "analytics: folding at close failed"),
      ),
    );
    await Promise.allSettled([...folds, ...this.running.values()]);
    // Let the next process take the stores this one folded without waiting for the leases to lapse.
    const { lease } = this.deps;
    if (lease)
      await Promise.allSettled(
        [...this.leases].map(([storeId, { token }]) => lease.release(storeId, token)),
      );
    this.leases.clear();
  }

  private async fold(storeId: string, fromLog: boolean): Promise<number> {
    const { store, storage } = this.deps;
    if (!fromLog && this.deps.lease && !(await this.holdLease(storeId))) {
      // Another process folds this store: once its saved cursor passes what this one appended,
      // there is nothing left to hand over; until then, ask again in a while.
      const held = this.held.get(storeId) ?? [];
      const saved = await storage.cursor(storeId);
      const waiting = held.filter((c) => c.version > saved);
      if (waiting.length === 0) this.held.delete(storeId);
      else {
        this.held.set(storeId, waiting);
        this.kick(storeId);
      }
      return saved;
    }
    let projection = this.projections.get(storeId);
    // Another process (or an earlier run) saved further: go on from there.
    if (!projection || (await storage.cursor(storeId)) > projection.working.version) {
      const saved = await storage.loadWorking(storeId);
      projection = { working: saved ?? emptyProjection().working, days: new Map() };
      // The visits closed in the last week, for their feedback, from the store's state.
      if (saved && this.deps.stateOf) restoreClosed(saved, await this.deps.stateOf(storeId));
      this.projections.set(storeId, projection);
    }
    const after = projection.working.version;
    const held = (this.held.get(storeId) ?? []).filter((c) => c.version > after);
    this.held.delete(storeId);
    const follows =
      held.length > 0 &&
      held.every((c, i) => c.version === after + 1 + i) &&
      held.length < HOLD_AT_MOST;
    let commits: Commit<DomainEvent>[];
    try {
      // A wake-up whose commits an earlier fold (a read's) already took has nothing to read.
      commits =
        !fromLog && follows
          ? held
          : !fromLog && held.length === 0
            ? []
            : ((await store.read(storeId, after)) as Commit<DomainEvent>[]);
    } catch (err) {
      if (!(err instanceof LogTrimmed)) throw err;
      projection = await this.fromSnapshot(storeId, projection, err);
      commits = (await store.read(storeId, projection.working.version)) as Commit<DomainEvent>[];
    }
    let changed = new Set<string>();
    for (const [i, commit] of commits.entries()) {
      for (const day of daysNeeded(projection.working, commit))
        if (!projection.days.has(day)) {
          const [kept] = await storage.loadDays(storeId, [day]);
          projection.days.set(day, kept ?? { day, through: 0, cells: {} });
        }
      for (const d of foldCommit(projection, commit)) changed.add(d);
      if ((i + 1) % SAVE_EVERY === 0 || i === commits.length - 1) {
        await this.save(storeId, projection, changed);
        changed = new Set();
      }
    }
    return projection.working.version;
  }

  /** Whether this process holds the store's fold lease (taking or renewing it as needed). */
  private async holdLease(storeId: string): Promise<boolean> {
    const lease = this.deps.lease as StoreLease;
    const mine = this.leases.get(storeId);
    const now = Date.now();
    if (mine && now - mine.renewedAt < lease.renewMs) return true;
    if (mine && (await lease.renew(storeId, mine.token))) {
      mine.renewedAt = now;
      return true;
    }
    this.leases.delete(storeId);
    const token = await lease.acquire(storeId);
    if (token === undefined) return false;
    this.leases.set(storeId, { token, renewedAt: now });
    return true;
  }

  /** Saves the changed days and the cursor; only the newest day stays in memory. */
  private async save(storeId: string, projection: Projection, changed: Set<string>) {
    const days = [...changed].map((d) => projection.days.get(d) as DayModel);
    await this.deps.storage.save(storeId, projection.working, days);
    const newest = [...projection.days.keys()].sort().at(-1);
    for (const day of projection.days.keys()) if (day !== newest) projection.days.delete(day);
  }

  /**
   * The log was trimmed before analytics followed it (a store older than analytics): counting
   * starts at the snapshot, with the visits open there.
   */
  private async fromSnapshot(
    storeId: string,
    behind: Projection,
    trimmed: LogTrimmed,
  ): Promise<Projection> {
    const state = await snapshotState(this.deps.store, storeId);
    if (!state) throw trimmed;
    this.deps.logger.warn(
      { storeId, from: behind.working.version + 1, to: state.version },
      "analytics: commits trimmed before they were folded are not counted",
    );
    const projection: Projection = { working: workingOf(state), days: new Map() };
    this.projections.set(storeId, projection);
    return projection;
  }
}

/** The fold's memory at a snapshot: its time zone, names and the visits still open there. */
function workingOf(state: StoreState): Working {
  const working = emptyProjection().working;
  working.version = state.version;
  working.timezone = state.settings.timezone;
  working.since = localDayHour(state.clock, working.timezone).day;
  for (const a of state.associates.values()) working.names.set(a.id, a.name);
  for (const v of state.visits.values()) working.visits.set(v.id, trackedOf(v));
  working.lastAt = state.clock;
  restoreClosed(working, state);
  for (const o of state.offers.values())
    working.offers.set(o.id, { visitId: o.visitId, associateId: o.associateId });
  return working;
}
