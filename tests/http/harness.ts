import { EventEmitter } from "node:events";
import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
} from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { nanoid } from "nanoid";
import { pino } from "pino";
import { FileDirectory } from "../../server/auth/directory.js";
import { type App, type AppOptions, createApp } from "../../server/create-app.js";
import type { Logger } from "../../server/logger.js";
import { openMemoryStore } from "../../server/store/memory-store.js";
import type { StoreSettingsInput } from "../../shared/settings.js";

/**
 * An app for the HTTP tests: `createApp` on port 0 over the embedded store (no data directory),
 * a hand-moved clock, and a logger whose lines tests can wait for. Waiting is always for an
 * event with a deadline that fails the test, never a sleep.
 */

export const ADMIN = "x".repeat(32);
export const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const WAIT_MS = 5000;

export interface TestApp {
  app: App;
  url: string;
  clock: { now: number };
  /** Every log line, parsed; emits "line" for each. */
  log: LogTap;
  close(): Promise<void>;
}

/** Log lines as objects, and a way to wait for one. */
export class LogTap extends EventEmitter<{ line: [Record<string, unknown>] }> {
  readonly lines: Record<string, unknown>[] = [];
  readonly logger: Logger = pino(
    { level: "info" },
    new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const raw of chunk.toString().split("\n").filter(Boolean)) {
          const line = JSON.parse(raw) as Record<string, unknown>;
          this.lines.push(line);
          this.emit("line", line);
        }
        done();
      },
    }),
  );

  /** Resolves with the first line (past or future) that satisfies `predicate`. */
  until(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const seen = this.lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return within(
      new Promise((resolve) => {
        const onLine = (line: Record<string, unknown>) => {
          if (!predicate(line)) return;
          this.off("line", onLine);
          resolve(line);
        };
        this.on("line", onLine);
      }),
      "log line",
    );
  }
}

export async function startApp(options: Partial<AppOptions> = {}): Promise<TestApp> {
  const log = new LogTap();
  const clock = { now: T0 };
  const http = createServer();
  const app = await createApp(
    http,
    {
      store: await openMemoryStore({ logger: log.logger }),
      directory: await FileDirectory.open(undefined),
      logger: log.logger,
    },
    {
      publicUrl: "http://localhost",
      adminToken: ADMIN,
      timerIntervalMs: 0,
      clock: () => clock.now,
      // These tests are about what the queue does, not overload (tests/contract/overload.test.ts):
      // a loaded test machine's pauses must not turn commands away as BUSY.
      commandQueue: { maxLagMs: 60_000 },
      ...options,
    },
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    clock,
    log,
    async close() {
      await app.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A request under `url`; a non-string body is sent as JSON, a string as it is. */
export async function call<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await res.text();
  const isJson = res.headers.get("content-type")?.includes("json");
  return {
    status: res.status,
    headers: res.headers,
    body: (isJson ? JSON.parse(text) : text) as T,
  };
}

/** An admin-token request. */
export const admin = <T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
) => call<T>(url, method, `/api${path}`, { body, token: ADMIN });

export const settings: StoreSettingsInput = {
  name: "HTTP test store",
  timezone: "Europe/Kyiv",
  languages: ["en", "uk"],
  topics: [
    { id: "phones", name: "Phones", letter: "P", skill: "phones", expectedServiceMin: 6 },
    { id: "returns", name: "Returns", letter: "R", skill: "service", expectedServiceMin: 3 },
  ],
  offerTimeoutSec: 30,
  wrapUpSec: 0,
};

export const freshStoreId = () => `h-${nanoid(8).replace(/[^A-Za-z0-9]/g, "x")}`;

/** Creates a store and one phones associate `ana` (PIN 1357) through the admin API. */
export async function provisionStore(url: string): Promise<string> {
  const storeId = freshStoreId();
  await must(admin(url, "POST", "/admin/stores", { storeId, settings }));
  await must(
    admin(url, "POST", `/admin/stores/${storeId}/associates`, {
      associateId: "ana",
      name: "Ana Lindqvist",
      pin: "1357",
      skills: ["phones"],
    }),
  );
  return storeId;
}

export async function must<T>(reply: Promise<Reply<T>>): Promise<T> {
  const { status, body } = await reply;
  if (status >= 300) throw new Error(`HTTP ${status}: ${JSON.stringify(body)}`);
  return body;
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Answer = (req: Received, res: ServerResponse) => void;

/**
 * A real HTTP receiver on port 0 that records every request. `answer` decides each reply (by
 * default 200); a request it leaves unanswered stays open until the receiver closes.
 */
export class Receiver {
  readonly received: Received[] = [];
  private readonly events = new EventEmitter<{ request: [] }>();
  private server!: Server;
  url = "";

  constructor(public answer: Answer = (_req, res) => res.end("ok")) {}

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const got: Received = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        this.received.push(got);
        this.answer(got, res);
        this.events.emit("request");
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** Resolves once `count` requests have come in. */
  until(count: number): Promise<Received[]> {
    if (this.received.length >= count) return Promise.resolve(this.received);
    return within(
      new Promise((resolve) => {
        const onRequest = () => {
          if (this.received.length < count) return;
          this.events.off("request", onRequest);
          resolve(this.received);
        };
        this.events.on("request", onRequest);
      }),
      `${count} webhook requests (got ${this.received.length})`,
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** `promise`, or a rejection naming `what` after the wait deadline. */
export function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A local port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
