import type { Logger } from "../logger.js";
import type { Committed, QueueService } from "./queue-service.js";

export interface TimerLoopOptions {
  service: QueueService;
  logger: Logger;
  /** How often the timer index is polled; bounds how late a timer fires. */
  intervalMs?: number;
  clock?: () => number;
}

/**
 * Fires due timers (offer expiry, disconnect grace, widening, SLA, call-ahead hold, wrap-up) by
 * polling the shared timer index. Every process runs one; the stores' version check makes each
 * timer fire exactly once however many poll at the same moment.
 */
export class TimerLoop {
  private handle: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private evictedAt = 0;

  constructor(private readonly options: TimerLoopOptions) {}

  async start(): Promise<void> {
    await this.options.service.reconcileDeadlines();
    this.handle = setInterval(() => this.poll(), this.options.intervalMs ?? 250);
    this.handle.unref();
  }

  /** Stops polling and waits for a poll in progress. */
  async stop(): Promise<void> {
    if (this.handle) clearInterval(this.handle);
    this.handle = undefined;
    await this.running;
  }

  private poll(): void {
    if (this.running) return;
    const now = (this.options.clock ?? Date.now)();
    if (now - this.evictedAt >= 60_000) {
      this.evictedAt = now;
      this.options.service.evictIdle(Date.now());
    }
    this.running = this.options.service
      .runDueTimers(now)
      .then(() => undefined)
      .catch((err: unknown) => this.options.logger.warn({ err }, "timer poll failed"))
      .finally(() => {
        this.running = undefined;
      });
  }
}

/**
 * Measures how late due timers fire: for each tick commit, the time from the deadline the store
 * had just before it to the tick. Measured only when this process also made the commit before
 * (otherwise it does not know that deadline), which on the embedded store is always.
 */
export class TimerLagMeter {
  private readonly before = new Map<string, { version: number; deadline: number | null }>();

  constructor(private readonly observe: (lagMs: number) => void) {}

  committed({ storeId, commit, state }: Committed): void {
    const last = this.before.get(storeId);
    if (
      commit.command === "tick" &&
      last?.version === commit.version - 1 &&
      last.deadline !== null &&
      last.deadline <= commit.at
    ) {
      this.observe(commit.at - last.deadline);
    }
    this.before.set(storeId, { version: state.version, deadline: state.nextDeadline });
  }
}
