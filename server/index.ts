import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { openDirectory } from "./auth/directory.js";
import { readConfig, redisTarget } from "./config.js";
import { createApp } from "./create-app.js";
import { ensureDemoStore } from "./demo.js";
import { createLogger } from "./logger.js";
import { openStore } from "./store/open-store.js";

/** The entry point: reads and checks the configuration, starts the server, stops it on SIGTERM. */
const read = readConfig(process.env);
if (!read.ok) {
  console.error("Undivided cannot start; fix these environment variables:");
  for (const problem of read.problems) console.error(`  ${problem}`);
  process.exit(2);
}
const config = read.config;
const redis = redisTarget(config);
const demo = process.argv.includes("--demo");
const logger = createLogger({ level: config.LOG_LEVEL });
// The demo prints its admin token; a real deployment sets ADMIN_TOKEN (or has no admin API).
const adminToken =
  config.ADMIN_TOKEN ?? (demo ? `demo-admin-${randomBytes(12).toString("hex")}` : undefined);

const store = await openStore({
  redisUrl: redis,
  waitReplicas: config.REDIS_WAIT_REPLICAS,
  redisPrefix: config.REDIS_PREFIX,
  dataDir: config.DATA_DIR,
  logger,
});
const directory = await openDirectory({
  redisUrl: redis,
  redisPrefix: config.REDIS_PREFIX,
  dataDir: config.DATA_DIR,
});
const publicUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
const staticDir = fileURLToPath(new URL("../client/dist", import.meta.url));
const httpServer = createServer();
const app = await createApp(
  httpServer,
  { store, directory, logger, redisUrl: redis, redisPrefix: config.REDIS_PREFIX },
  {
    publicUrl,
    adminToken,
    timerIntervalMs: config.TIMER_INTERVAL_MS,
    trustProxy: config.TRUST_PROXY,
    allowedOrigins: config.ALLOWED_ORIGINS,
    commandQueue: {
      perStore: config.MAX_QUEUED_PER_STORE,
      total: config.MAX_QUEUED,
      maxLagMs: config.MAX_LAG_MS,
    },
    rateLimits: {
      kioskCheckInsPerMin: config.RATE_LIMIT_KIOSK_CHECKINS,
      ipCheckInsPerMin: config.RATE_LIMIT_IP_CHECKINS,
      signInsPerMin: config.RATE_LIMIT_SIGNINS,
      httpPerMin: config.RATE_LIMIT_HTTP,
      handshakesPerMin: config.RATE_LIMIT_HANDSHAKES,
    },
    staticDir: existsSync(staticDir) ? staticDir : undefined,
    webhooks: { allowPrivate: config.WEBHOOKS_ALLOW_PRIVATE },
    analytics: { dataDir: redis ? undefined : config.DATA_DIR },
    push: {
      dataDir: redis ? undefined : config.DATA_DIR,
      vapid: {
        publicKey: config.VAPID_PUBLIC_KEY,
        privateKey: config.VAPID_PRIVATE_KEY,
        subject: config.VAPID_SUBJECT,
      },
      allowPrivate: config.PUSH_ALLOW_PRIVATE,
    },
  },
);
await new Promise<void>((resolve) => httpServer.listen(config.PORT, config.HOST, resolve));
logger.info({ port: config.PORT, store: store.kind, publicUrl }, "listening");

if (demo) {
  const details = await ensureDemoStore(app, config.DATA_DIR, logger);
  const page = (name: string, fragment = "") =>
    `${publicUrl}/${name}.html?store=${details.storeId}${fragment ? `#${fragment}` : ""}`;
  const lines = [
    "",
    `Undivided is running on ${publicUrl} (${store.kind} store${store.kind === "embedded" ? `, data in ${config.DATA_DIR}` : ""}).`,
    "",
    "Pages of the demo store:",
    `  Kiosk (by the door)     ${page("kiosk", `token=${details.kioskToken}`)}`,
    `  Wall display            ${page("display", `token=${details.displayToken}`)}`,
    `  Associate tablet        ${page("tablet")}`,
    `  Manager console         ${page("manager")}`,
    `  Call-ahead join page    ${page("join")}`,
    "  Customer page           the link on each ticket (kiosk or join page)",
    "",
    "Sign in on the tablet or console with:",
    ...details.associates.map(
      (a) =>
        `  ${a.associateId.padEnd(7)} PIN ${a.pin}   ${a.name}${a.manager ? " (manager)" : ""}, ${a.skills.join("/")}`,
    ),
    "",
    `Admin API token (this run): ${adminToken}`,
    `Health: ${publicUrl}/healthz   Metrics: ${publicUrl}/metrics`,
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  await app.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
