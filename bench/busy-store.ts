import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { nanoid } from "nanoid";
import { createClient } from "redis";
import type { Socket } from "socket.io-client";
import { HeldView, follow } from "../shared/live-view.js";
import type { View } from "../shared/views.js";
import {
  type ServerChild,
  type StoreAuth,
  type Summary,
  connectAll,
  firstAtLeast,
  firstView,
  spawnServer,
  summarize,
} from "./load-driver.js";
import { TOPICS, deleteKeys, provision, provisionEmbedded, undividedDialect } from "./load.js";

/**
 * One busy store (`npm run bench -- store`, `npm run bench -- store-overload`): the real server
 * as a child process (`bench/load.ts --serve`, rate limits lifted, timer loop on), once on Redis
 * and once on the embedded store (its journal fdatasync'ed, in a fresh temp directory), with a
 * single store: A associate tablets + the manager's + a display + a kiosk, everyone with every
 * skill.
 *
 * - Closed loops: L loops, each a kiosk check-in, then waiting until whichever tablet's view
 *   shows the offer for that visit, that tablet accepting it and completing it; then the next
 *   check-in at once. The figures are what one store's command queue can do back to back.
 * - Overload (open loop): check-ins at a fixed rate, first at the closed loops' capacity, then
 *   at twice it, tablets accepting and completing what they are offered; a fresh server and
 *   store for each rate. Commands answered BUSY (the store's command queue is full) are
 *   retried by tablets after `retryMs`, as the answer's Retry-After asks; kiosks do not retry.
 */

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export type Backend = "redis" | "embedded";

export interface BusyStoreOptions {
  backends: Backend[];
  /** Associate tablets, besides the manager's. */
  associates: number;
  /** Concurrent closed loops. */
  loops: number;
  warmUpMs: number;
  durationMs: number;
  /** Service time between accepting and completing, ms (0: complete at once). */
  serviceMs: number;
  /** Longest a command waits for its answer in the closed loops. */
  commandTimeoutMs: number;
  /** Longest a closed loop waits for its visit to be completed after the check-in's answer. */
  loopTimeoutMs: number;
  overload: boolean;
  /** Multiples of the closed loops' check-ins/s to offer in the overload part. */
  overloadFactors: number[];
  overloadDurationMs: number;
  /** How long answers are waited for after the overload part stops sending check-ins. */
  graceMs: number;
  /** A tablet's wait before resending a command answered BUSY. */
  retryMs: number;
}

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return process.env[name] && Number.isFinite(value) ? value : fallback;
};

export const defaultBusyStoreOptions = (overload = false): BusyStoreOptions => ({
  backends: (process.env.BENCH_STORE_BACKENDS ?? "redis,embedded")
    .split(",")
    .filter((b): b is Backend => b === "redis" || b === "embedded"),
  associates: env("BENCH_STORE_ASSOCIATES", 20),
  loops: env("BENCH_STORE_LOOPS", 20),
  warmUpMs: env("BENCH_STORE_WARMUP_MS", 3000),
  durationMs: env("BENCH_STORE_DURATION_MS", 15_000),
  serviceMs: env("BENCH_STORE_SERVICE_MS", 0),
  commandTimeoutMs: 10_000,
  loopTimeoutMs: 10_000,
  overload: overload || process.env.BENCH_STORE_OVERLOAD === "1",
  overloadFactors: (process.env.BENCH_STORE_OVERLOAD_FACTORS ?? "1,2")
    .split(",")
    .map(Number)
    .filter((f) => f > 0),
  overloadDurationMs: env(
    "BENCH_STORE_OVERLOAD_DURATION_MS",
    env("BENCH_STORE_DURATION_MS", 15_000),
  ),
  graceMs: env("BENCH_STORE_GRACE_MS", 5000),
  retryMs: env("BENCH_STORE_RETRY_MS", 1000),
});

/** Server and client CPU over the measured window. */
export interface CpuFigures {
  /** Server process CPU (user + system, /proc/<pid>/stat), 100 = one core. */
  serverCpuPct: number;
  /** Server CPU per command answered in the window (any answer), µs. */
  serverUsPerCommand: number;
  clientCpuPct: number;
  /** redis-server's own CPU (INFO cpu), for the Redis back end. */
  redisCpuPct: number | null;
}

export interface ClosedFigures extends CpuFigures {
  sockets: number;
  /** Server CPU per answered command in each third of the window, µs. */
  serverUsPerCommandByThird: number[];
  /** Visits the loops checked in over the whole run (the store's day so far). */
  visitsAtEnd: number;
  windowSec: number;
  /** Loops completed (complete acknowledged) in the window, per second. */
  checkInsPerSec: number;
  /** Commands answered in the window (any answer), per second. */
  commandsPerSec: number;
  okCommandsPerSec: number;
  /** Check-in sent → a tablet's view holds the offer for that visit. */
  checkInToOffer: Summary;
  /** Check-in sent → the display's view is at the check-in's version or newer. */
  checkInToDisplay: Summary;
  /** Check-in sent → complete acknowledged: one whole loop. */
  loop: Summary;
  /** Every command sent in the window: sent → answer. */
  commandAck: Summary;
  checkInAck: Summary;
  acceptAck: Summary;
  completeAck: Summary;
  /** Over the whole run (warm-up and the loops' last round included), by error code. */
  errors: Record<string, number>;
  /** Size of the embedded store's journal at the end, bytes. */
  journalBytes: number | null;
}

export interface OverloadFigures extends CpuFigures {
  factor: number;
  /** Check-ins per second asked for. */
  rate: number;
  windowSec: number;
  /** Check-ins actually sent in the window, per second. */
  checkInsSentPerSec: number;
  /** Commands answered ok in the window, per second. */
  okCommandsPerSec: number;
  /** Check-ins answered ok in the window, per second. */
  okCheckInsPerSec: number;
  /** Visits completed in the window, per second. */
  completedPerSec: number;
  /** Commands sent in the window. */
  sent: number;
  /** Share of them answered ok or BUSY within 1 s of being sent. */
  answeredWithin1s: number;
  /** Of the commands sent in the window, answered BUSY (check-ins; tablets' accepts and completes). */
  busy: number;
  busyCheckIns: number;
  /** Commands sent before check-ins stopped that had no answer `graceMs` after. */
  neverAnswered: number;
  /** Every command of the run with no answer at the end (including the grace's own). */
  neverAnsweredAll: number;
  commandAck: Summary;
  /** Ok check-ins sent in the window: sent → the display's view at their version or newer. */
  checkInToDisplay: Summary;
  /** …of which the display never got that version before the end. */
  displayMissed: number;
  /** Ok check-ins sent in the window: sent → a tablet's view holds the offer. */
  checkInToOffer: Summary;
  /** …of which no tablet was offered the visit before the end. */
  neverOffered: number;
  /** Visits in the line (waiting or offered) on the manager's view at the end. */
  lineAtEnd: number | null;
  errors: Record<string, number>;
}

export interface BusyStoreFigures {
  backend: Backend;
  closed?: ClosedFigures;
  overload: OverloadFigures[];
  /** Phases that failed, with why. */
  failures: string[];
}

type Ack = { ok: boolean; data?: Record<string, unknown>; error?: { code: string } };

/** One command sent: when, and when and how it was answered ("" / NaN until it is). */
interface Sent {
  event: string;
  at: number;
  answeredAt: number;
  code: string;
}

/** Sends commands and keeps every one's timing and answer. */
class Commands {
  readonly all: Sent[] = [];
  private seq = 0;

  constructor(private readonly timeoutMs: number) {}

  requestId(): string {
    return `s${++this.seq}`;
  }

  send(socket: Socket, event: string, payload: Record<string, unknown>): Promise<Ack> {
    const record: Sent = { event, at: performance.now(), answeredAt: Number.NaN, code: "" };
    this.all.push(record);
    return (socket.timeout(this.timeoutMs).emitWithAck(event, payload) as Promise<Ack>).then(
      (ack) => {
        record.answeredAt = performance.now();
        record.code = ack.ok ? "OK" : (ack.error?.code ?? "?");
        return ack;
      },
      () => ({ ok: false, error: { code: "NO_ACK" } }),
    );
  }
}

/** A running server with one provisioned store, and how to put both away. */
interface Started {
  server: ServerChild;
  auth: StoreAuth;
  journalBytes(): Promise<number | null>;
  dispose(): Promise<void>;
}

/** Servers alive now, so that a watchdog can kill them (see `killServers`). */
const live = new Set<ServerChild>();

/** Kills every server this module started and has not stopped yet. */
export function killServers(): void {
  for (const server of live) server.child.kill("SIGKILL");
}

async function start(backend: Backend, associates: number): Promise<Started> {
  const tag = nanoid(8).replace(/[^A-Za-z0-9]/g, "x");
  const storeId = `busy${tag}`;
  if (backend === "redis") {
    const prefix = `bench-store-${tag}:`;
    try {
      const [auth] = await provision(prefix, [storeId], associates);
      const server = await spawnServer("bench/load.ts", {
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
      });
      live.add(server);
      return {
        server,
        auth: auth as StoreAuth,
        journalBytes: async () => null,
        dispose: async () => {
          await server.stop();
          live.delete(server);
          await deleteKeys(prefix);
        },
      };
    } catch (error) {
      await deleteKeys(prefix);
      throw error;
    }
  }
  const dataDir = await mkdtemp(join(tmpdir(), "undivided-busy-store-"));
  try {
    const [auth] = await provisionEmbedded(dataDir, [storeId], associates);
    const server = await spawnServer("bench/load.ts", { BENCH_EMBEDDED: "1", DATA_DIR: dataDir });
    live.add(server);
    return {
      server,
      auth: auth as StoreAuth,
      journalBytes: async () => {
        let bytes = 0;
        for (const name of await readdir(dataDir))
          if (name !== "directory.json") bytes += (await stat(join(dataDir, name))).size;
        return bytes;
      },
      dispose: async () => {
        await server.stop();
        live.delete(server);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The store's devices: a kiosk, the tablets (associates, then the manager) and a display, each
 * holding its view through HeldView as a page does. Every tablet accepts each offer its view
 * shows and completes the visit after `serviceMs`, resending a command answered BUSY after
 * `retryMs`.
 */
interface Clients {
  kiosk: Socket;
  tablets: Socket[];
  display: Socket;
  sockets: number;
  /** Visit id → when a tablet's view first held an offer of it. */
  offerAt: Map<string, number>;
  /** Visit id → when its complete was acknowledged. */
  doneAt: Map<string, number>;
  /** The display's views, in arrival order. */
  displayVersions: number[];
  displayTimes: number[];
  /** The manager's view now. */
  managerView(): View | undefined;
  /** Resolves with the time `visitId` was completed, or undefined after `timeoutMs`. */
  waitDone(visitId: string, timeoutMs: number): Promise<number | undefined>;
  /** No new accepts, completes or retries from here on. */
  stop(): void;
  stopped(): boolean;
  close(): void;
}

async function connectClients(
  url: string,
  auth: StoreAuth,
  commands: Commands,
  options: BusyStoreOptions,
): Promise<Clients> {
  const [kiosk] = await connectAll(url, [auth.kiosk]);
  const tablets = await connectAll(url, auth.tablets);
  const [display] = await connectAll(url, [auth.display]);
  const all = [kiosk, ...tablets, display] as Socket[];
  let stopped = false;
  const offerAt = new Map<string, number>();
  const doneAt = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const displayVersions: number[] = [];
  const displayTimes: number[] = [];
  const retryTimers = new Set<NodeJS.Timeout>();

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        resolve();
      }, ms);
      retryTimers.add(timer);
    });
  /** Sends a tablet's command, resending it (same request id) while it is answered BUSY. */
  const act = async (socket: Socket, event: string, payload: Record<string, unknown>) => {
    const body = { requestId: commands.requestId(), ...payload };
    for (;;) {
      const ack = await commands.send(socket, event, body);
      if (ack.ok || ack.error?.code !== "BUSY" || stopped) return ack;
      await pause(options.retryMs);
      if (stopped) return ack;
    }
  };

  const sync = (socket: Socket) => () => socket.emit("view:sync", {}, () => undefined);
  const managerHeld = new HeldView();
  tablets.forEach((socket, me) => {
    const held = me === tablets.length - 1 ? managerHeld : new HeldView();
    held.apply(firstView(socket));
    const handled = new Set<string>();
    const onView = (view: View) => {
      const offer = undividedDialect.offerIn(view, me);
      if (!offer || stopped) return;
      const offerId = String(offer.accept.offerId);
      if (handled.has(offerId)) return;
      handled.add(offerId);
      const now = performance.now();
      if (!offerAt.has(offer.visitId)) offerAt.set(offer.visitId, now);
      void (async () => {
        const accepted = await act(socket, "offer:accept", offer.accept);
        if (!accepted.ok || stopped) return;
        if (options.serviceMs > 0) await pause(options.serviceMs);
        if (stopped) return;
        const done = await act(socket, "visit:complete", {
          visitId: offer.visitId,
          outcome: "resolved",
        });
        if (!done.ok) return;
        const at = performance.now();
        doneAt.set(offer.visitId, at);
        waiters.get(offer.visitId)?.(at);
      })();
    };
    follow(socket, held, onView, sync(socket));
  });
  const displayHeld = new HeldView();
  displayHeld.apply(firstView(display as Socket));
  follow(
    display as Socket,
    displayHeld,
    (_view, version) => {
      displayVersions.push(version);
      displayTimes.push(performance.now());
    },
    sync(display as Socket),
  );

  return {
    kiosk: kiosk as Socket,
    tablets,
    display: display as Socket,
    sockets: all.length,
    offerAt,
    doneAt,
    displayVersions,
    displayTimes,
    managerView: () => managerHeld.view,
    waitDone: (visitId, timeoutMs) => {
      const at = doneAt.get(visitId);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(visitId);
          resolve(undefined);
        }, timeoutMs);
        waiters.set(visitId, (doneAt) => {
          clearTimeout(timer);
          waiters.delete(visitId);
          resolve(doneAt);
        });
      });
    },
    stop: () => {
      stopped = true;
    },
    stopped: () => stopped,
    close: () => {
      stopped = true;
      for (const timer of retryTimers) clearTimeout(timer);
      for (const socket of all) socket.close();
    },
  };
}

/** CPU readings at one moment: server and client, and Redis' own where it is used. */
interface CpuMark {
  t: number;
  server: number;
  client: NodeJS.CpuUsage;
  redis: number | null;
}

async function redisCpuSeconds(client: ReturnType<typeof createClient> | undefined) {
  if (!client) return null;
  try {
    const info = await client.info("cpu");
    const read = (key: string) => Number(new RegExp(`${key}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return read("used_cpu_user") + read("used_cpu_sys");
  } catch {
    return null;
  }
}

/** Reads CPU marks for a window, Redis' included when `backend` is Redis. */
async function cpuMeter(backend: Backend, server: ServerChild) {
  let redis: ReturnType<typeof createClient> | undefined;
  if (backend === "redis") {
    redis = createClient({ url: redisUrl });
    redis.on("error", () => undefined);
    try {
      await redis.connect();
    } catch {
      redis = undefined;
    }
  }
  return {
    mark: async (): Promise<CpuMark> => {
      const t = performance.now();
      let serverSec = Number.NaN;
      try {
        serverSec = server.cpuSeconds();
      } catch {
        // The server is gone (a phase past its deadline): no reading.
      }
      const mark = { t, server: serverSec, client: process.cpuUsage(), redis: null };
      return { ...mark, redis: await redisCpuSeconds(redis) };
    },
    figures: (from: CpuMark, to: CpuMark, answered: number): CpuFigures => {
      const sec = (to.t - from.t) / 1000;
      const server = to.server - from.server;
      const clientSec =
        (to.client.user + to.client.system - from.client.user - from.client.system) / 1e6;
      return {
        serverCpuPct: Math.round((server / sec) * 100),
        serverUsPerCommand: answered > 0 ? Math.round((server * 1e6) / answered) : 0,
        clientCpuPct: Math.round((clientSec / sec) * 100),
        redisCpuPct:
          from.redis === null || to.redis === null
            ? null
            : Math.round(((to.redis - from.redis) / sec) * 100),
      };
    },
    close: async () => {
      if (redis?.isOpen) await redis.close().catch(() => undefined);
    },
  };
}

const tally = (records: Sent[], unanswered: string | null): Record<string, number> => {
  const errors: Record<string, number> = {};
  for (const r of records) {
    const code = r.code === "" ? unanswered : r.code === "OK" ? null : r.code;
    if (code) errors[code] = (errors[code] ?? 0) + 1;
  }
  return errors;
};

const acks = (records: Sent[], event?: string) =>
  summarize(
    records
      .filter((r) => r.code !== "" && (!event || r.event === event))
      .map((r) => r.answeredAt - r.at),
  );

/** Runs `body` with a deadline: past it, `onTimeout` runs and the phase fails. */
async function withDeadline<T>(
  ms: number,
  what: string,
  onTimeout: () => void,
  body: () => Promise<T>,
) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what}: no result within ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  const work = body();
  // Past the deadline the body may still fail on what was put away; that is not news.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The closed loops on a fresh server and store. */
async function closedLoops(backend: Backend, options: BusyStoreOptions): Promise<ClosedFigures> {
  const started = await start(backend, options.associates);
  const commands = new Commands(options.commandTimeoutMs);
  let clients: Clients | undefined;
  const meter = await cpuMeter(backend, started.server);
  try {
    const budget =
      options.warmUpMs + options.durationMs + options.commandTimeoutMs + options.loopTimeoutMs;
    return await withDeadline(
      budget + 60_000,
      `${backend} closed loops`,
      () => clients?.close(),
      async () => {
        clients = await connectClients(started.server.url, started.auth, commands, options);
        const c = clients;
        let stopLoops = false;
        let loopTimeouts = 0;
        const loops: Array<{ sent: number; visitId: string; version: number; doneAt?: number }> =
          [];
        const loop = async (first: number) => {
          for (let seq = first; !stopLoops && !c.stopped(); seq += options.loops) {
            const sent = performance.now();
            const ack = await commands.send(c.kiosk, "visit:check-in", {
              requestId: commands.requestId(),
              topicId: TOPICS[seq % TOPICS.length],
            });
            if (!ack.ok || !ack.data) {
              // Not a wait for an event: a pause so that a failing check-in does not spin.
              if (!stopLoops) await delay(50);
              continue;
            }
            const visitId = String(ack.data.visitId);
            const doneAt = await c.waitDone(visitId, options.loopTimeoutMs);
            if (doneAt === undefined && !c.stopped()) loopTimeouts++;
            loops.push({ sent, visitId, version: Number(ack.data.version), doneAt });
          }
        };
        const running = Array.from({ length: options.loops }, (_, i) => loop(i));
        await delay(options.warmUpMs);
        // Marks at each third of the window too: a store's work per command grows with the
        // visits it has had today, so the first and last thirds tell how fast.
        const start = await meter.mark();
        const marks = [start];
        for (let third = 1; third <= 3; third++) {
          await delay(Math.max(0, start.t + (options.durationMs * third) / 3 - performance.now()));
          marks.push(await meter.mark());
        }
        const from = start;
        const to = marks[3] as CpuMark;
        stopLoops = true;
        await Promise.all(running);
        c.stop();

        const inWindow = (t: number) => t >= from.t && t < to.t;
        const windowSec = (to.t - from.t) / 1000;
        const measured = commands.all.filter((r) => inWindow(r.at));
        const answered = commands.all.filter((r) => inWindow(r.answeredAt));
        const measuredLoops = loops.filter((l) => inWindow(l.sent));
        const toOffer: number[] = [];
        const toDisplay: number[] = [];
        for (const l of measuredLoops) {
          const offer = c.offerAt.get(l.visitId);
          if (offer !== undefined) toOffer.push(offer - l.sent);
          const at = c.displayTimes[firstAtLeast(c.displayVersions, l.version)];
          if (at !== undefined) toDisplay.push(at - l.sent);
        }
        const errors = tally(commands.all, "NO_ACK");
        if (loopTimeouts > 0) errors.LOOP_TIMEOUT = loopTimeouts;
        const thirds = [0, 1, 2].map((i) => {
          const [a, b] = [marks[i] as CpuMark, marks[i + 1] as CpuMark];
          const n = commands.all.filter((r) => r.answeredAt >= a.t && r.answeredAt < b.t).length;
          return n > 0 ? Math.round(((b.server - a.server) * 1e6) / n) : 0;
        });
        return {
          sockets: c.sockets,
          serverUsPerCommandByThird: thirds,
          visitsAtEnd: loops.length,
          windowSec: Number(windowSec.toFixed(2)),
          checkInsPerSec: Math.round(
            loops.filter((l) => l.doneAt !== undefined && inWindow(l.doneAt)).length / windowSec,
          ),
          commandsPerSec: Math.round(answered.length / windowSec),
          okCommandsPerSec: Math.round(answered.filter((r) => r.code === "OK").length / windowSec),
          checkInToOffer: summarize(toOffer),
          checkInToDisplay: summarize(toDisplay),
          loop: summarize(
            measuredLoops.flatMap((l) => (l.doneAt === undefined ? [] : [l.doneAt - l.sent])),
          ),
          commandAck: acks(measured),
          checkInAck: acks(measured, "visit:check-in"),
          acceptAck: acks(measured, "offer:accept"),
          completeAck: acks(measured, "visit:complete"),
          errors,
          journalBytes: await started.journalBytes(),
          ...meter.figures(from, to, answered.length),
        };
      },
    );
  } finally {
    clients?.close();
    await meter.close();
    await started.dispose();
  }
}

/** Check-ins at `rate` per second (open loop) on a fresh server and store. */
async function openLoop(
  backend: Backend,
  options: BusyStoreOptions,
  rate: number,
  factor: number,
): Promise<OverloadFigures> {
  const started = await start(backend, options.associates);
  // Long enough that no answer times out before the grace ends: what is missing then never came.
  const commands = new Commands(
    options.warmUpMs + options.overloadDurationMs + options.graceMs + 30_000,
  );
  let clients: Clients | undefined;
  let pace: NodeJS.Timeout | undefined;
  const meter = await cpuMeter(backend, started.server);
  try {
    const budget = options.warmUpMs + options.overloadDurationMs + options.graceMs;
    return await withDeadline(
      budget + 60_000,
      `${backend} open loop at ${rate}/s`,
      () => {
        clearInterval(pace);
        clients?.close();
      },
      async () => {
        clients = await connectClients(started.server.url, started.auth, commands, options);
        const c = clients;
        const checkIns: Array<{ sent: number; visitId?: string; version?: number }> = [];
        const t0 = performance.now();
        let issued = 0;
        // Paced against the wall clock, like runLoad: late ticks send what is due at once.
        pace = setInterval(() => {
          const due = Math.floor(((performance.now() - t0) / 1000) * rate);
          for (; issued < due; issued++) {
            const checkIn: (typeof checkIns)[number] = { sent: performance.now() };
            checkIns.push(checkIn);
            void commands
              .send(c.kiosk, "visit:check-in", {
                requestId: commands.requestId(),
                topicId: TOPICS[issued % TOPICS.length],
              })
              .then((ack) => {
                if (!ack.ok || !ack.data) return;
                checkIn.visitId = String(ack.data.visitId);
                checkIn.version = Number(ack.data.version);
              });
          }
        }, 2);
        await delay(options.warmUpMs);
        const from = await meter.mark();
        await delay(options.overloadDurationMs);
        const to = await meter.mark();
        clearInterval(pace);
        // The grace: no more check-ins; tablets go on with what they were offered.
        await delay(options.graceMs);
        c.stop();
        const lineAtEnd = lineOf(c.managerView());

        const inWindow = (t: number) => t >= from.t && t < to.t;
        const windowSec = (to.t - from.t) / 1000;
        const measured = commands.all.filter((r) => inWindow(r.at));
        const answered = commands.all.filter((r) => inWindow(r.answeredAt));
        const ok = answered.filter((r) => r.code === "OK");
        const toDisplay: number[] = [];
        const toOffer: number[] = [];
        let displayMissed = 0;
        let neverOffered = 0;
        for (const checkIn of checkIns) {
          if (!inWindow(checkIn.sent) || checkIn.visitId === undefined) continue;
          const at = c.displayTimes[firstAtLeast(c.displayVersions, checkIn.version as number)];
          if (at === undefined) displayMissed++;
          else toDisplay.push(at - checkIn.sent);
          const offer = c.offerAt.get(checkIn.visitId);
          if (offer === undefined) neverOffered++;
          else toOffer.push(offer - checkIn.sent);
        }
        const completed = commands.all.filter(
          (r) => r.event === "visit:complete" && r.code === "OK" && inWindow(r.answeredAt),
        );
        return {
          factor,
          rate,
          windowSec: Number(windowSec.toFixed(2)),
          checkInsSentPerSec: Math.round(
            checkIns.filter((ci) => inWindow(ci.sent)).length / windowSec,
          ),
          okCommandsPerSec: Math.round(ok.length / windowSec),
          okCheckInsPerSec: Math.round(
            ok.filter((r) => r.event === "visit:check-in").length / windowSec,
          ),
          completedPerSec: Math.round(completed.length / windowSec),
          sent: measured.length,
          answeredWithin1s:
            measured.length === 0
              ? 0
              : measured.filter(
                  (r) => (r.code === "OK" || r.code === "BUSY") && r.answeredAt - r.at <= 1000,
                ).length / measured.length,
          busy: measured.filter((r) => r.code === "BUSY").length,
          busyCheckIns: measured.filter((r) => r.code === "BUSY" && r.event === "visit:check-in")
            .length,
          neverAnswered: commands.all.filter((r) => r.code === "" && r.at < to.t).length,
          neverAnsweredAll: commands.all.filter((r) => r.code === "").length,
          commandAck: acks(measured),
          checkInToDisplay: summarize(toDisplay),
          displayMissed,
          checkInToOffer: summarize(toOffer),
          neverOffered,
          lineAtEnd,
          errors: tally(commands.all, null),
          ...meter.figures(from, to, answered.length),
        };
      },
    );
  } finally {
    clearInterval(pace);
    clients?.close();
    await meter.close();
    await started.dispose();
  }
}

/** Visits waiting or offered on a manager's view. */
function lineOf(view: View | undefined): number | null {
  if (!view || !("line" in view)) return null;
  return (view.line as Array<{ status: string }>).filter(
    (v) => v.status === "waiting" || v.status === "offered",
  ).length;
}

/**
 * The whole benchmark for one back end: the closed loops, then (with `options.overload`) the
 * open loop at each factor of the closed loops' check-ins/s. A phase that fails is reported in
 * `failures` and the rest go on.
 */
export async function benchBusyStore(
  backend: Backend,
  options: BusyStoreOptions = defaultBusyStoreOptions(),
): Promise<BusyStoreFigures> {
  const figures: BusyStoreFigures = { backend, overload: [], failures: [] };
  try {
    figures.closed = await closedLoops(backend, options);
  } catch (error) {
    figures.failures.push(`closed loops: ${String(error)}`);
  }
  const capacity = Number(process.env.BENCH_STORE_OVERLOAD_RATE ?? figures.closed?.checkInsPerSec);
  if (options.overload && capacity > 0) {
    for (const factor of options.overloadFactors) {
      try {
        figures.overload.push(
          await openLoop(backend, options, Math.round(capacity * factor), factor),
        );
      } catch (error) {
        figures.failures.push(`open loop ×${factor}: ${String(error)}`);
      }
    }
  } else if (options.overload) {
    figures.failures.push("overload skipped: no closed-loop capacity to start from");
  }
  return figures;
}
