import { performance } from "node:perf_hooks";
import { type DayModel, emptyProjection, foldCommit } from "../server/analytics/fold.js";
import { MemoryAnalyticsStorage } from "../server/analytics/storage.js";
import type { DomainEvent } from "../server/domain/events.js";
import {
  type StoreState,
  decide,
  emptyState,
  estimateWaits,
  evolveCommit,
} from "../server/domain/index.js";
import type { Commit } from "../server/store/event-store.js";
import { type Command, commandSchema } from "../shared/commands.js";
import { storeSettingsSchema } from "../shared/settings.js";

/**
 * Engine throughput at a busy store: 40 associates all serving, 300 visits waiting. Each cycle
 * an associate completes (and at once gets the next offer), accepts it, and a new customer
 * checks in, so the line stays at 300. Pure engine: no store, no I/O.
 */

const ASSOCIATES = 40;
const WAITING = 300;

let seq = 0;
const rid = () => `bench-${++seq}`;

export interface EngineFigures {
  commandsPerSec: number;
  commands: number;
  estimateAllMs: number;
  /** CPU time of one whole-line estimate (less noisy than wall time on a shared machine). */
  estimateAllCpuMs: number;
  replayCommitsPerSec: number;
  /** A command's cost in the timed loop (wall time per command), µs. */
  commandUs: number;
  /**
   * Keeping the analytics read models up to date, per command: folding its commit, and its
   * share of a save made once per second of the loop's wall time (as the projector does), µs.
   */
  readModelUs: number;
  readModelSaveUs: number;
}

export async function benchEngine(durationMs = 3000): Promise<EngineFigures> {
  let now = Date.UTC(2026, 10, 23, 9, 0, 0);
  let state = emptyState("bench");
  const log: { version: number; at: number; events: never[] }[] = [];
  /** The commits of the timed loop start after this many. */
  let loopFrom = 0;
  // Commands are validated once here, outside the engine; the timed loop measures decide() alone.
  const run = (input: Record<string, unknown>, validated = false) => {
    const command = (
      validated
        ? { requestId: rid(), ...input }
        : commandSchema.parse({ requestId: rid(), ...input })
    ) as Command;
    const d = decide(state, command, now);
    if (!d.ok) throw new Error(`${String(input.type)}: ${d.error.message}`);
    if (d.recorded) log.push({ version: d.state.version, at: d.at, events: d.events as never[] });
    state = d.state;
    return d.reply;
  };
  run({
    type: "store:create",
    settings: storeSettingsSchema.parse({
      name: "Bench store",
      timezone: "UTC",
      languages: ["en"],
      topics: [
        { id: "phones", name: "Phones", letter: "P", skill: "floor" },
        { id: "fitting", name: "Fitting room", letter: "F", skill: "floor" },
        { id: "returns", name: "Returns", letter: "R", skill: "floor" },
      ],
      wrapUpSec: 0,
      offerTimeoutSec: 600,
      wideningMin: 24 * 60,
      slaWaitMin: 24 * 60,
    }),
  });
  const topics = ["phones", "fitting", "returns"];
  const checkIn = () =>
    run(
      {
        type: "visit:check-in",
        topicId: topics[seq % 3],
        channel: "kiosk",
        customerToken: `token-${rid()}-xxxxxxxxxxxxxxxxxxxx`,
        name: "",
        note: "",
      },
      true,
    );
  for (let i = 0; i < ASSOCIATES; i++) {
    run({
      type: "associate:register",
      associateId: `a${i}`,
      name: `A${i}`,
      skills: ["floor"],
      languages: ["en"],
      manager: false,
    });
    run({ type: "associate:sign-in", associateId: `a${i}` });
  }
  for (let i = 0; i < ASSOCIATES + WAITING; i++) checkIn();
  const accept = (id: string) => {
    const offerId = state.associates.get(id)?.offerId;
    if (!offerId) throw new Error(`${id} has no offer`);
    return run({ type: "offer:accept", associateId: id, offerId }, true);
  };
  for (let i = 0; i < ASSOCIATES; i++) accept(`a${i}`);

  let commands = 0;
  loopFrom = log.length;
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < durationMs) {
    for (let k = 0; k < 100; k++) {
      const id = `a${i++ % ASSOCIATES}`;
      now += 250;
      const visitId = state.associates.get(id)?.visitId as string;
      run(
        { type: "visit:complete", associateId: id, visitId, outcome: "resolved", note: "" },
        true,
      );
      accept(id);
      checkIn();
      commands += 3;
    }
  }
  const elapsed = performance.now() - start;
  if (state.visits.count((v) => v.status === "waiting") !== WAITING)
    throw new Error("line drifted");

  const rounds = 20;
  for (let r = 0; r < 3; r++) estimateWaits(state, now + r);
  const estimateStart = performance.now();
  const cpuStart = process.cpuUsage();
  for (let r = 0; r < rounds; r++) estimateWaits(state, now + 1000 * r);
  const estimateAllMs = (performance.now() - estimateStart) / rounds;
  const cpu = process.cpuUsage(cpuStart);
  const estimateAllCpuMs = (cpu.user + cpu.system) / 1000 / rounds;

  const replayStart = performance.now();
  let replayed: StoreState = emptyState("bench");
  for (const commit of log) replayed = evolveCommit(replayed, commit);
  const replayMs = performance.now() - replayStart;
  if (replayed.version !== state.version) throw new Error("replay diverged");

  // The read models: the loop's commits folded as the projector folds them (the setup's first),
  // saved once per second of the loop's wall time.
  const projection = emptyProjection();
  const asCommit = (c: (typeof log)[number]) =>
    ({ storeId: "bench", requestId: "", command: "", reply: {}, ...c }) as Commit<DomainEvent>;
  for (const c of log.slice(0, loopFrom)) foldCommit(projection, asCommit(c));
  const storage = new MemoryAnalyticsStorage();
  const perSave = Math.max(1, Math.round((log.length - loopFrom) / (elapsed / 1000)));
  let saveMs = 0;
  const foldStart = performance.now();
  for (const [i, c] of log.slice(loopFrom).entries()) {
    const changed = foldCommit(projection, asCommit(c));
    if ((i + 1) % perSave === 0 || i === log.length - loopFrom - 1) {
      const saveStart = performance.now();
      await storage.save(
        "bench",
        projection.working,
        [...changed].map((d) => projection.days.get(d) as DayModel),
      );
      saveMs += performance.now() - saveStart;
    }
  }
  const readModelMs = performance.now() - foldStart;

  return {
    commandUs: Number(((elapsed * 1000) / commands).toFixed(1)),
    readModelUs: Number(((readModelMs * 1000) / commands).toFixed(2)),
    readModelSaveUs: Number(((saveMs * 1000) / commands).toFixed(2)),
    commandsPerSec: Math.round((commands / elapsed) * 1000),
    commands,
    estimateAllMs: Number(estimateAllMs.toFixed(2)),
    estimateAllCpuMs: Number(estimateAllCpuMs.toFixed(2)),
    replayCommitsPerSec: Math.round((log.length / replayMs) * 1000),
  };
}
