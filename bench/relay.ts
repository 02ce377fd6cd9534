import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { nanoid } from "nanoid";
import { createClient } from "redis";
import { Server } from "socket.io";
import {
  type Dialect,
  type LoadFigures,
  type StoreAuth,
  type StoreRun,
  connectAll,
  runLoad,
  spawnServer,
} from "./load-driver.js";

/**
 * The floor under the real server (`npm run bench -- relay`): socket.io in, one Redis script,
 * socket.io out, nothing else. Each event runs one script (bump the store's version and append
 * the event to its stream), is broadcast to the store's room, and is acknowledged. The kiosk
 * names the tablet that gets each visit, so the relay decides nothing. Measured with the same
 * load generator as the real server.
 */

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** KEYS[1] version, KEYS[2] log stream; ARGV[1] the event as JSON. Returns the new version. */
const APPEND = `local v = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], '0-' .. v, 'c', ARGV[1])
return v`;
const APPEND_SHA = createHash("sha1").update(APPEND).digest("hex");

/** The relay's messages: the event as sent, with the tablet a check-in is for. */
export const relayDialect: Dialect = {
  checkIn: (store: StoreRun, seq: number) => {
    const [to = seq % store.auth.tablets.length] = store.free;
    store.free.delete(to);
    return { visitId: `v${seq}`, to };
  },
  offerIn: (view, me) => {
    const message = view as { event?: string; visitId?: string; to?: number };
    return message.event === "visit:check-in" && message.to === me && message.visitId
      ? { visitId: message.visitId, accept: { visitId: message.visitId } }
      : null;
  },
};

export interface RelayBenchOptions {
  stores: number;
  associates: number;
  rate: number;
  durationMs: number;
}

export async function benchRelay(options: RelayBenchOptions): Promise<LoadFigures> {
  const prefix = `relay-${nanoid(8).replace(/[^A-Za-z0-9]/g, "x")}:`;
  const server = await spawnServer("bench/relay.ts", { REDIS_URL: url, REDIS_PREFIX: prefix });
  try {
    const stores: StoreAuth[] = Array.from({ length: options.stores }, (_, s) => {
      const storeId = `r${s}`;
      return {
        storeId,
        kiosk: { storeId },
        display: { storeId },
        tablets: Array.from({ length: options.associates + 1 }, () => ({ storeId })),
      };
    });
    return await runLoad({
      url: server.url,
      stores,
      dialect: relayDialect,
      rate: options.rate,
      durationMs: options.durationMs,
      warmUpMs: 3000,
      serviceMs: [2000, 8000],
      serverCpuSeconds: server.cpuSeconds,
    });
  } finally {
    await server.stop();
    const client = createClient({ url });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
      if (keys.length > 0) await client.del(keys);
    await client.close();
  }
}

/** `node --import tsx bench/relay.ts --serve`: the relay server. */
/**
 * RSS per idle connection of the relay (bare socket.io on ws, the same server options as the
 * real server), measured as the real server's idle figure is: the floor under that figure.
 */
export async function relayIdleRss(
  connections: number,
): Promise<{ connections: number; rssPerConnectionKb: number }> {
  const prefix = `relay-${nanoid(8).replace(/[^A-Za-z0-9]/g, "x")}:`;
  const server = await spawnServer("bench/relay.ts", { REDIS_URL: url, REDIS_PREFIX: prefix });
  try {
    const first = await connectAll(server.url, [{ storeId: "idle-0" }]);
    await delay(2000);
    const before = server.rssKb();
    const rest = await connectAll(
      server.url,
      Array.from({ length: connections - 1 }, (_, i) => ({ storeId: `idle-${i % 400}` })),
    );
    await delay(3000);
    const after = server.rssKb();
    for (const socket of [...first, ...rest]) socket.close();
    return {
      connections: rest.length + 1,
      rssPerConnectionKb: Number(((after - before) / rest.length).toFixed(1)),
    };
  } finally {
    await server.stop();
  }
}

async function serve(): Promise<void> {
  const prefix = process.env.REDIS_PREFIX ?? "relay:";
  const port = Number(process.env.PORT ?? 3000);
  const redis = createClient({ url: process.env.REDIS_URL ?? url });
  await redis.connect();
  await redis.sendCommand(["SCRIPT", "LOAD", APPEND]);
  const httpServer = createServer();
  const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
  io.on("connection", (socket) => {
    const storeId = String((socket.handshake.auth as { storeId?: unknown }).storeId);
    const room = `s:${storeId}`;
    void socket.join(room);
    socket.emit("view:patch", { version: 0, since: -1, patch: { "=": {} } });
    socket.onAny((event: string, payload: Record<string, unknown>, ack: unknown) => {
      if (typeof ack !== "function") return;
      const keys = [`${prefix}{${storeId}}:version`, `${prefix}{${storeId}}:log`];
      void (
        redis.sendCommand([
          "EVALSHA",
          APPEND_SHA,
          "2",
          ...keys,
          JSON.stringify({ event, payload }),
        ]) as Promise<number>
      ).then((version) => {
        io.to(room).emit("view:patch", {
          version,
          since: -1,
          patch: { "=": { event, ...payload } },
        });
        ack({ ok: true, data: { visitId: payload.visitId, version } });
      });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  process.stdout.write(`${JSON.stringify({ msg: "listening", port })}\n`);
  process.on("SIGTERM", () => {
    io.close();
    void redis.close().then(() => process.exit(0));
  });
}

if (
  process.argv.includes("--serve") &&
  import.meta.url === pathToFileURL(process.argv[1] ?? "").href
)
  await serve();
