import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { nanoid } from "nanoid";
import { QueueService } from "../server/app/queue-service.js";
import { Credentials, SESSION_TTL_MS } from "../server/auth/credentials.js";
import { type Directory, openDirectory } from "../server/auth/directory.js";
import { createApp } from "../server/create-app.js";
import { createLogger, silentLogger } from "../server/logger.js";
import type { RedisTarget } from "../server/redis-client.js";
import type { EventStore } from "../server/store/event-store.js";
import { openMemoryStore } from "../server/store/memory-store.js";
import { openStore } from "../server/store/open-store.js";
import { openRedisStore } from "../server/store/redis-store.js";
import type { StoreSettingsInput } from "../shared/settings.js";
import type { AssociateView } from "../shared/views.js";
import {
  type Dialect,
  type LoadFigures,
  type ServerChild,
  type StoreAuth,
  connectAll,
  runLoad,
  spawnServer,
} from "./load-driver.js";

/**
 * The real-time server under load (`npm run bench -- load`): one server process on Redis, S
 * stores × (A associate tablets + manager + display) and a kiosk each. Check-ins at a fixed rate;
 * associates accept what their tablet offers and complete after a random service time. Then the
 * same at a higher rate for commands/s, and a fresh process holding many idle connections for
 * RSS per connection.
 */

/** The Redis the benchmark provisions and its servers use: one Redis, or a cluster (see `useRedis`). */
let url: RedisTarget = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Runs what follows on this Redis target (a cluster's is `cluster:redis://…,…`). */
export function useRedis(target: RedisTarget): void {
  url = target;
}

export interface LoadBenchOptions {
  stores: number;
  /** Associate tablets per store, besides the manager's. */
  associates: number;
  /** Check-ins per second for the latency run. */
  rate: number;
  /** Check-ins per second for the throughput run (3 client commands per visit); 0 skips it. */
  throughputRate: number;
  /** Associate tablets per store in the throughput run. */
  throughputAssociates: number;
  /** Service time range of the throughput run, ms. */
  throughputServiceMs: [number, number];
  durationMs: number;
  /** Connections held open for the idle RSS figure; 0 skips it. */
  idleConnections: number;
  /**
   * Server processes sharing the Redis for the latency and throughput runs (1 if not given):
   * each store's sockets are spread over them (see `LoadOptions.url`); CPU and RSS are summed.
   */
  processes?: number;
}

export const defaultLoadOptions: LoadBenchOptions = {
  stores: Number(process.env.BENCH_STORES ?? 100),
  associates: Number(process.env.BENCH_ASSOCIATES ?? 23),
  rate: Number(process.env.BENCH_RATE ?? 100),
  throughputRate: Number(process.env.BENCH_THROUGHPUT_RATE ?? 1000),
  throughputAssociates: Number(
    process.env.BENCH_THROUGHPUT_ASSOCIATES ?? process.env.BENCH_ASSOCIATES ?? 23,
  ),
  throughputServiceMs: (process.env.BENCH_THROUGHPUT_SERVICE_MS ?? "200-1200")
    .split("-")
    .map(Number) as [number, number],
  durationMs: Number(process.env.BENCH_DURATION_MS ?? 20_000),
  idleConnections: Number(process.env.BENCH_IDLE_CONNECTIONS ?? 10_000),
};

export interface LoadBenchFigures {
  latency: LoadFigures & { rssPerActiveConnectionKb: number };
  throughput?: LoadFigures;
  idle?: {
    connections: number;
    rssBeforeMb: number;
    rssAfterMb: number;
    rssPerConnectionKb: number;
  };
}

const settings: StoreSettingsInput = {
  name: "Bench store",
  timezone: "Europe/Kyiv",
  languages: ["en"],
  topics: [
    { id: "phones", name: "Phones", letter: "P", skill: "phones", expectedServiceMin: 6 },
    { id: "fitting", name: "Fitting room", letter: "F", skill: "fashion", expectedServiceMin: 4 },
    { id: "returns", name: "Returns", letter: "R", skill: "service", expectedServiceMin: 3 },
  ],
  offerTimeoutSec: 600,
  disconnectGraceSec: 600,
  wrapUpSec: 0,
};
/** The bench store's topic ids, every associate skilled for each. */
export const TOPICS = ["phones", "fitting", "returns"];

/** The real server's views: a tablet's offer is `view.offer`. */
export const undividedDialect: Dialect = {
  checkIn: (_store, seq) => ({ topicId: TOPICS[seq % TOPICS.length] }),
  offerIn: (view) => {
    const offer = (view as AssociateView).offer;
    return offer ? { visitId: offer.visit.visitId, accept: { offerId: offer.offerId } } : null;
  },
};

/**
 * Creates stores with their associates (all signed in, every skill) and devices, straight
 * through the queue service and the credentials on the same Redis prefix as the server.
 * Sessions are written into the directory as `Credentials.signIn` writes them: signing 2,400
 * associates in over HTTP would cost a scrypt hash each and trip the sign-in rate limit.
 */
export async function provision(
  prefix: string,
  storeIds: string[],
  associates: number,
): Promise<StoreAuth[]> {
  const store = await openRedisStore({ url, prefix, logger: silentLogger });
  const directory = await openDirectory({ redisUrl: url, redisPrefix: prefix });
  return provisionInto(store, directory, storeIds, associates);
}

/**
 * The same for the embedded store: written into `dataDir`'s journal and directory file, which
 * a server started on that directory (`BENCH_EMBEDDED=1 DATA_DIR=…`) replays at start.
 */
export async function provisionEmbedded(
  dataDir: string,
  storeIds: string[],
  associates: number,
): Promise<StoreAuth[]> {
  const store = await openMemoryStore({ dataDir, logger: silentLogger });
  const directory = await openDirectory({ dataDir });
  return provisionInto(store, directory, storeIds, associates);
}

/** Provisions through `store` and `directory`, then closes both. */
async function provisionInto(
  store: EventStore,
  directory: Directory,
  storeIds: string[],
  associates: number,
): Promise<StoreAuth[]> {
  const service = new QueueService({ store, logger: silentLogger });
  const credentials = new Credentials(directory);
  try {
    const auths: StoreAuth[] = [];
    for (let i = 0; i < storeIds.length; i += 20) {
      auths.push(
        ...(await Promise.all(
          storeIds
            .slice(i, i + 20)
            .map((storeId) => provisionStore(service, credentials, directory, storeId, associates)),
        )),
      );
    }
    return auths;
  } finally {
    await service.drain();
    await store.close();
    await directory.close();
  }
}

async function provisionStore(
  service: QueueService,
  credentials: Credentials,
  directory: Directory,
  storeId: string,
  associates: number,
): Promise<StoreAuth> {
  const must = async (input: Record<string, unknown>) => {
    const result = await service.execute(storeId, { requestId: nanoid(), ...input }, Date.now());
    if (!result.ok) throw new Error(`${storeId} ${String(input.type)}: ${result.error.message}`);
  };
  await must({ type: "store:create", settings });
  const tablets: Array<Record<string, unknown>> = [];
  for (let a = 0; a <= associates; a++) {
    const associateId = a === associates ? "manager" : `a${a}`;
    await must({
      type: "associate:register",
      associateId,
      name: `Associate ${a}`,
      skills: ["phones", "fashion", "service"],
      languages: ["en"],
      manager: a === associates,
    });
    await must({ type: "associate:sign-in", associateId });
    const sessionToken = `ses_${nanoid(32)}`;
    const hash = createHash("sha256").update(sessionToken).digest("hex");
    await directory.set(
      storeId,
      `session:${hash}`,
      { sessionId: nanoid(12), associateId, createdAt: Date.now() },
      SESSION_TTL_MS,
    );
    tablets.push({ storeId, sessionToken });
  }
  const kiosk = await credentials.issueDevice(storeId, "kiosk", "bench kiosk");
  const display = await credentials.issueDevice(storeId, "display", "bench display");
  return {
    storeId,
    kiosk: { storeId, deviceToken: kiosk.token },
    display: { storeId, deviceToken: display.token },
    tablets,
  };
}

/**
 * Deletes the benchmark's keys. tests/support/redis.ts is imported here, not at the top: it
 * probes REDIS_URL when loaded, and a server child (`--serve`) on a cluster has a `cluster:…`
 * REDIS_URL, which a plain client cannot parse.
 */
export async function deleteKeys(prefix: string): Promise<void> {
  const { deleteUnder } = await import("../tests/support/redis.js");
  await deleteUnder(url, prefix);
}

const storeIds = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}${i}`);

export async function benchLoad(
  options: LoadBenchOptions = defaultLoadOptions,
): Promise<LoadBenchFigures> {
  const prefix = `bench-${nanoid(8).replace(/[^A-Za-z0-9]/g, "x")}:`;
  const env = { REDIS_URL: url, REDIS_PREFIX: prefix };
  try {
    // Latency at the target rate, then throughput at a higher one, on one server process (or
    // `options.processes` of them, every store's sockets spread over them).
    const servers: ServerChild[] = [];
    let latency: LoadBenchFigures["latency"];
    let throughput: LoadBenchFigures["throughput"];
    try {
      for (let p = 0; p < (options.processes ?? 1); p++)
        servers.push(await spawnServer("bench/load.ts", env));
      const urls = servers.map((s) => s.url);
      const rssKb = () => servers.reduce((sum, s) => sum + s.rssKb(), 0);
      const cpuSeconds = () => servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
      const stores = await provision(prefix, storeIds("lat", options.stores), options.associates);
      const rssBefore = rssKb();
      let rssAfterConnect = rssBefore;
      const figures = await runLoad({
        url: urls,
        stores,
        dialect: undividedDialect,
        rate: options.rate,
        durationMs: options.durationMs,
        warmUpMs: 3000,
        serviceMs: [2000, 8000],
        serverCpuSeconds: cpuSeconds,
        onConnected: () => {
          rssAfterConnect = rssKb();
        },
      });
      latency = {
        ...figures,
        rssPerActiveConnectionKb: Math.round((rssAfterConnect - rssBefore) / figures.connections),
      };
      if (options.throughputRate > 0) {
        // Fresh stores, so no associate still holds a visit from the run before.
        const busy = await provision(
          prefix,
          storeIds("tp", options.stores),
          options.throughputAssociates,
        );
        throughput = await runLoad({
          url: urls,
          stores: busy,
          dialect: undividedDialect,
          rate: options.throughputRate,
          durationMs: options.durationMs,
          warmUpMs: 3000,
          serviceMs: options.throughputServiceMs,
          serverCpuSeconds: cpuSeconds,
        });
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    const idle = options.idleConnections > 0 ? await idleRss(prefix, env, options) : undefined;
    return { latency, throughput, idle };
  } finally {
    await deleteKeys(prefix);
  }
}

/**
 * RSS per idle connection: a fresh server process, one display per store connected first (so
 * every store's state is loaded), then the rest of the connections; nothing else happens.
 */
async function idleRss(
  prefix: string,
  env: Record<string, string>,
  options: LoadBenchOptions,
): Promise<LoadBenchFigures["idle"]> {
  const perStore = options.associates + 2;
  const stores = Math.ceil(options.idleConnections / perStore);
  const auths = await provision(prefix, storeIds("idle", stores), options.associates);
  const server = await spawnServer("bench/load.ts", env);
  try {
    const first = await connectAll(
      server.url,
      auths.map((a) => a.display),
    );
    await delay(2000);
    const before = server.rssKb();
    const rest = await connectAll(
      server.url,
      auths.flatMap((a) => a.tablets).slice(0, options.idleConnections - first.length),
    );
    await delay(3000);
    const after = server.rssKb();
    const connections = rest.length;
    for (const socket of [...first, ...rest]) socket.close();
    return {
      connections: connections + first.length,
      rssBeforeMb: Math.round(before / 1024),
      rssAfterMb: Math.round(after / 1024),
      rssPerConnectionKb: Number(((after - before) / connections).toFixed(1)),
    };
  } finally {
    await server.stop();
  }
}

/**
 * `node --import tsx bench/load.ts --serve`: the server as server/index.ts wires it (Redis
 * store, Redis adapter, timers), with the per-device and per-address rate limits lifted, since
 * one benchmark client is every kiosk and address at once. With `BENCH_EMBEDDED=1` it runs on
 * the embedded store instead (no Redis at all), its journal and directory in `DATA_DIR`.
 */
async function serve(): Promise<void> {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
  const embedded = process.env.BENCH_EMBEDDED === "1";
  const redisUrl = embedded ? undefined : (process.env.REDIS_URL ?? url);
  const redisPrefix = process.env.REDIS_PREFIX ?? "undivided:";
  const dataDir = process.env.DATA_DIR ?? "./data";
  const port = Number(process.env.PORT ?? 3000);
  const store = await openStore({ redisUrl, redisPrefix, dataDir, logger });
  const directory = await openDirectory({ redisUrl, redisPrefix, dataDir });
  const httpServer = createServer();
  const unlimited = 1_000_000_000;
  const app = await createApp(
    httpServer,
    { store, directory, logger, redisUrl, redisPrefix },
    {
      publicUrl: `http://127.0.0.1:${port}`,
      rateLimits: {
        kioskCheckInsPerMin: unlimited,
        ipCheckInsPerMin: unlimited,
        signInsPerMin: unlimited,
        httpPerMin: unlimited,
        handshakesPerMin: unlimited,
      },
    },
  );
  await new Promise<void>((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  process.stdout.write(`${JSON.stringify({ msg: "listening", port })}\n`);
  process.on("SIGTERM", () => {
    // BENCH_COUNTERS=1: commits, races lost to another process (conflicts), duplicates and
    // batches over the whole run, as a line the benchmark prints on stderr (`[server] …`).
    if (process.env.BENCH_COUNTERS === "1")
      process.stdout.write(
        `${JSON.stringify({ msg: "queue service counters", ...app.service.counters })}\n`,
      );
    void app.close().then(() => process.exit(0));
  });
}

if (
  process.argv.includes("--serve") &&
  import.meta.url === pathToFileURL(process.argv[1] ?? "").href
)
  await serve();
