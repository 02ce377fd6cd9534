import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { type Socket, io } from "socket.io-client";
import { HeldView, follow } from "../shared/live-view.js";
import type { ViewPatch } from "../shared/views.js";
import { freePort } from "../tests/support/net.js";

/**
 * The load generator both real-time benchmarks share (`load.ts` against the real server,
 * `relay.ts` against a bare relay): server child processes and their /proc figures, many
 * socket.io clients per store, check-ins at a fixed rate, associates that take what they are
 * offered and finish after a random service time, and latency figures from what arrived where.
 */

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50 / p99 / max of `values` (ms), rounded to 0.01. */
export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(2));
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) };
}

export const show = (s: Summary): string => `${s.p50} / ${s.p99} / ${s.max} ms (n=${s.n})`;

export interface ServerChild {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Resident set size now, from /proc/<pid>/status VmRSS, in KB. */
  rssKb(): number;
  /** CPU seconds (user + system) used so far, from /proc/<pid>/stat. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx <script> --serve` on a free port and resolves once it prints a JSON
 * line `{"msg":"listening","port":…}` (pino's format, as server/index.ts logs it).
 */
export async function spawnServer(
  script: string,
  env: Record<string, string>,
): Promise<ServerChild> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script, "--serve"], {
    cwd: new URL("../", import.meta.url).pathname,
    env: {
      ...process.env,
      LOG_LEVEL: "warn",
      ...env,
      PORT: String(port),
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    // A server that has not listened within a minute is killed, so a benchmark cannot hang here.
    const startup = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not listen within 60 s`));
    }, 60_000);
    const listening = () => {
      clearTimeout(startup);
      resolve();
    };
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.includes('"listening"') && line.includes(`"port":${port}`)) listening();
        else if (line.trim()) process.stderr.write(`  [server] ${line}\n`);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(startup);
      reject(new Error(`${script} exited (${code}) before listening`));
    });
  });
  const pid = child.pid as number;
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    child,
    pid,
    url: `http://127.0.0.1:${port}`,
    rssKb: () => {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
    },
    cpuSeconds: () => {
      // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** What a benchmark client connects as, per store. Tablets are the associates and the manager. */
export interface StoreAuth {
  storeId: string;
  kiosk: Record<string, unknown>;
  display: Record<string, unknown>;
  tablets: Array<Record<string, unknown>>;
}

/** How a server speaks: the check-in payload, and which offer (if any) a tablet's view shows. */
export interface Dialect {
  checkIn(store: StoreRun, seq: number): Record<string, unknown>;
  /** The offer this view shows tablet `me`, if any. */
  offerIn(view: unknown, me: number): { visitId: string; accept: Record<string, unknown> } | null;
  /** Called when a tablet has finished a visit. */
  freed?(store: StoreRun, me: number): void;
}

export interface StoreRun {
  auth: StoreAuth;
  kiosk: Socket;
  /** Every socket of the store that receives views: tablets, then the display. */
  receivers: Socket[];
  /** Per receiver: versions received and when, in arrival order. */
  arrivals: Array<{ versions: number[]; times: number[] }>;
  /** Tablets free right now (for a dialect that must pick one itself). */
  free: Set<number>;
}

export interface LoadOptions {
  /**
   * The server, or several processes of one server (sharing a Redis): then socket j of store s
   * (j = 0 the kiosk, then the tablets, then the display) connects to `url[(s + j) % length]`,
   * so every store has sockets on every process and the kiosks are spread over them too.
   */
  url: string | readonly string[];
  stores: StoreAuth[];
  dialect: Dialect;
  /** Check-ins per second over all stores. */
  rate: number;
  durationMs: number;
  /** Check-ins before this are run but not measured. */
  warmUpMs: number;
  serviceMs: [number, number];
  /** The server's CPU seconds so far (all its processes), to report its CPU use while the load runs. */
  serverCpuSeconds?: () => number;
  /** Called once every socket is connected, before the first check-in. */
  onConnected?: () => void;
}

export interface LoadFigures {
  connections: number;
  /** Check-in sent → offer on the tablet, for visits offered by the check-in's own commit. */
  checkInToOffer: Summary;
  /** Visits that had to wait for a free associate (not in checkInToOffer). */
  queued: number;
  /** Check-in sent → each socket of the store (tablets, manager, display) has that version. */
  fanOut: Summary;
  /** Check-in sent → the last socket of the store has it. */
  fanOutLast: Summary;
  /** Every command (check-in, accept, complete): sent → ack. */
  commandAck: Summary;
  commandsPerSec: number;
  checkInsPerSec: number;
  errors: Record<string, number>;
  clientCpuPct: number;
  /** Server CPU over the load (100 = one core), if it was given a way to read it. */
  serverCpuPct: number | null;
}

const connectOne = (url: string, auth: Record<string, unknown>): Socket =>
  io(url, { auth, transports: ["websocket"], reconnection: false, forceNew: true });

/** The first full view each socket got (what a page starts from). */
const firstFull = new WeakMap<Socket, unknown>();

/** The first full view `socket` got when `connectAll` connected it (what a page starts from). */
export const firstView = (socket: Socket): ViewPatch => firstFull.get(socket) as ViewPatch;

/**
 * Connects sockets in batches; resolves once each has had its first full view. `url` may say
 * where each one connects, by its index in `auths`.
 */
export async function connectAll(
  url: string | ((index: number) => string),
  auths: Array<Record<string, unknown>>,
  batch = 200,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < auths.length; i += batch) {
    const chunk = auths.slice(i, i + batch).map((auth, k) => {
      const socket = connectOne(typeof url === "string" ? url : url(i + k), auth);
      const ready = new Promise<void>((resolve, reject) => {
        socket.on("view:patch", function whole(update: ViewPatch) {
          if (update.since >= 0 || firstFull.has(socket)) return;
          firstFull.set(socket, update);
          resolve();
        });
        socket.once("connect_error", (error) => reject(error));
      });
      return { socket, ready };
    });
    await Promise.all(chunk.map((c) => c.ready));
    sockets.push(...chunk.map((c) => c.socket));
  }
  return sockets;
}

/** Runs the load and computes the figures; closes every socket it opened. */
export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const { dialect } = options;
  const stores: StoreRun[] = [];
  const commandAcks: number[] = [];
  const errors: Record<string, number> = {};
  let measureFrom = Number.POSITIVE_INFINITY;
  let measureTo = Number.POSITIVE_INFINITY;
  let commandsInWindow = 0;
  let checkInsInWindow = 0;
  let requestSeq = 0;
  let closing = false;

  type AckReply = { ok: boolean; data?: Record<string, unknown>; error?: { code: string } };
  const send = (
    socket: Socket,
    event: string,
    payload: Record<string, unknown>,
  ): Promise<AckReply> => {
    const sent = performance.now();
    return (
      socket
        .timeout(30_000)
        .emitWithAck(event, { requestId: `b${++requestSeq}`, ...payload }) as Promise<AckReply>
    ).then(
      (ack) => {
        const done = performance.now();
        if (sent >= measureFrom && sent < measureTo) {
          commandAcks.push(done - sent);
          commandsInWindow++;
        }
        if (!ack.ok) errors[ack.error?.code ?? "?"] = (errors[ack.error?.code ?? "?"] ?? 0) + 1;
        return ack;
      },
      (error: unknown) => {
        if (!closing && process.env.BENCH_DEBUG) console.error(event, String(error));
        // No ack: timed out, or the socket was closed at the end of the run with this in flight.
        if (!closing) errors.NO_ACK = (errors.NO_ACK ?? 0) + 1;
        return { ok: false, error: { code: "NO_ACK" } };
      },
    );
  };

  /**
   * `atOnce`: the check-in's answer says it was offered at once (the real server; its view may
   * come a version later, with the quote commit of its batch); undefined when the answer does
   * not say (the relay), and then an offer at the check-in's own version counts.
   */
  const checkIns = new Map<
    string,
    { sent: number; version: number; store: StoreRun; atOnce: boolean | undefined }
  >();
  const offers = new Map<string, { at: number; version: number }>();
  const timers = new Set<NodeJS.Timeout>();

  const urls = typeof options.url === "string" ? [options.url] : options.url;
  for (const [s, auth] of options.stores.entries()) {
    // Socket j of store s on process (s + j) % processes: the kiosk is j = 0, receiver r is r + 1.
    const urlOf = (j: number) => urls[(s + j) % urls.length] as string;
    const [kiosk] = await connectAll(urlOf(0), [auth.kiosk]);
    const receivers = await connectAll((r) => urlOf(r + 1), [...auth.tablets, auth.display], 50);
    const run: StoreRun = {
      auth,
      kiosk: kiosk as Socket,
      receivers,
      arrivals: receivers.map(() => ({ versions: [], times: [] })),
      free: new Set(auth.tablets.map((_, i) => i)),
    };
    stores.push(run);
    receivers.forEach((socket, r) => {
      const arrival = run.arrivals[r] as { versions: number[]; times: number[] };
      const answered = new Set<string>();
      socket.on("disconnect", (reason) => {
        if (!closing && process.env.BENCH_DEBUG)
          console.error("disconnect", auth.storeId, r, reason);
      });
      // Applied as a page applies them: the real server sends tablets the board and their own part.
      const held = new HeldView();
      held.apply(firstFull.get(socket) as ViewPatch);
      follow(
        socket,
        held,
        (view, version) => {
          const now = performance.now();
          arrival.versions.push(version);
          arrival.times.push(now);
          onView(view, version, now);
        },
        () => socket.emit("view:sync", {}, () => undefined),
      );
      const onView = (view: unknown, version: number, now: number) => {
        if (r >= auth.tablets.length) return;
        const offer = dialect.offerIn(view, r);
        if (!offer || answered.has(offer.visitId)) return;
        answered.add(offer.visitId);
        offers.set(`${auth.storeId}/${offer.visitId}`, { at: now, version });
        run.free.delete(r);
        void send(socket, "offer:accept", offer.accept).then((ack) => {
          if (!ack.ok) return;
          const [low, high] = options.serviceMs;
          const timer = setTimeout(
            () => {
              timers.delete(timer);
              void send(socket, "visit:complete", {
                visitId: offer.visitId,
                outcome: "resolved",
              }).then(() => {
                run.free.add(r);
                dialect.freed?.(run, r);
              });
            },
            low + Math.random() * (high - low),
          );
          timers.add(timer);
        });
      };
    });
  }
  const connections = stores.reduce((n, s) => n + 1 + s.receivers.length, 0);
  options.onConnected?.();

  // Check-ins at a fixed rate, round robin over the stores, paced against the wall clock.
  const cpuBefore = process.cpuUsage();
  const serverCpuBefore = options.serverCpuSeconds?.();
  const started = performance.now();
  measureFrom = started + options.warmUpMs;
  measureTo = started + options.warmUpMs + options.durationMs;
  const inFlight = new Set<Promise<unknown>>();
  let issued = 0;
  await new Promise<void>((resolve) => {
    const pace = setInterval(() => {
      const now = performance.now();
      if (now >= measureTo) {
        clearInterval(pace);
        resolve();
        return;
      }
      const due = Math.floor(((now - started) / 1000) * options.rate);
      for (; issued < due; issued++) {
        const store = stores[issued % stores.length] as StoreRun;
        const sent = performance.now();
        const job = send(store.kiosk, "visit:check-in", dialect.checkIn(store, issued)).then(
          (ack) => {
            if (!ack.ok || !ack.data) return;
            if (sent >= measureFrom && sent < measureTo) checkInsInWindow++;
            if (sent >= measureFrom)
              checkIns.set(`${store.auth.storeId}/${String(ack.data.visitId)}`, {
                sent,
                version: Number(ack.data.version),
                store,
                atOnce:
                  typeof ack.data.status === "string" ? ack.data.status === "offered" : undefined,
              });
          },
        );
        inFlight.add(job);
        void job.finally(() => inFlight.delete(job));
      }
    }, 2);
  });
  const serverCpu =
    serverCpuBefore === undefined
      ? null
      : Math.round(
          (((options.serverCpuSeconds?.() ?? 0) - serverCpuBefore) /
            ((performance.now() - started) / 1000)) *
            100,
        );
  await Promise.allSettled([...inFlight]);
  const windowSec = options.durationMs / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const clientCpuPct = Math.round(
    ((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100,
  );
  for (const timer of timers) clearTimeout(timer);

  const toOffer: number[] = [];
  const fanOut: number[] = [];
  const fanOutLast: number[] = [];
  let queued = 0;
  for (const [key, checkIn] of checkIns) {
    const offer = offers.get(key);
    const atOnce = checkIn.atOnce ?? offer?.version === checkIn.version;
    if (offer && atOnce) toOffer.push(offer.at - checkIn.sent);
    else queued++;
    let last = 0;
    for (const arrival of checkIn.store.arrivals) {
      const at = arrival.times[firstAtLeast(arrival.versions, checkIn.version)];
      if (at === undefined) continue;
      fanOut.push(at - checkIn.sent);
      last = Math.max(last, at - checkIn.sent);
    }
    fanOutLast.push(last);
  }
  closing = true;
  for (const store of stores)
    for (const socket of [store.kiosk, ...store.receivers]) socket.close();

  return {
    connections,
    checkInToOffer: summarize(toOffer),
    queued,
    fanOut: summarize(fanOut),
    fanOutLast: summarize(fanOutLast),
    commandAck: summarize(commandAcks),
    commandsPerSec: Math.round(commandsInWindow / windowSec),
    checkInsPerSec: Math.round(checkInsInWindow / windowSec),
    errors,
    clientCpuPct,
    serverCpuPct: serverCpu,
  };
}

/** Index of the first entry >= `value` in non-decreasing `sorted` (its length if none). */
export function firstAtLeast(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((sorted[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
