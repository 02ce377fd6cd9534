import { type MessagePort, parentPort } from "node:worker_threads";
import { type AdvisorInput, type HourAdvice, advise } from "./advisor.js";

/**
 * The staffing advisor in a worker thread (advice-maker.ts): each job's hours are posted as
 * they are made (for the partial answers a request gets after 3 s), then the whole advice.
 */

export type ToWorker = { id: number; input: AdvisorInput };
export type FromWorker =
  | { id: number; hour: HourAdvice }
  | { id: number; hours: HourAdvice[] }
  | { id: number; error: string };

if (!parentPort) throw new Error("advisor-worker.ts runs as a worker thread only");
const port: MessagePort = parentPort;

port.on("message", ({ id, input }: ToWorker) => {
  /** The advice as it is made: each hour posted when it is pushed. */
  class Streamed extends Array<HourAdvice> {
    override push(...hours: HourAdvice[]): number {
      for (const hour of hours) port.postMessage({ id, hour } satisfies FromWorker);
      return super.push(...hours);
    }
  }
  advise(input, new Streamed()).then(
    (hours) => port.postMessage({ id, hours: [...hours] } satisfies FromWorker),
    (error: unknown) =>
      port.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
});
