import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Projection, emptyProjection, foldCommit } from "../server/analytics/fold.js";
import { FileAnalyticsStorage, workingToJson } from "../server/analytics/storage.js";
import { openDirectory } from "../server/auth/directory.js";
import { createApp } from "../server/create-app.js";
import type { DomainEvent } from "../server/domain/events.js";
import { type StoreState, decide, emptyState } from "../server/domain/index.js";
import { silentLogger } from "../server/logger.js";
import type { Commit } from "../server/store/event-store.js";
import { openMemoryStore } from "../server/store/memory-store.js";
import { type Command, commandSchema } from "../shared/commands.js";
import { storeSettingsSchema } from "../shared/settings.js";

/**
 * The analytics read models on a year of a busy store (`npm run bench -- analytics`):
 * 365 days × 300 visits (three topics, two languages, kiosk and walk-in arrivals, the
 * staff signing in and out, feedback on half the visits) decided by the real engine and written
 * as the embedded store's journal. A real server is started on it; its first query folds the
 * whole year (timed apart), then every range (a day, 7 days, 4 weeks, a year) by every
 * breakdown is asked over HTTP, JSON and CSV, and timed. Then the cost of keeping the read
 * models up to date: folding and saving after every single commit (a quiet store, where each
 * commit wakes its own fold), against deciding the commit.
 */

const DAYS = Number(process.env.BENCH_ANALYTICS_DAYS ?? 365);
const VISITS_PER_DAY = Number(process.env.BENCH_ANALYTICS_VISITS ?? 300);
const STORE = "year";
const ADMIN = "bench-admin-token-xxxxxxxxxxxxxxxxxxxxxx";
const RANGES = [
  ["a day", 1],
  ["7 days", 7],
  ["4 weeks", 28],
  ["a year", 365],
] as const;
const BYS = ["day", "hour", "topic", "associate", "language", "channel"] as const;
const REPEAT = 5;

export interface AnalyticsFigures {
  commits: number;
  days: number;
  firstQueryMs: number;
  queries: Array<{ range: string; by: string; format: string; p50Ms: number; maxMs: number }>;
  /** Deciding one commit (the engine's share of a command), µs. */
  decideUs: number;
  /** Folding one commit and saving the read models after it, µs (files). */
  foldAndSaveUs: number;
  /** The fold's saved memory (cursor) at the end of the year, KB. */
  workingKb: number;
}

/** A year of the store's commits, through the engine. */
function year(): { commits: Array<Commit<DomainEvent>>; decideUs: number } {
  let state: StoreState = emptyState(STORE);
  let seq = 0;
  let now = Date.UTC(2025, 11, 1, 8);
  let decideMs = 0;
  let decided = 0;
  const commits: Array<Commit<DomainEvent>> = [];
  const run = (input: Record<string, unknown>) => {
    const command = commandSchema.parse({ requestId: `y-${++seq}`, ...input }) as Command;
    const started = performance.now();
    const d = decide(state, command, now);
    decideMs += performance.now() - started;
    decided++;
    if (!d.ok) throw new Error(`${String(input.type)}: ${d.error.message}`);
    if (d.recorded)
      commits.push({
        storeId: STORE,
        version: d.state.version,
        requestId: command.requestId,
        command: command.type,
        at: d.at,
        events: d.events as DomainEvent[],
        reply: d.reply,
      });
    state = d.state;
  };
  run({
    type: "store:create",
    settings: storeSettingsSchema.parse({
      name: "A year",
      timezone: "Europe/Kyiv",
      languages: ["en", "uk"],
      topics: [
        { id: "phones", name: "Phones", letter: "P", skill: "floor" },
        { id: "returns", name: "Returns", letter: "R", skill: "floor" },
        { id: "fitting", name: "Fitting", letter: "F", skill: "floor" },
      ],
      wrapUpSec: 0,
    }),
  });
  const associates = ["a0", "a1", "a2", "a3", "a4", "a5"];
  for (const id of associates)
    run({
      type: "associate:register",
      associateId: id,
      name: `Associate ${id}`,
      skills: ["floor"],
      languages: ["en", "uk"],
      manager: false,
    });
  const topics = ["phones", "returns", "fitting"];
  const channels = ["kiosk", "kiosk", "kiosk", "staff"];
  for (let day = 0; day < DAYS; day++) {
    now = Date.UTC(2025, 11, 1 + day, 7);
    for (const id of associates) run({ type: "associate:sign-in", associateId: id });
    for (let v = 0; v < VISITS_PER_DAY; v++) {
      now += 100_000;
      // The timers, about hourly, as the timer loop fires them: retention forgets the visits
      // closed more than 30 days ago, so the store's state stays the size a real one has.
      if (v % 36 === 0) run({ type: "tick" });
      run({
        type: "visit:check-in",
        topicId: topics[v % 3],
        language: v % 4 === 0 ? "uk" : "en",
        channel: channels[v % 4],
        customerToken: `token-${seq}-xxxxxxxxxxxxxxxxxxxxxx`,
        name: `Customer ${v}`,
        note: "",
      });
      const associate = [...state.associates.values()].find((a) => a.offerId !== undefined);
      if (!associate?.offerId)
        throw new Error(
          `nobody was offered visit ${v} of day ${day}: ${JSON.stringify([...state.visits.values()].at(-1))}`,
        );
      now += 5_000 + (v % 7) * 3_000;
      run({ type: "offer:accept", associateId: associate.id, offerId: associate.offerId });
      const visitId = state.associates.get(associate.id)?.visitId as string;
      now += 60_000 + (v % 5) * 20_000;
      run({
        type: "visit:complete",
        associateId: associate.id,
        visitId,
        outcome: v % 10 === 0 ? "follow_up" : "resolved",
        note: "",
      });
      if (v % 2 === 0)
        run({
          type: "feedback:give",
          visitId,
          satisfaction: v % 6 === 0 ? "partly" : "yes",
          comment: "",
          kudos: v % 8 === 0,
        });
    }
    now += 60_000;
    for (const id of associates) run({ type: "associate:sign-out", associateId: id });
  }
  return { commits, decideUs: (decideMs * 1000) / decided };
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;

export async function benchAnalytics(): Promise<AnalyticsFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), "undivided-analytics-bench-"));
  try {
    const { commits, decideUs } = year();
    await mkdir(dataDir, { recursive: true });
    await writeFile(
      join(dataDir, "journal.ndjson"),
      commits.map((c) => `${JSON.stringify(c)}\n`).join(""),
    );

    // A real server on that journal, as `npm start` runs it on the embedded store.
    const store = await openMemoryStore({ dataDir, logger: silentLogger, fsync: false });
    const directory = await openDirectory({ dataDir });
    const http = createServer();
    const app = await createApp(
      http,
      { store, directory, logger: silentLogger },
      { publicUrl: "http://127.0.0.1", adminToken: ADMIN, analytics: { dataDir } },
    );
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/stores/${STORE}/analytics`;
    const ask = async (query: string) => {
      const started = performance.now();
      const res = await fetch(`${base}?${query}`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      const body = await res.text();
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`${query}: ${res.status} ${body.slice(0, 200)}`);
      return { ms, body };
    };
    const lastDay = new Date(Date.UTC(2025, 11, DAYS)).toISOString().slice(0, 10);
    const first = await ask(`from=${lastDay}&to=${lastDay}`);
    const firstQueryMs = Math.round(first.ms);
    const queries: AnalyticsFigures["queries"] = [];
    for (const [range, days] of RANGES) {
      const from = new Date(Date.UTC(2025, 11, DAYS - days + 1)).toISOString().slice(0, 10);
      for (const by of BYS)
        for (const format of ["json", "csv"]) {
          const times: number[] = [];
          for (let i = 0; i < REPEAT; i++)
            times.push((await ask(`from=${from}&to=${lastDay}&by=${by}&format=${format}`)).ms);
          queries.push({
            range,
            by,
            format,
            p50Ms: Math.round(percentile(times, 0.5) * 10) / 10,
            maxMs: Math.round(Math.max(...times) * 10) / 10,
          });
        }
    }
    await app.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await store.close();

    // Upkeep on a quiet store: every commit its own fold and save (the dearest case), over the
    // last two days of the year, with the year's memory in hand.
    const storage = await FileAnalyticsStorage.open(join(dataDir, "upkeep"));
    const projection: Projection = emptyProjection();
    const tail = Math.max(0, commits.length - 2 * VISITS_PER_DAY * 5);
    for (const c of commits.slice(0, tail)) foldCommit(projection, c);
    for (const day of [...projection.days.keys()].slice(0, -1)) projection.days.delete(day);
    const started = performance.now();
    for (const c of commits.slice(tail)) {
      const changed = foldCommit(projection, c);
      await storage.save(
        STORE,
        projection.working,
        [...changed].map(
          (d) => projection.days.get(d) as NonNullable<ReturnType<typeof projection.days.get>>,
        ),
      );
    }
    const foldAndSaveUs = ((performance.now() - started) * 1000) / (commits.length - tail);
    return {
      commits: commits.length,
      days: DAYS,
      firstQueryMs,
      queries,
      decideUs: Math.round(decideUs),
      foldAndSaveUs: Math.round(foldAndSaveUs),
      workingKb: Math.round(workingToJson(projection.working).length / 1024),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
