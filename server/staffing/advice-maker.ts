import { Worker } from "node:worker_threads";
import type { Logger } from "../logger.js";
import type { FromWorker, ToWorker } from "./advisor-worker.js";
import { type AdvisorInput, type HourAdvice, advise } from "./advisor.js";

/**
 * Who makes the staffing advice: a week of a busy store is seconds to tens of seconds of
 * simulation. In the server it runs in a worker thread, so the event loop that serves the live
 * stores never waits for it (on a machine with a core to spare, it also runs beside them).
 */
export interface AdviceMaker {
  /** The advice for `input`; each hour is pushed onto `progress` as it is made. */
  advise(input: AdvisorInput, progress: HourAdvice[]): Promise<HourAdvice[]>;
  close(): Promise<void>;
}

/** On the caller's event loop, in slices (tests, tools). */
export const inProcess: AdviceMaker = {
  advise: (input, progress) => advise(input, progress),
  close: async () => {},
};

interface Job {
  input: AdvisorInput;
  progress: HourAdvice[];
  resolve: (hours: HourAdvice[]) => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread, started at the first advice and shared by every store's; it keeps no
 * process alive. If it fails to start or dies, its jobs are made in process instead (the event
 * loop then shares the work, as before), and the next advice starts a new worker.
 */
export class WorkerAdviceMaker implements AdviceMaker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly jobs = new Map<number, Job>();
  private closed = false;

  constructor(private readonly logger?: Logger) {}

  advise(input: AdvisorInput, progress: HourAdvice[]): Promise<HourAdvice[]> {
    if (this.closed) return Promise.reject(new Error("The staffing advisor is closed."));
    return new Promise((resolve, reject) => {
      const id = ++this.nextId;
      this.jobs.set(id, { input, progress, resolve, reject });
      try {
        this.running().postMessage({ id, input } satisfies ToWorker);
      } catch (error) {
        this.failed(error);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    for (const job of this.jobs.values()) job.reject(new Error("The staffing advisor closed."));
    this.jobs.clear();
    if (worker) await worker.terminate();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./advisor-boot.mjs", import.meta.url), {
      workerData: { entry: new URL("./advisor-worker.ts", import.meta.url).href },
      // The boot file registers the TypeScript loader itself (whatever the parent runs under).
      execArgv: [],
    });
    worker.unref();
    worker.on("message", (m: FromWorker) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      if ("hour" in m) job.progress.push(m.hour);
      else {
        this.jobs.delete(m.id);
        if ("hours" in m) job.resolve(m.hours);
        else job.reject(new Error(m.error));
      }
    });
    worker.on("error", (error) => {
      if (this.worker === worker) this.failed(error);
    });
    worker.on("exit", (code) => {
      if (this.worker === worker && !this.closed)
        this.failed(new Error(`the staffing worker exited (${code})`));
    });
    this.worker = worker;
    return worker;
  }

  /** The worker is gone: its jobs are made here, from the start. */
  private failed(error: unknown): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.logger?.warn(
      { err: error, jobs: this.jobs.size },
      "staffing advice worker failed: making its advice in process",
    );
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of jobs) {
      job.progress.length = 0;
      advise(job.input, job.progress).then(job.resolve, job.reject);
    }
  }
}
