import { type ChildProcess, spawn } from "node:child_process";
import { type Socket, io } from "socket.io-client";
import { HeldView } from "../../shared/live-view.js";
import type { Ack } from "../../shared/protocol.js";
import type { View, ViewPatch } from "../../shared/views.js";

export interface Seen {
  version: number;
  view: View;
}
import { freePort } from "../support/net.js";

export { freePort };

/**
 * Real server processes (`node --import tsx server/index.ts`) sharing one Redis, and
 * socket.io clients that keep the newest view they were pushed.
 */

const ROOT = new URL("../../", import.meta.url).pathname;

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything it printed, for failure messages. */
  output(): string;
  /** Its log lines at warn or worse (pino levels 40 and up), as printed. */
  warnings(): string[];
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Starts one server process and resolves when its pino "listening" line names its port. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: ROOT,
    // MAX_LAG_MS: these tests are about races between processes, not overload; a loaded test
    // machine's pauses must not turn commands away as BUSY.
    env: {
      ...process.env,
      LOG_LEVEL: "info",
      HOST: "127.0.0.1",
      MAX_LAG_MS: "60000",
      ...env,
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === "listening" && entry.port === port) resolve();
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) =>
      reject(new Error(`server exited (${code}) before listening:\n${output}`)),
    );
  });
  await listening;
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    warnings: () =>
      output.split("\n").filter((line) => {
        if (!line.startsWith("{")) return false;
        try {
          return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 40;
        } catch {
          return false;
        }
      }),
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A JSON request to a server's HTTP API; throws with the body on a non-2xx answer. */
export async function api<T>(
  base: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} -> ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * One connected client. It keeps the newest view pushed to it and the version of the last one
 * received, and lets a test wait (on events, not time) until its view shows something.
 */
export class ViewClient {
  readonly socket: Socket;
  /** Version of the last view received (full or update), in arrival order. */
  lastVersion = -1;
  /** Messages that arrived with a version lower than one already received. */
  regressions = 0;
  received = 0;
  private readonly held = new HeldView();
  private waiters: Array<{ holds: (view: View) => boolean; resolve: () => void }> = [];
  private readonly listeners: Array<(update: Seen) => void> = [];

  constructor(
    readonly name: string,
    url: string,
    auth: Record<string, string>,
  ) {
    this.socket = io(url, { auth, transports: ["websocket"], reconnection: false });
    this.socket.on("view:patch", (update: ViewPatch) => {
      this.received++;
      if (update.version < this.lastVersion) this.regressions++;
      this.lastVersion = update.version;
      const applied = this.held.apply(update);
      if (applied.gap) this.socket.emit("view:sync", {}, () => undefined);
      const view = applied.changed ? this.held.view : undefined;
      if (!view) return;
      for (const listener of this.listeners) listener({ version: update.version, view });
      this.waiters = this.waiters.filter((w) => {
        if (!w.holds(view)) return true;
        w.resolve();
        return false;
      });
    });
  }

  /** The newest view, as a page holds it (`HeldView`). */
  get view(): View | undefined {
    return this.held.view;
  }

  /** Resolves with the first full view; rejects if the handshake is refused. */
  ready(): Promise<void> {
    if (this.view) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.on("view:patch", function whole(this: unknown, update: ViewPatch) {
        if (update.since < 0) resolve();
      });
      this.socket.once("connect_error", (error) => reject(error));
    });
  }

  onView(listener: (update: Seen) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves once the view held satisfies `holds` (now or after a change). */
  until(holds: (view: View) => boolean): Promise<void> {
    if (this.view && holds(this.view)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ holds, resolve }));
  }

  /** Sends an event and resolves with its ack. */
  send<T = Record<string, unknown>>(event: string, payload: unknown): Promise<Ack<T>> {
    return this.socket.timeout(20_000).emitWithAck(event as never, payload as never) as Promise<
      Ack<T>
    >;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * `promise`, or a failure naming what was still missing if it has not settled within `ms`.
 * A guard against hanging, not a wait: the test goes on the moment the promise settles.
 */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  missing: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${missing()}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sum of a Prometheus counter or gauge over all its label sets (or those whose labels contain
 * `label`, e.g. `result="UNAVAILABLE"`), from a server's /metrics.
 */
export async function metricSum(base: string, name: string, label?: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (label && !line.slice(0, line.lastIndexOf(" ")).includes(label)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}
