import { mkdtemp, rm } from "node:fs/promises";
import { type Server as HttpServer, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nanoid } from "nanoid";
import { type Socket, io as connectClient } from "socket.io-client";
import { type Directory, FileDirectory, RedisDirectory } from "../../server/auth/directory.js";
import { type App, type AppOptions, createApp } from "../../server/create-app.js";
import { silentLogger } from "../../server/logger.js";
import type { EventStore } from "../../server/store/event-store.js";
import { openMemoryStore } from "../../server/store/memory-store.js";
import type { ErrorBody } from "../../shared/errors.js";
import { HeldView, follow } from "../../shared/live-view.js";
import type {
  Ack,
  ClientToServerEvents,
  Reply,
  ServerToClientEvents,
} from "../../shared/protocol.js";
import type { StoreSettingsInput } from "../../shared/settings.js";
import type { View } from "../../shared/views.js";
import {
  CLUSTER_TARGET,
  REDIS_URL,
  deleteClusterPrefix,
  deletePrefix,
  freshPrefix,
  hasRedis,
  openTestClusterStore,
  openTestRedisStore,
} from "./redis.js";

/**
 * Real servers for integration tests: `createApp` on port 0 over a real store back end, a clock
 * moved by hand, provisioning through the admin HTTP API, and real socket.io clients that
 * record every payload they receive. Waiting is always for an event (with a deadline that
 * fails the test), never a sleep.
 */

export const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
export const SEC = 1000;
export const MIN = 60_000;
export const ADMIN_TOKEN = "admin-token-for-integration-tests-0123456789";
/** How long a wait for an event may take before the test fails. */
const WAIT_MS = 4000;

export type BackendName = "embedded" | "redis" | "cluster";

/** Which back ends the suites run over; Redis skips loudly without a server (not under CI). */
export const serverBackends: Array<{ name: BackendName; available: boolean }> = [
  { name: "embedded", available: true },
  { name: "redis", available: hasRedis },
];

/** The Redis back end on the test run's Redis Cluster, for suites that prove a part runs there. */
export const clusterBackend: { name: BackendName; available: boolean } = {
  name: "cluster",
  available: CLUSTER_TARGET !== undefined,
};

/** A clock that only moves when a test moves it. */
export class Clock {
  constructor(public now = T0) {}
  readonly read = (): number => this.now;
  advance(ms: number): number {
    this.now += ms;
    return this.now;
  }
}

/**
 * Where one test's data lives: a temporary directory (journal and directory file) or a Redis
 * key prefix. A place outlives the servers started on it, so a restart finds the same data.
 */
export interface Place {
  backend: BackendName;
  openStore(): Promise<EventStore>;
  /** The embedded directory reads time off `clock`; Redis keeps its own. */
  openDirectory(clock: () => number): Promise<Directory>;
  /** With Redis, the app also uses socket.io's Redis adapter, as in production. */
  redisUrl: string | undefined;
  /** Its key prefix: the adapter's channels and the shared rate limits stay this test's own. */
  redisPrefix: string | undefined;
  cleanup(): Promise<void>;
}

export async function freshPlace(backend: BackendName): Promise<Place> {
  if (backend === "embedded") {
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-it-"));
    return {
      backend,
      openStore: () => openMemoryStore({ dataDir, logger: silentLogger }),
      openDirectory: (clock) => FileDirectory.open(dataDir, clock),
      redisUrl: undefined,
      redisPrefix: undefined,
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const prefix = freshPrefix();
  if (backend === "cluster") {
    const target = CLUSTER_TARGET as string;
    return {
      backend,
      openStore: () => openTestClusterStore(prefix),
      openDirectory: () => RedisDirectory.open(target, prefix),
      redisUrl: target,
      redisPrefix: prefix,
      cleanup: () => deleteClusterPrefix(prefix),
    };
  }
  return {
    backend,
    openStore: () => openTestRedisStore(prefix),
    openDirectory: () => RedisDirectory.open(REDIS_URL, prefix),
    redisUrl: REDIS_URL,
    redisPrefix: prefix,
    cleanup: () => deletePrefix(prefix),
  };
}

export interface Running {
  app: App;
  directory: Directory;
  http: HttpServer;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts `createApp` on port 0 over `place`, with the timer loop and the periodic re-estimate
 * off: tests fire timers and call `app.refreshEstimates()` themselves. `options` replace the
 * defaults below (a test of a limit sets its own).
 */
export async function startServer(
  place: Place,
  clock: Clock,
  options: Partial<AppOptions> = {},
): Promise<Running> {
  const http = createServer();
  const directory = await place.openDirectory(clock.read);
  const app = await createApp(
    http,
    {
      store: await place.openStore(),
      directory,
      logger: silentLogger,
      redisUrl: place.redisUrl,
      redisPrefix: place.redisPrefix,
    },
    {
      publicUrl: "http://undivided.test",
      adminToken: ADMIN_TOKEN,
      clock: clock.read,
      timerIntervalMs: 0,
      // These tests are about what the queue does, not overload (tests/contract/overload.test.ts):
      // a loaded test machine's pauses must not turn commands away as BUSY.
      commandQueue: { maxLagMs: 60_000 },
      estimateRefreshMs: 0,
      rateLimits: {
        kioskCheckInsPerMin: 1000,
        ipCheckInsPerMin: 1000,
        signInsPerMin: 1000,
        handshakesPerMin: 1000,
      },
      ...options,
    },
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    app,
    directory,
    http,
    url: `http://127.0.0.1:${port}`,
    close() {
      closed ??= (async () => {
        await app.close();
        if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
      })();
      return closed;
    },
  };
}

export interface HttpReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A JSON request; `token` goes in as a bearer token. */
export async function request<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<HttpReply<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

export const testSettings: StoreSettingsInput = {
  name: "Integration store",
  timezone: "Europe/Kyiv",
  languages: ["en", "uk"],
  topics: [
    { id: "phones", name: "Phones", letter: "P", skill: "phones", expectedServiceMin: 6 },
    { id: "returns", name: "Returns", letter: "R", skill: "service", expectedServiceMin: 3 },
  ],
  offerTimeoutSec: 30,
  disconnectGraceSec: 15,
  wideningMin: 600,
  wrapUpSec: 0,
  slaWaitMin: 600,
  callAheadHoldMin: 5,
};

export interface StaffMember {
  associateId: string;
  name: string;
  pin: string;
  skills: string[];
  manager: boolean;
}

/** Two phone associates and a manager who helps with returns. */
export const staff: StaffMember[] = [
  { associateId: "ana", name: "Ana Lindqvist", pin: "1357", skills: ["phones"], manager: false },
  { associateId: "bo", name: "Bo Marchetti", pin: "2468", skills: ["phones"], manager: false },
  { associateId: "max", name: "Max Okafor", pin: "9090", skills: ["service"], manager: true },
];

export interface Provisioned {
  storeId: string;
  kioskToken: string;
  displayToken: string;
}

/** Creates a store, its staff (with PINs) and a kiosk and a display, all through the admin API. */
export async function provision(
  url: string,
  settings: StoreSettingsInput = testSettings,
  members: StaffMember[] = staff,
  storeId = `it-${nanoid(8).replace(/[^A-Za-z0-9]/g, "x")}`,
): Promise<Provisioned> {
  const admin = <T>(path: string, body: unknown) =>
    must<T>(request<T>(url, "POST", `/api${path}`, body, ADMIN_TOKEN));
  await admin("/admin/stores", { storeId, settings });
  for (const m of members) {
    await admin(`/admin/stores/${storeId}/associates`, { ...m, languages: ["en"] });
  }
  const kiosk = await admin<{ token: string }>(`/admin/stores/${storeId}/devices`, {
    kind: "kiosk",
    name: "Door kiosk",
  });
  const display = await admin<{ token: string }>(`/admin/stores/${storeId}/devices`, {
    kind: "display",
    name: "Wall display",
  });
  return { storeId, kioskToken: kiosk.token, displayToken: display.token };
}

async function must<T>(reply: Promise<HttpReply<T>>): Promise<T> {
  const { status, body } = await reply;
  if (status >= 300) throw new Error(`HTTP ${status}: ${JSON.stringify(body)}`);
  return body;
}

/** Signs an associate in with their PIN over HTTP; answers the whole reply. */
export function signIn(
  url: string,
  storeId: string,
  associateId: string,
  pin: string,
): Promise<HttpReply<{ token: string; role: string; error?: ErrorBody }>> {
  return request(url, "POST", `/api/stores/${storeId}/sessions`, { associateId, pin });
}

/** Signs a member of `staff` in and answers their session token. */
export async function sessionOf(url: string, storeId: string, associateId: string) {
  const member = staff.find((m) => m.associateId === associateId);
  if (!member) throw new Error(`no staff member ${associateId}`);
  const reply = await signIn(url, storeId, associateId, member.pin);
  if (reply.status !== 201) throw new Error(`sign-in ${associateId}: ${JSON.stringify(reply)}`);
  return reply.body.token;
}

export type Auth =
  | { storeId: string; deviceToken: string }
  | { storeId: string; customerToken: string }
  | { storeId: string; sessionToken: string };

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What one client received, in order. */
export interface Received {
  event: string;
  args: unknown[];
}

/**
 * A connected client: its socket, every payload it received, and the newest view it holds.
 * Views are applied as a real page applies them (`HeldView`): an older one is ignored.
 */
export class Client {
  readonly received: Received[] = [];
  private readonly held = new HeldView();
  /** Resolvers waiting for the next change of the held view. */
  private readonly listeners = new Set<() => void>();

  constructor(readonly socket: ClientSocket) {
    socket.onAny((event: string, ...args: unknown[]) => {
      this.received.push({ event, args });
    });
    follow(
      socket,
      this.held,
      () => {
        for (const listener of [...this.listeners]) listener();
      },
      // As a page does: a missed update (or a patch to a board it does not hold) asks for all.
      () => socket.emit("view:sync", {}, () => undefined),
    );
  }

  /** The newest view and its version, as a page holds it. */
  get latest(): { version: number; view: View } | undefined {
    return this.held.view ? { version: this.held.version, view: this.held.view } : undefined;
  }

  get view(): View {
    if (!this.held.view) throw new Error("no view yet");
    return this.held.view;
  }

  get version(): number {
    return this.held.version;
  }

  /** Resolves with the newest view once it satisfies `predicate` (now or after an update). */
  until<V extends View = View>(predicate: (view: V, version: number) => boolean): Promise<V> {
    const holds = () =>
      this.held.view !== undefined && predicate(this.held.view as V, this.held.version);
    if (holds()) return Promise.resolve(this.view as V);
    return new Promise((resolve, reject) => {
      const onView = () => {
        if (!holds()) return;
        done();
        resolve(this.view as V);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no view came that satisfies ${predicate}; last: ${JSON.stringify(this.latest)}`,
          ),
        );
      }, WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(onView);
      };
      this.listeners.add(onView);
    });
  }

  /** Sends a typed event and answers its ack, typed by the event (`Replies`). */
  send<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Ack<Reply<E>>> {
    return emitWithAck<Reply<E>>(this.socket, event, payload);
  }

  /** Sends a typed event that must succeed; answers its data. */
  async ok<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Reply<E>> {
    const ack = await this.send(event, payload);
    if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
    return ack.data;
  }

  /** Closes the connection and waits until the client has seen it close. */
  async disconnect(): Promise<void> {
    if (!this.socket.connected) return;
    const gone = waitFor(this.socket, "disconnect");
    this.socket.disconnect();
    await gone;
  }
}

/** Resolves on the next `event` whose arguments satisfy `predicate`; fails after a deadline. */
export function waitFor<T = unknown>(
  socket: Socket,
  event: string,
  predicate: (payload: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, onEvent);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`no ${event} within ${WAIT_MS} ms`));
    }, WAIT_MS);
    socket.on(event, onEvent);
  });
}

/** Emits with an ack, as any (possibly malformed) client could; fails if no ack comes. */
export function emitWithAck<T = Record<string, unknown>>(
  socket: Socket,
  event: string,
  ...args: unknown[]
): Promise<Ack<T>> {
  return socket.timeout(WAIT_MS).emitWithAck(event, ...args) as Promise<Ack<T>>;
}

/** The same socket without the protocol's types, to send what a broken client might. */
export const raw = (client: Client): Socket => client.socket as unknown as Socket;

/**
 * Connects a real socket.io client with `auth` and resolves once its first full view has come.
 * A refused handshake rejects with the server's error body.
 */
export function connect(url: string, auth: Auth): Promise<Client> {
  const socket: ClientSocket = connectClient(url, {
    auth,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  const client = new Client(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no full view within ${WAIT_MS} ms`));
    }, WAIT_MS);
    socket.on("view:patch", function whole(update) {
      if (update.since >= 0) return;
      socket.off("view:patch", whole);
      clearTimeout(timer);
      resolve(client);
    });
    socket.once("connect_error", (error: Error & { data?: ErrorBody }) => {
      clearTimeout(timer);
      socket.close();
      reject(Object.assign(new Error(error.message), { data: error.data }));
    });
    socket.connect();
  });
}

/** The handshake error code of a connection that must be refused. */
export async function refusedCode(url: string, auth: unknown): Promise<string | undefined> {
  try {
    const client = await connect(url, auth as Auth);
    client.socket.close();
    return undefined;
  } catch (error) {
    return (error as { data?: ErrorBody }).data?.code;
  }
}

/** The customer token inside a ticket's page link. */
export function tokenOf(customerUrl: string): string {
  const token = new URL(customerUrl).hash.match(/token=([^&]+)/)?.[1];
  if (!token) throw new Error(`no token in ${customerUrl}`);
  return token;
}

/** A fresh request id. */
export const rid = (): string => `it-${nanoid(12).replace(/[^A-Za-z0-9]/g, "x")}`;

/**
 * One store on one running server, with every role's credentials at hand, and teardown of every
 * client, server and place it made.
 */
export class World {
  readonly clients: Client[] = [];
  /** The newest session token of each associate signed in through `tablet`. */
  readonly sessions = new Map<string, string>();
  server!: Running;
  ids!: Provisioned;
  readonly clock = new Clock();
  /** What `start` was given for the server, kept for a restart. */
  private options: Partial<AppOptions> = {};

  private constructor(readonly place: Place) {}

  /**
   * A world on a fresh place. `storeId` fixes the store's id (each place is its own directory
   * or key prefix, so ids never collide): estimates are seeded by store and time, so a test
   * comparing two of them draws the same numbers on every run.
   */
  static async start(
    backend: BackendName,
    storeId?: string,
    options: Partial<AppOptions> = {},
  ): Promise<World> {
    const world = new World(await freshPlace(backend));
    world.options = options;
    world.server = await startServer(world.place, world.clock, options);
    world.ids = await provision(world.server.url, testSettings, staff, storeId);
    return world;
  }

  get app(): App {
    return this.server.app;
  }

  get storeId(): string {
    return this.ids.storeId;
  }

  /** Closes the server and starts a new one on the same data (clients must reconnect). */
  async restart(): Promise<void> {
    await this.server.close();
    this.server = await startServer(this.place, this.clock, this.options);
  }

  async connect(
    auth: { deviceToken: string } | { customerToken: string } | { sessionToken: string },
  ): Promise<Client> {
    const client = await connect(this.server.url, { storeId: this.storeId, ...auth } as Auth);
    this.clients.push(client);
    return client;
  }

  kiosk = () => this.connect({ deviceToken: this.ids.kioskToken });
  display = () => this.connect({ deviceToken: this.ids.displayToken });
  customer = (customerToken: string) => this.connect({ customerToken });

  /** Signs `associateId` in over HTTP and connects their tablet. */
  async tablet(associateId: string): Promise<Client> {
    const sessionToken = await sessionOf(this.server.url, this.storeId, associateId);
    this.sessions.set(associateId, sessionToken);
    return this.connect({ sessionToken });
  }

  /** The store's state as the running server has it. */
  state() {
    return this.app.service.state(this.storeId);
  }

  /** Moves the clock and fires every due timer, as the timer loop would. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.app.service.runDueTimers(this.clock.now);
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.socket.close();
    await this.server.close();
    await this.place.cleanup();
  }
}
