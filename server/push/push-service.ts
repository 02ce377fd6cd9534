import { AppError } from "../../shared/errors.js";
import type { Committed, QueueService } from "../app/queue-service.js";
import { Projection, type StoreState, type Visit, firstName } from "../domain/index.js";
import type { Logger } from "../logger.js";
import { privateLiteral } from "../webhooks/addresses.js";
import { type PushFacts, pushText } from "./messages.js";
import { type PushOutcome, sendPush } from "./send.js";
import type { PushKind, StoredSubscription, SubscriptionStore } from "./subscriptions.js";
import type { VapidKeys } from "./vapid.js";

export interface PushOptions {
  /** Send to loopback and private addresses and over plain http (`PUSH_ALLOW_PRIVATE`; tests). */
  allowPrivate?: boolean;
  /** How long before a call-ahead hold ends its reminder goes. Default 5 minutes. */
  holdReminderMs?: number;
  /** How often hold reminders are looked for. Default 30 s; 0: never (tests call `sweep`). */
  sweepMs?: number;
  /** How long one post to a push service may take. Default 10 s. */
  timeoutMs?: number;
}

export interface PushServiceDeps {
  service: QueueService;
  subscriptions: SubscriptionStore;
  vapid: VapidKeys;
  logger: Logger;
  clock: () => number;
  customerUrl: (storeId: string, token: string) => string;
}

/** What the page sends to subscribe: a browser's `PushSubscription.toJSON()` and its choices. */
export interface SubscribeInput {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  language?: string;
  nearAhead?: number | null;
}

/**
 * Web Push to customers' phones with their page closed: "N ahead" (or "you're next"),
 * "someone is coming" (once an associate accepted, with their first name), "your hold ends
 * soon". Each is sent at most once per visit (`claim`), by the process whose commit made it
 * true, or for the hold by whichever process's sweep finds it due first. A visit's
 * subscription is forgotten when the visit closes. Messages are best effort: a push service
 * that fails is not retried (the page shows the same news when opened).
 */
export class PushService {
  /** Per store, the newest commit not yet looked at (a look needs only the newest state). */
  private readonly pending = new Map<string, Committed>();
  private readonly workers = new Map<string, Promise<void>>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly deps: PushServiceDeps,
    private readonly options: PushOptions = {},
  ) {}

  get publicKey(): string {
    return this.deps.vapid.publicKey;
  }

  start(): void {
    const every = this.options.sweepMs ?? 30_000;
    if (every <= 0) return;
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref();
  }

  /** Saves (or replaces) the subscription of an open visit of `state`. */
  async subscribe(state: StoreState, visitId: string, input: SubscribeInput): Promise<void> {
    const visit = state.visits.get(visitId);
    if (!visit)
      throw new AppError("INVALID_TRANSITION", "This visit has ended; there is nothing to notify.");
    const endpoint = new URL(input.subscription.endpoint);
    if (!this.options.allowPrivate) {
      if (endpoint.protocol !== "https:")
        throw new AppError("INVALID_COMMAND", "subscription.endpoint: a push endpoint is https.");
      // Names are checked again on the address connected to, at each send.
      const host = privateLiteral(endpoint);
      if (host)
        throw new AppError(
          "INVALID_COMMAND",
          `subscription.endpoint: push services are on public addresses, not ${host} (PUSH_ALLOW_PRIVATE is for tests).`,
        );
    }
    const language = input.language ?? visit.language ?? state.settings.languages[0] ?? "en";
    const subscription: StoredSubscription = {
      endpoint: input.subscription.endpoint,
      keys: input.subscription.keys,
      language,
      nearAhead: input.nearAhead ?? null,
      savedAt: this.deps.clock(),
    };
    await this.deps.subscriptions.save(state.storeId, visitId, subscription);
  }

  async unsubscribe(storeId: string, visitId: string): Promise<void> {
    await this.deps.subscriptions.remove(storeId, visitId);
  }

  async subscribed(storeId: string, visitId: string): Promise<boolean> {
    return (await this.deps.subscriptions.all(storeId)).has(visitId);
  }

  /** A commit of this process is durable: look at the store's subscribed visits after it. */
  committed(committed: Committed): void {
    if (this.closed) return;
    this.pending.set(committed.storeId, committed);
    if (!this.workers.has(committed.storeId)) this.work(committed.storeId);
  }

  /**
   * Looks at every store with subscriptions on its latest state: hold reminders now due, and
   * subscriptions of visits that ended. Any number of processes may sweep at once.
   */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (const storeId of await this.deps.subscriptions.stores()) {
          if (this.closed) return;
          const subscriptions = await this.deps.subscriptions.all(storeId);
          if (subscriptions.size === 0) continue;
          const state = await this.deps.service.state(storeId);
          await this.look(state, subscriptions, true);
        }
      } catch (err) {
        this.deps.logger.warn({ err }, "push: sweep failed");
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** Stops sweeping and waits for what is being sent. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([this.sweeping, ...this.workers.values()]);
    await this.deps.subscriptions.close();
  }

  /** One store's commits, one look at a time, on the newest state of those waiting. */
  private work(storeId: string): void {
    const worker = (async () => {
      for (;;) {
        const last = this.pending.get(storeId);
        this.pending.delete(storeId);
        if (!last) return;
        const subscriptions = await this.deps.subscriptions.all(storeId);
        if (subscriptions.size > 0) await this.look(last.state, subscriptions, false);
      }
    })()
      .catch((err: unknown) => this.deps.logger.warn({ err, storeId }, "push: sending failed"))
      .finally(() => {
        this.workers.delete(storeId);
        if (this.pending.has(storeId) && !this.closed) this.work(storeId);
      });
    this.workers.set(storeId, worker);
  }

  /**
   * Sends what is due for each subscribed visit of `state`. `latest`: the state is the store's
   * newest (a sweep), so a visit missing from its open visits has ended; a commit's state may
   * be older than a subscription saved through another process, so only a visit it shows
   * closed is forgotten.
   */
  private async look(
    state: StoreState,
    subscriptions: Map<string, StoredSubscription>,
    latest: boolean,
  ): Promise<void> {
    const now = this.deps.clock();
    const projection = new Projection(state, now);
    await Promise.all(
      [...subscriptions].map(async ([visitId, subscription]) => {
        const visit = state.visits.get(visitId);
        if (!visit) {
          if (latest || state.closed.has(visitId))
            await this.deps.subscriptions.remove(state.storeId, visitId);
          return;
        }
        const facts = this.due(state, projection, visit, subscription, now);
        if (facts) await this.send(state, visit, subscription, facts);
      }),
    );
  }

  /** The message the visit is owed now, if any. */
  private due(
    state: StoreState,
    projection: Projection,
    visit: Visit,
    subscription: StoredSubscription,
    now: number,
  ): PushFacts | undefined {
    const common = { storeName: state.settings.name, code: visit.code };
    if (visit.status === "serving") {
      const name = state.associates.get(visit.associateId ?? "")?.name;
      return name ? { kind: "coming", ...common, associate: firstName(name) } : undefined;
    }
    if (visit.status === "waiting" && !visit.paused) {
      const ahead = projection.customer(visit.id)?.ahead;
      if (ahead != null && ahead <= (subscription.nearAhead ?? 0))
        return { kind: "ahead", ...common, ahead };
    }
    if (visit.status === "expected" && visit.holdUntil !== undefined && visit.holdUntil > now) {
      const left = visit.holdUntil - now;
      if (left <= (this.options.holdReminderMs ?? 5 * 60_000))
        return { kind: "hold", ...common, minutes: Math.max(1, Math.ceil(left / 60_000)) };
    }
    return undefined;
  }

  private async send(
    state: StoreState,
    visit: Visit,
    subscription: StoredSubscription,
    facts: PushFacts,
  ): Promise<void> {
    const { storeId } = state;
    const kind: PushKind = facts.kind;
    if (!(await this.deps.subscriptions.claim(storeId, visit.id, kind))) return;
    const text = pushText(subscription.language, facts);
    const payload = JSON.stringify({
      ...text,
      kind,
      tag: `${storeId}:${visit.id}:${kind}`,
      url: this.deps.customerUrl(storeId, visit.token),
    });
    let outcome: PushOutcome;
    try {
      outcome = await sendPush(subscription, payload, {
        vapid: this.deps.vapid,
        ttlSec: 15 * 60,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        allowPrivate: this.options.allowPrivate ?? false,
      });
    } catch (err) {
      this.deps.logger.warn({ err, storeId, visitId: visit.id, kind }, "push: not sent");
      return;
    }
    if (outcome === "gone") await this.deps.subscriptions.remove(storeId, visit.id);
    if (outcome !== "sent")
      this.deps.logger.warn({ storeId, visitId: visit.id, kind, outcome }, "push: not delivered");
  }
}
