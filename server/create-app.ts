import type { Server as HttpServer } from "node:http";
import { join } from "node:path";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { Server } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../shared/protocol.js";
import { AnalyticsProjector } from "./analytics/projector.js";
import {
  FileAnalyticsStorage,
  MemoryAnalyticsStorage,
  RedisAnalyticsStorage,
} from "./analytics/storage.js";
import { QueueService } from "./app/queue-service.js";
import { TimerLagMeter, TimerLoop } from "./app/timer-loop.js";
import { Credentials } from "./auth/credentials.js";
import type { Directory } from "./auth/directory.js";
import type { StoreState } from "./domain/index.js";
import type { Logger } from "./logger.js";
import { type PushConfig, openPush } from "./push/open-push.js";
import type { PushService } from "./push/push-service.js";
import { type RedisLink, isClusterTarget, makeRedisLink } from "./redis-client.js";
import { WorkerAdviceMaker, inProcess } from "./staffing/advice-maker.js";
import type { EventStore } from "./store/event-store.js";
import { clientAddress, createHttpApp } from "./transport/http.js";
import { managerRouter } from "./transport/manager-api.js";
import { Metrics } from "./transport/metrics.js";
import { OriginPolicy } from "./transport/origins.js";
import { Publisher, type ServerEvents, type SocketData } from "./transport/publisher.js";
import { type RateLimitOptions, RateLimits } from "./transport/rate-limits.js";
import { rooms } from "./transport/rooms.js";
import { attachSockets } from "./transport/socket.js";
import { WebhookDispatcher, type WebhookOptions } from "./webhooks/dispatcher.js";
import { RedisLease, localLease } from "./webhooks/lease.js";
import { WebhookRegistry } from "./webhooks/registry.js";

export interface AppDeps {
  store: EventStore;
  directory: Directory;
  logger: Logger;
  /** With Redis, broadcasts between server processes go through socket.io's Redis adapter. */
  redisUrl?: string;
  /** Prefix of the adapter's channels, so deployments sharing a Redis stay apart. */
  redisPrefix?: string;
}

export interface AppOptions {
  /** The URL customers and devices reach this server at, for links and QR codes. */
  publicUrl: string;
  adminToken?: string;
  /** Injected clock (tests); default Date.now. */
  clock?: () => number;
  /** How often due timers are polled (default 250 ms); 0 turns the loop off (tests drive ticks). */
  timerIntervalMs?: number;
  /**
   * How often customers' and kiosks' wait ranges are re-estimated as time passes (default
   * 5000 ms; each is sent only when its shown range moved); 0 turns it off (tests call
   * `refreshEstimates`).
   */
  estimateRefreshMs?: number;
  rateLimits?: RateLimitOptions;
  /** How many commands may wait per store and in all before more are answered BUSY. */
  commandQueue?: { perStore?: number; total?: number; maxLagMs?: number };
  /** Express's `trust proxy` (which proxies may tell the client's address); default loopback. */
  trustProxy?: string;
  /**
   * Origins whose browser pages may use the HTTP API and socket.io (`ALLOWED_ORIGINS`); default
   * `publicUrl`'s. Requests without an Origin and the server's own pages are always let in.
   */
  allowedOrigins?: string[];
  staticDir?: string;
  /**
   * Outgoing webhooks: retry delays, timeout, lease (tests make them fast), and whether URLs on
   * private addresses are allowed (`WEBHOOKS_ALLOW_PRIVATE`).
   */
  webhooks?: WebhookOptions;
  /**
   * Analytics read models: with the embedded back end, kept in `dataDir/analytics` (DATA_DIR;
   * memory only without, folded again from the log at start); with Redis, in Redis.
   */
  analytics?: { dataDir?: string };
  /** How often each socket is pinged, and how long an answer may take before it is dropped. */
  sockets?: { pingIntervalMs?: number; pingTimeoutMs?: number };
  /**
   * Web Push to customers' phones: where the embedded back end keeps its keys and subscriptions
   * (`DATA_DIR`; memory only without), configured VAPID keys, and whether endpoints on private
   * addresses or plain http are allowed (`PUSH_ALLOW_PRIVATE`, tests only).
   */
  push?: PushConfig;
  /**
   * Where the staffing advice is made: in a worker thread (default), or on the event loop
   * ("in-process", in slices).
   */
  staffingAdvice?: "worker" | "in-process";
}

export interface App {
  io: Server<ClientToServerEvents, ServerToClientEvents, ServerEvents, SocketData>;
  service: QueueService;
  credentials: Credentials;
  metrics: Metrics;
  /** Web Push to customers (tests call `push.sweep()` for hold reminders). */
  push: PushService;
  /** Re-estimates the waits shown to this process's customers and kiosks now. */
  refreshEstimates(): Promise<void>;
  /** Stops taking new work, finishes commands in flight, closes the store and Redis links. */
  close(): Promise<void>;
}

/** Wires the queue service, timers, HTTP API and socket.io onto `httpServer`. */
export async function createApp(
  httpServer: HttpServer,
  deps: AppDeps,
  options: AppOptions,
): Promise<App> {
  const clock = options.clock ?? Date.now;
  const { logger, store } = deps;
  const metrics = new Metrics();
  const credentials = new Credentials(deps.directory);
  const prefix = deps.redisPrefix ?? "undivided:";
  // With Redis: links for socket.io's adapter (publish, subscribe); rate limits count in Redis
  // too, so every process shares them.
  const redisLinks: Array<{ close(): Promise<unknown>; isOpen: boolean }> = [];
  let adapterLinks: [RedisLink, RedisLink] | undefined;
  // On a Redis Cluster the adapter uses sharded pub/sub (Redis 7: SPUBLISH reaches only the
  // nodes of the channel's slot, not the whole cluster).
  const sharded = deps.redisUrl !== undefined && isClusterTarget(deps.redisUrl);
  if (deps.redisUrl) {
    const pub = makeRedisLink(deps.redisUrl);
    const sub = pub.duplicate();
    for (const client of [pub, sub])
      client.on("error", (err: unknown) => logger.warn({ err }, "redis adapter link error"));
    // The adapter publishes without awaiting; while Redis is away (or slower than the client's
    // command timeout) each publish would reject unhandled and end the process. A lost
    // broadcast only delays views: clients see the version gap and resync.
    // Logged once per 10 s with a count, so an outage does not also become a flood of logs.
    const method = sharded ? "sPublish" : "publish";
    const publish = (pub[method] as (...args: unknown[]) => Promise<number>).bind(pub);
    let failed = 0;
    let loggedAt = Number.NEGATIVE_INFINITY;
    Object.defineProperty(pub, method, {
      value: (...args: unknown[]) =>
        publish(...args).catch((err: unknown) => {
          failed++;
          if (Date.now() - loggedAt >= 10_000) {
            logger.warn({ err, failed }, "redis adapter publish failed");
            loggedAt = Date.now();
            failed = 0;
          }
          return 0;
        }),
    });
    await Promise.all([pub.connect(), sub.connect()]);
    adapterLinks = [pub, sub];
    redisLinks.push(pub, sub);
  }
  // Analytics fold the log off the command path; retention trims nothing they have not folded.
  const analyticsStorage = adapterLinks
    ? new RedisAnalyticsStorage(adapterLinks[0], prefix)
    : options.analytics?.dataDir
      ? await FileAnalyticsStorage.open(join(options.analytics.dataDir, "analytics"))
      : new MemoryAnalyticsStorage();
  const analytics = new AnalyticsProjector({
    store,
    storage: analyticsStorage,
    logger,
    stateOf: (storeId) => service.state(storeId),
    // The API's staffed hours count those still signed in up to now.
    clock,
    // Several processes on Redis: one folds each store as commits come (the others' reads of
    // the API and retention still catch up themselves).
    lease: adapterLinks ? new RedisLease(adapterLinks[0], prefix, 10_000, "analytics") : undefined,
  });
  const service: QueueService = new QueueService({
    store,
    logger,
    onAnswered: (command, result, ms) => metrics.commandDone(command, result, ms),
    maxQueuedPerStore: options.commandQueue?.perStore,
    maxQueued: options.commandQueue?.total,
    maxLagMs: options.commandQueue?.maxLagMs,
    readModels: analytics,
  });
  const limits = new RateLimits(
    options.rateLimits,
    adapterLinks ? { client: adapterLinks[0], prefix } : undefined,
  );
  const webhooks = new WebhookRegistry(deps.directory, {
    version: (storeId) => store.version(storeId),
    allowPrivate: options.webhooks?.allowPrivate,
  });
  const base = options.publicUrl.replace(/\/$/, "");
  const pageUrl = (page: string, storeId: string, fragment?: string) =>
    `${base}/${page}.html?store=${encodeURIComponent(storeId)}${fragment ? `#${fragment}` : ""}`;
  const customerUrl = (storeId: string, token: string) =>
    pageUrl("visit", storeId, `token=${token}`);

  // Filled in below, once socket.io is attached: revoking a device or a session ends its sockets.
  let endSockets = (_room: string, _reason: { code: string; message: string }) => {};
  const managerRoutes = managerRouter({
    service,
    credentials,
    metrics,
    clock,
    pageUrl,
    endSockets: (room, reason) => endSockets(room, reason),
    deviceRoom: rooms.device,
  });
  const push = await openPush(
    {
      service,
      logger,
      clock,
      customerUrl,
      publicUrl: options.publicUrl,
      redis: adapterLinks ? { link: adapterLinks[0], prefix } : undefined,
    },
    { sweepMs: options.timerIntervalMs === 0 ? 0 : undefined, ...options.push },
  );
  const staffingAdvice =
    options.staffingAdvice === "in-process" ? inProcess : new WorkerAdviceMaker(logger);
  const origins = new OriginPolicy(options.allowedOrigins ?? [new URL(options.publicUrl).origin]);
  const http = createHttpApp({
    service,
    store,
    credentials,
    limits,
    metrics,
    logger,
    clock,
    adminToken: options.adminToken,
    customerUrl,
    pageUrl,
    staticDir: options.staticDir,
    trustProxy: options.trustProxy,
    origins,
    managerRoutes,
    webhooks,
    push,
    analytics,
    staffingAdvice,
    endDevice: (storeId, deviceId) =>
      endSockets(rooms.device(storeId, deviceId), {
        code: "UNAUTHORIZED",
        message: "This device was unpaired.",
      }),
    endSession: (storeId, sessionId) =>
      endSockets(rooms.session(storeId, sessionId), {
        code: "UNAUTHORIZED",
        message: "You signed out.",
      }),
  });
  httpServer.on("request", http);

  const io = new Server<ClientToServerEvents, ServerToClientEvents, ServerEvents, SocketData>(
    httpServer,
    {
      maxHttpBufferSize: 64 * 1024,
      serveClient: false,
      // A tablet whose network went (no close ever comes) is known gone within 20 s, not
      // socket.io's 45 s: its disconnect grace and the manager's alert start from then.
      pingInterval: options.sockets?.pingIntervalMs ?? 10_000,
      pingTimeout: options.sockets?.pingTimeoutMs ?? 10_000,
      cors: { origin: origins.origins },
      // Checked before a connection is made (the first request of a polling client, or the
      // upgrade of a WebSocket one), refused with the code as the message.
      allowRequest: (req, answer) => {
        if (!origins.allows(req.headers)) return answer("ORIGIN_NOT_ALLOWED", false);
        limits.handshakeFrom(clientAddress(http, req)).then(
          (limited) => answer(limited ? "RATE_LIMITED" : null, !limited),
          (err: unknown) => {
            // The limit guards; a failure to count must not shut every device out.
            logger.warn({ err }, "counting a handshake failed");
            answer(null, true);
          },
        );
      },
    },
  );
  if (adapterLinks) {
    const [pub, sub] = adapterLinks;
    io.adapter(
      sharded
        ? createShardedAdapter(pub, sub, { channelPrefix: `${prefix}io` })
        : createAdapter(pub, sub, { key: `${prefix}io` }),
    );
  }

  endSockets = (room, reason) => {
    io.in(room).emit("session:ended", reason);
    io.in(room).disconnectSockets(true);
  };
  const publisher = new Publisher(io, service, logger, clock, redisLinks.length > 0);
  // The line's length is counted once per batch (its commits come in one turn), not per commit:
  // counting is as long as the line.
  const lineCounts = new Map<string, StoreState>();
  service.events.on("committed", ({ storeId, state }) => {
    if (!lineCounts.has(storeId))
      queueMicrotask(() => {
        const newest = lineCounts.get(storeId) ?? state;
        lineCounts.delete(storeId);
        metrics.waiting.set(
          { store: storeId },
          newest.visits.count((v) => v.status === "waiting"),
        );
      });
    lineCounts.set(storeId, state);
    publisher.committed(storeId, state);
  });
  // Webhooks read their events from the log after a durable cursor; a commit only wakes the
  // store's sender. On Redis a lease per store keeps the processes from sending them twice.
  const dispatcher = new WebhookDispatcher({
    registry: webhooks,
    store,
    lease: adapterLinks
      ? new RedisLease(adapterLinks[0], prefix, options.webhooks?.leaseMs)
      : localLease,
    logger,
    onOutcome: (result) => metrics.webhookDeliveries.inc({ result }),
    options: options.webhooks,
  });
  dispatcher.start();
  // Timer lag sees only this process's commits, so each is measured once.
  const timerLag = new TimerLagMeter((ms) => metrics.timerLag.observe(ms / 1000));
  service.events.on("committed", (committed) => {
    timerLag.committed(committed);
    dispatcher.kick(committed.storeId);
    analytics.committed(committed.commit);
    push.committed(committed);
  });
  push.start();
  const sockets = attachSockets({
    io,
    service,
    credentials,
    publisher,
    limits,
    metrics,
    logger,
    clock,
    customerUrl,
  });
  publisher.absentTablet = (identity) => sockets.reassert(identity);

  const timers = new TimerLoop({ service, logger, clock, intervalMs: options.timerIntervalMs });
  if (options.timerIntervalMs !== 0) await timers.start();
  let refreshing: Promise<void> | undefined;
  const refreshEstimates = () => {
    refreshing ??= publisher.refreshEstimates().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
  const refreshMs = options.estimateRefreshMs ?? 5000;
  const refresher =
    refreshMs > 0 ? setInterval(() => void refreshEstimates(), refreshMs) : undefined;
  refresher?.unref();

  let closing: Promise<void> | undefined;
  return {
    io,
    service,
    credentials,
    metrics,
    push,
    refreshEstimates,
    close() {
      closing ??= (async () => {
        clearInterval(refresher);
        await timers.stop();
        await refreshing;
        // Stop accepting: refuse new connections, drop the sockets, let commands in flight end.
        const trackingDone = sockets.shutdown();
        await new Promise<void>((resolve) => {
          io.close(() => resolve());
        });
        await trackingDone();
        await service.drain();
        await dispatcher.close();
        await staffingAdvice.close();
        await analytics.close();
        await push.close();
        await store.close();
        await deps.directory.close();
        for (const link of redisLinks) if (link.isOpen) await link.close();
      })();
      return closing;
    },
  };
}
