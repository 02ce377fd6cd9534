import { snapshotState } from "../app/store-cache.js";
import type { DomainEvent } from "../domain/events.js";
import type { StoreState } from "../domain/state.js";
import type { Logger } from "../logger.js";
import { type Commit, type EventStore, LogTrimmed } from "../store/event-store.js";
import {
  type DayModel,
  type Projection,
  type Working,
  emptyProjection,
  foldCommit,
} from "./fold.js";
import { localDayHour } from "./local-time.js";
import type { AnalyticsStorage } from "./storage.js";

/** At most this many commits are folded between two saves of a long catch-up. */
const SAVE_EVERY = 1000;

export interface AnalyticsRead {
  working: Working;
  days: DayModel[];
}

export interface ProjectorOptions {
  /**
   * How long folded commits may wait to be saved (default 1 s): a busy store saves its read
   * models about once a second, not once a commit. Unsaved folds are only redone from the log
   * after a crash: the log keeps them until retention, which waits for a save (`catchUp`).
   */
  saveAfterMs?: number;
}

/** A store's fold waiting to run: whether one of those waiting for it needs a save. */
interface Step {
  done: Promise<number>;
  save: boolean;
}

/**
 * Keeps each store's analytics read models up to date from its log, off the command path: a
 * commit only wakes the store's fold (`kick`), which reads the log after its cursor, folds it
 * (fold.ts), and saves the changed days and the cursor (storage.ts) within `saveAfterMs`.
 * One fold per store at a time in a process; several processes may fold the same store, as
 * saves are monotone. `catchUp` folds and saves at once and answers the version saved, which
 * bounds retention's trimming.
 */
export class AnalyticsProjector {
  private readonly projections = new Map<string, Projection>();
  /** Per store: days folded but not saved yet. */
  private readonly unsaved = new Map<string, Set<string>>();
  private readonly saveTimers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<number>>();
  private readonly queued = new Map<string, Step>();
  private readonly saveAfterMs: number;
  private closed = false;

  constructor(
    private readonly deps: { store: EventStore; storage: AnalyticsStorage; logger: Logger },
    options: ProjectorOptions = {},
  ) {
    this.saveAfterMs = options.saveAfterMs ?? 1000;
  }

  /** A store has new commits: fold them now, save them soon. */
  kick(storeId: string): void {
    if (this.closed) return;
    this.step(storeId, false).catch((err: unknown) =>
      this.deps.logger.warn({ err, storeId }, "analytics: folding the log failed"),
    );
  }

  /** Folds every commit durable now, saves, and answers the version saved (the cursor). */
  catchUp(storeId: string): Promise<number> {
    return this.step(storeId, true);
  }

  /** The store's days in `days` (store-local dates) with the fold's memory, once caught up. */
  async read(storeId: string, days: readonly string[]): Promise<AnalyticsRead> {
    await this.catchUp(storeId);
    const working = (this.projections.get(storeId) as Projection).working;
    return { working, days: await this.deps.storage.loadDays(storeId, days) };
  }

  /** Saves what was folded and lets running folds end; later kicks do nothing. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.saveTimers.values()) clearTimeout(timer);
    this.saveTimers.clear();
    const saves = [...this.unsaved.keys()].map((storeId) =>
      this.step(storeId, true).catch((err: unknown) =>
        this.deps.logger.warn({ err, storeId }, "analytics: saving at close failed"),
      ),
    );
    await Promise.allSettled([...saves, ...this.running.values()]);
  }

  /** Runs the store's fold after the one running; callers meanwhile share the next one. */
  private step(storeId: string, save: boolean): Promise<number> {
    const queued = this.queued.get(storeId);
    if (queued) {
      queued.save ||= save;
      return queued.done;
    }
    const before = this.running.get(storeId) ?? Promise.resolve(0);
    const next: Step = { done: Promise.resolve(0), save };
    next.done = before
      .catch(() => 0)
      .then(() => {
        this.queued.delete(storeId);
        this.running.set(storeId, next.done);
        return this.fold(storeId, next.save);
      })
      .finally(() => {
        if (this.running.get(storeId) === next.done) this.running.delete(storeId);
      });
    this.queued.set(storeId, next);
    return next.done;
  }

  private async fold(storeId: string, save: boolean): Promise<number> {
    const { store, storage } = this.deps;
    let projection = this.projections.get(storeId);
    // Another process (or an earlier run) saved further: go on from there.
    if (!projection || (await storage.cursor(storeId)) > projection.working.version) {
      const saved = await storage.loadWorking(storeId);
      projection = { working: saved ?? emptyProjection().working, days: new Map() };
      this.projections.set(storeId, projection);
      this.unsaved.delete(storeId);
    }
    let commits: Commit<DomainEvent>[];
    try {
      commits = (await store.read(storeId, projection.working.version)) as Commit<DomainEvent>[];
    } catch (err) {
      if (!(err instanceof LogTrimmed)) throw err;
      projection = await this.fromSnapshot(storeId, projection, err);
      commits = (await store.read(storeId, projection.working.version)) as Commit<DomainEvent>[];
    }
    let unsaved = this.unsaved.get(storeId);
    if (!unsaved) {
      unsaved = new Set();
      this.unsaved.set(storeId, unsaved);
    }
    for (const [i, commit] of commits.entries()) {
      const { day } = localDayHour(commit.at, projection.working.timezone);
      if (!projection.days.has(day)) {
        const [kept] = await storage.loadDays(storeId, [day]);
        projection.days.set(day, kept ?? { day, through: 0, cells: {} });
      }
      for (const d of foldCommit(projection, commit)) unsaved.add(d);
      if ((i + 1) % SAVE_EVERY === 0) await this.save(storeId, projection);
    }
    if (save || this.closed) await this.save(storeId, projection);
    else if (commits.length > 0 && !this.saveTimers.has(storeId)) {
      const timer = setTimeout(() => {
        this.saveTimers.delete(storeId);
        this.step(storeId, true).catch((err: unknown) =>
          this.deps.logger.warn({ err, storeId }, "analytics: saving failed"),
        );
      }, this.saveAfterMs);
      timer.unref();
      this.saveTimers.set(storeId, timer);
    }
    return projection.working.version;
  }

  /** Saves the folded days and the cursor; only the newest day stays in memory. */
  private async save(storeId: string, projection: Projection): Promise<void> {
    clearTimeout(this.saveTimers.get(storeId));
    this.saveTimers.delete(storeId);
    const unsaved = this.unsaved.get(storeId) ?? new Set<string>();
    const days = [...unsaved].map((d) => projection.days.get(d) as DayModel);
    await this.deps.storage.save(storeId, projection.working, days);
    unsaved.clear();
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
    this.unsaved.delete(storeId);
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
  for (const v of state.visits.values())
    working.visits.set(v.id, {
      topicId: v.topicId,
      language: v.language ?? "",
      channel: v.channel,
      presentSince: v.presentSince,
      offered: v.offerId !== undefined || v.associateId !== undefined,
      waited: v.servingSince !== undefined,
      quote: v.quotes.at(-1),
      associateId: v.status === "serving" ? v.associateId : undefined,
      servingSince: v.servingSince,
      closedAt: undefined,
    });
  for (const o of state.offers.values())
    working.offers.set(o.id, { visitId: o.visitId, associateId: o.associateId });
  return working;
}
