import { setTimeout as delay } from "node:timers/promises";
import { type StoreCommit, snapshotState } from "../app/store-cache.js";
import { type StoreState, emptyState, evolveCommit } from "../domain/index.js";
import type { Logger } from "../logger.js";
import { type EventStore, LogTrimmed } from "../store/event-store.js";
import { type WebhookEvent, webhookEventsOf } from "./events.js";
import type { StoreLease } from "./lease.js";
import { PRIVATE, postWebhook } from "./post.js";
import type { StoredWebhook, WebhookRegistry } from "./registry.js";
import {
  ATTEMPT_HEADER,
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
} from "./signature.js";

export type DeliveryOutcome = "delivered" | "failed";

export interface WebhookOptions {
  /** Waits before each retry; its length + 1 is the number of tries. Default 1, 2, 4, 8 s. */
  retryDelaysMs?: number[];
  /** How long one try may take before it counts as failed. Default 5 s. */
  timeoutMs?: number;
  /** At shutdown, how long events not yet sent may still be sent (the rest wait in the log). Default 5 s. */
  drainMs?: number;
  /**
   * How often each store known to have a webhook is looked at for events not yet sent (a
   * process that held them died, or reading failed). Default 10 s.
   */
  sweepMs?: number;
  /** With Redis: how long a store's lease outlives a process that died holding it. Default 10 s. */
  leaseMs?: number;
  /** Send to loopback and private addresses too (`WEBHOOKS_ALLOW_PRIVATE`). */
  allowPrivate?: boolean;
}

export interface WebhookDispatcherDeps {
  registry: WebhookRegistry;
  store: EventStore;
  lease: StoreLease;
  logger: Logger;
  /** Called once per event with how it ended (for metrics). */
  onOutcome?: (outcome: DeliveryOutcome) => void;
  options?: WebhookOptions;
}

/** What this process last built a store's events on: the state after the last one handled. */
interface Follower {
  /** The webhook (its secret) the state was followed for. */
  secret: string;
  state: StoreState;
}

/**
 * Sends each store's webhook events, off the command path. The store's log is the outbox: a
 * durable cursor per store (in the directory) says up to which version events were delivered;
 * the dispatcher reads the log after it, builds each commit's events (ids `<store>:<version>:
 * <index>`, the same however often they are built), posts them in order with retries, and moves
 * the cursor only after a commit's events were delivered or given up. A crash or a stop loses
 * nothing: the next start sends from the cursor again (at least once; a receiver drops ids it
 * has seen). One process at a time sends a store's events (`lease`).
 */
export class WebhookDispatcher {
  private readonly workers = new Map<string, Promise<void>>();
  /** Stores told of new commits while their worker ran: it looks again before it ends. */
  private readonly again = new Set<string>();
  /** Stores seen with a webhook, looked at by the sweep. */
  private readonly known = new Set<string>();
  private readonly followers = new Map<string, Follower>();
  private readonly stopping = new AbortController();
  private readonly retryDelaysMs: number[];
  private readonly timeoutMs: number;
  private readonly drainMs: number;
  private readonly sweepMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.retryDelaysMs = deps.options?.retryDelaysMs ?? [1000, 2000, 4000, 8000];
    this.timeoutMs = deps.options?.timeoutMs ?? 5000;
    this.drainMs = deps.options?.drainMs ?? 5000;
    this.sweepMs = deps.options?.sweepMs ?? 10_000;
  }

  /** Looks at every store once (events a crash left unsent), then at known ones periodically. */
  start(): void {
    this.scanning = this.scan().catch((err: unknown) =>
      this.deps.logger.warn({ err }, "looking for unsent webhook events failed"),
    );
    this.sweeper = setInterval(() => {
      for (const storeId of this.known) this.kick(storeId);
    }, this.sweepMs);
    this.sweeper.unref();
  }

  /** A store has new commits (this process's or another's): send their events. */
  kick(storeId: string): void {
    if (this.stopping.signal.aborted) return;
    if (this.workers.has(storeId)) {
      this.again.add(storeId);
      return;
    }
    const worker = this.work(storeId)
      .catch((err: unknown) => this.deps.logger.warn({ err, storeId }, "webhook sending failed"))
      .finally(() => {
        this.workers.delete(storeId);
        if (this.again.delete(storeId)) this.kick(storeId);
      });
    this.workers.set(storeId, worker);
  }

  /**
   * Stops sending. Events not yet sent may still go out for `drainMs`; then tries in flight are
   * aborted. Nothing is dropped: what is left is sent by the next process from the cursor.
   */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([this.scanning, ...this.workers.values()]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.drainMs);
      }),
    ]);
    clearTimeout(timer);
    this.stopping.abort();
    await Promise.allSettled([this.scanning, ...this.workers.values()]);
  }

  private async scan(): Promise<void> {
    for (const storeId of await this.deps.store.storeIds()) {
      if (this.stopping.signal.aborted) return;
      if (await this.deps.registry.get(storeId)) this.kick(storeId);
    }
  }

  /** Sends the store's events while there are any and this process may. */
  private async work(storeId: string): Promise<void> {
    const { registry, lease, store } = this.deps;
    for (;;) {
      this.again.delete(storeId);
      const config = await registry.get(storeId);
      if (!config) {
        this.known.delete(storeId);
        this.followers.delete(storeId);
        return;
      }
      this.known.add(storeId);
      const follower = this.followers.get(storeId);
      // Nothing new since this process last looked (the sweep's usual case): no lease needed.
      if (
        follower?.secret === config.secret &&
        (await store.version(storeId)) <= follower.state.version
      )
        return;
      const token = await lease.acquire(storeId);
      // Another process sends them; it looks at the log again after it lets go.
      if (token === undefined) return;
      let held = true;
      const renewer = setInterval(() => {
        lease.renew(storeId, token).then(
          (still) => {
            held &&= still;
          },
          (err: unknown) => {
            held = false;
            this.deps.logger.warn({ err, storeId }, "renewing the webhook lease failed");
          },
        );
      }, lease.renewMs);
      let upTo: number;
      try {
        upTo = await this.send(storeId, config, () => held);
      } finally {
        clearInterval(renewer);
        await lease.release(storeId, token).catch((err: unknown) => {
          this.deps.logger.warn({ err, storeId }, "releasing the webhook lease failed");
        });
      }
      if (this.stopping.signal.aborted || !held) return;
      // A commit made while this process held the lease may have found it taken by us.
      if (!this.again.has(storeId) && (await store.version(storeId)) <= upTo) return;
    }
  }

  /** Sends the events after the cursor, in order; answers the version handled up to. */
  private async send(storeId: string, config: StoredWebhook, held: () => boolean): Promise<number> {
    const { registry } = this.deps;
    const cursor = await registry.cursor(storeId, config);
    const { state, commits } = await this.stateAt(storeId, config, cursor);
    const follower: Follower = { secret: config.secret, state };
    this.followers.set(storeId, follower);
    let saved = cursor;
    for (const commit of commits) {
      if (this.stopping.signal.aborted || !held()) break;
      // The webhook was changed or removed: the next round starts on the new one's cursor.
      if ((await registry.get(storeId))?.secret !== config.secret) break;
      const after = this.next(follower.state, commit);
      let events: WebhookEvent[] = [];
      try {
        events = webhookEventsOf({ storeId, commit, state: after });
      } catch (err) {
        // A bug here must cost only this commit's webhooks, never the store's later ones.
        this.deps.logger.error(
          { err, storeId, version: commit.version },
          "webhook events not built",
        );
      }
      let sent = true;
      for (const event of events) {
        const outcome = await this.deliver(config, event);
        if (outcome === undefined) {
          sent = false;
          break;
        }
        this.deps.onOutcome?.(outcome);
      }
      if (!sent) break;
      follower.state = after;
      if (events.length > 0) {
        await registry.advance(storeId, config, commit.version);
        saved = commit.version;
      }
    }
    if (follower.state.version > saved)
      await registry.advance(storeId, config, follower.state.version);
    return follower.state.version;
  }

  /**
   * The store's state at `cursor`, and the commits after it. From this process's own follower
   * when it is at or behind the cursor (another process may have sent since); else from the
   * snapshot if it is not past the cursor, else from the whole log. An embedded journal
   * compacted past the cursor cannot give the state there: the events in between are skipped,
   * with an error in the log.
   */
  private async stateAt(
    storeId: string,
    config: StoredWebhook,
    cursor: number,
  ): Promise<{ state: StoreState; commits: StoreCommit[] }> {
    const { store, logger } = this.deps;
    const follower = this.followers.get(storeId);
    let state: StoreState | undefined;
    let commits: StoreCommit[] = [];
    if (follower?.secret === config.secret && follower.state.version <= cursor) {
      try {
        commits = (await store.read(storeId, follower.state.version)) as StoreCommit[];
        state = follower.state;
      } catch (err) {
        // Retention trimmed the log past this follower: start again as below.
        if (!(err instanceof LogTrimmed)) throw err;
      }
    }
    if (!state) {
      const usable = await snapshotState(store, storeId);
      if (usable && usable.version <= cursor) {
        state = usable;
        commits = (await store.read(storeId, usable.version)) as StoreCommit[];
      } else {
        try {
          state = emptyState(storeId);
          commits = (await store.read(storeId, 0)) as StoreCommit[];
        } catch (err) {
          if (!usable) throw err;
          logger.error(
            { err, storeId, from: cursor + 1, to: usable.version },
            "webhook events of commits compacted or trimmed by retention cannot be built; skipped",
          );
          state = usable;
          commits = (await store.read(storeId, usable.version)) as StoreCommit[];
        }
      }
    }
    let i = 0;
    for (; i < commits.length && (commits[i] as StoreCommit).version <= cursor; i++)
      state = this.next(state, commits[i] as StoreCommit);
    return { state, commits: commits.slice(i) };
  }

  private next(state: StoreState, commit: StoreCommit): StoreState {
    if (commit.version !== state.version + 1)
      throw new Error(`log of ${commit.storeId} jumps from ${state.version} to ${commit.version}`);
    return evolveCommit(state, commit);
  }

  /** Tries until a 2xx, a final refusal, the last retry (answers how it ended), or close. */
  private async deliver(
    config: StoredWebhook,
    event: WebhookEvent,
  ): Promise<DeliveryOutcome | undefined> {
    const body = JSON.stringify(event);
    const signature = signWebhook(body, config.secret);
    const tries = this.retryDelaysMs.length + 1;
    for (let attempt = 1; attempt <= tries; attempt++) {
      const result = await postWebhook(config.url, {
        headers: {
          "content-type": "application/json",
          "user-agent": "Undivided-Webhooks/1",
          [SIGNATURE_HEADER]: signature,
          [TIMESTAMP_HEADER]: String(Math.floor(Date.now() / 1000)),
          [DELIVERY_HEADER]: event.id,
          [EVENT_HEADER]: event.type,
          [ATTEMPT_HEADER]: String(attempt),
        },
        body,
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.timeoutMs)]),
        allowPrivate: this.deps.options?.allowPrivate ?? false,
      });
      if (result === "ok") return "delivered";
      if (this.stopping.signal.aborted) return undefined;
      const last = attempt === tries || result === "refused" || result === PRIVATE;
      this.deps.logger.warn(
        { storeId: event.storeId, id: event.id, attempt, result, giveUp: last },
        "webhook delivery failed",
      );
      if (last) return "failed";
      const wait = this.retryDelaysMs[attempt - 1] ?? 0;
      try {
        await delay(wait, undefined, { signal: this.stopping.signal });
      } catch {
        return undefined;
      }
    }
    return "failed";
  }
}
