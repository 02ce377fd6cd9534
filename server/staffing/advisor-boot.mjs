// The staffing advisor's worker thread starts here: plain JavaScript that lets the worker load
// the TypeScript sources as the server does (tsx), then the worker's own module.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
