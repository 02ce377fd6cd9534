import { setTimeout as delay } from "node:timers/promises";
import type { Committed } from "../app/queue-service.js";
import type { Logger } from "../logger.js";
import { type WebhookEvent, webhookEventsOf } from "./events.js";
import type { WebhookRegistry } from "./registry.js";
import {
  ATTEMPT_HEADER,
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
} from "./signature.js";

export type DeliveryOutcome = "delivered" | "failed" | "dropped";

export interface WebhookOptions {
  /** Waits before each retry; its length + 1 is the number of tries. Default 1, 2, 4, 8 s. */
  retryDelaysMs?: number[];
  /** How long one try may take before it counts as failed. Default 5 s. */
  timeoutMs?: number;
  /** Events waiting per store; past it new events are dropped (and counted). Default 1,000. */
  maxQueuePerStore?: number;
  /** At shutdown, how long queued events may still be sent before the rest is dropped. Default 5 s. */
  drainMs?: number;
}

export interface WebhookDispatcherDeps {
  registry: WebhookRegistry;
  logger: Logger;
  /** Called once per event with how it ended (for metrics). */
  onOutcome?: (outcome: DeliveryOutcome) => void;
  options?: WebhookOptions;
}

/**
 * Sends each store's webhook events, off the command path: `committed` only queues, and a
 * worker per store posts the events in order, retrying a failed try with backoff. A slow or
 * absent receiver only grows that store's bounded queue; it never delays a command. Only the
 * process that committed sees `committed`, so across processes each event is sent once (give
 * or take retries, which repeat the event's `id` so that receivers can drop repeats).
 */
export class WebhookDispatcher {
  private readonly queues = new Map<string, WebhookEvent[]>();
  private readonly workers = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly retryDelaysMs: number[];
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  private readonly drainMs: number;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.retryDelaysMs = deps.options?.retryDelaysMs ?? [1000, 2000, 4000, 8000];
    this.timeoutMs = deps.options?.timeoutMs ?? 5000;
    this.maxQueue = deps.options?.maxQueuePerStore ?? 1000;
    this.drainMs = deps.options?.drainMs ?? 5000;
  }

  /** Queues the commit's webhook events (synchronously, so a store's events keep their order). */
  committed(committed: Committed): void {
    if (this.stopping.signal.aborted) return;
    let events: WebhookEvent[];
    try {
      events = webhookEventsOf(committed);
    } catch (err) {
      // The command is already stored: a bug here must cost only its webhooks, never its answer.
      this.deps.logger.error({ err, storeId: committed.storeId }, "webhook events not built");
      return;
    }
    if (events.length === 0) return;
    const { storeId } = committed;
    let queue = this.queues.get(storeId);
    const idle = queue === undefined;
    queue ??= [];
    for (const event of events) {
      if (queue.length >= this.maxQueue) {
        this.deps.logger.warn({ storeId, id: event.id }, "webhook queue full; event dropped");
        this.deps.onOutcome?.("dropped");
      } else queue.push(event);
    }
    if (!idle) return;
    this.queues.set(storeId, queue);
    const worker = this.drain(storeId, queue)
      .catch((err: unknown) => this.deps.logger.error({ err, storeId }, "webhook sending failed"))
      .finally(() => this.workers.delete(worker));
    this.workers.add(worker);
  }

  /**
   * Stops sending. What is queued (commands have ended by now) may still go out for `drainMs`;
   * then tries in flight are aborted and what is left is dropped, logged and counted.
   */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.workers]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.drainMs);
      }),
    ]);
    clearTimeout(timer);
    this.stopping.abort();
    await Promise.allSettled([...this.workers]);
    let left = 0;
    for (const queue of this.queues.values()) left += queue.length;
    if (left > 0) {
      this.deps.logger.warn({ left }, "webhook events not sent before shutdown; dropped");
      for (let i = 0; i < left; i++) this.deps.onOutcome?.("dropped");
    }
    this.queues.clear();
  }

  private async drain(storeId: string, queue: WebhookEvent[]): Promise<void> {
    try {
      for (let event = queue.shift(); event; event = queue.shift()) {
        if (this.stopping.signal.aborted) return;
        const config = await this.deps.registry.get(storeId).catch((err: unknown) => {
          this.deps.logger.warn({ err, storeId }, "webhook settings unreadable; event dropped");
          return undefined;
        });
        if (!config) continue;
        const body = JSON.stringify(event);
        const outcome = await this.deliver(config.url, body, event, config.secret);
        if (outcome) this.deps.onOutcome?.(outcome);
      }
    } finally {
      this.queues.delete(storeId);
    }
  }

  /** Tries until a 2xx, a final refusal, the last retry, or close. */
  private async deliver(
    url: string,
    body: string,
    event: WebhookEvent,
    secret: string,
  ): Promise<DeliveryOutcome | undefined> {
    const signature = signWebhook(body, secret);
    const tries = this.retryDelaysMs.length + 1;
    for (let attempt = 1; attempt <= tries; attempt++) {
      const result = await this.post(url, body, event, signature, attempt);
      if (result === "ok") return "delivered";
      if (this.stopping.signal.aborted) return undefined;
      const last = attempt === tries || result === "refused";
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

  /**
   * One try: "ok" on a 2xx; "refused" on an answer that retrying will not change (3xx, 4xx but
   * 408 and 429); otherwise what went wrong, and the caller retries.
   */
  private async post(
    url: string,
    body: string,
    event: WebhookEvent,
    signature: string,
    attempt: number,
  ): Promise<string> {
    try {
      const response = await fetch(url, {
        method: "POST",
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
        redirect: "manual",
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return "ok";
      const s = response.status;
      return s >= 500 || s === 408 || s === 429 ? `HTTP ${s}` : "refused";
    } catch (error) {
      const e = error as {
        name?: string;
        message?: string;
        cause?: { code?: string; message?: string };
      };
      if (e.name === "TimeoutError") return "timeout";
      return e.cause?.code ?? e.cause?.message ?? e.message ?? "network error";
    }
  }
}
