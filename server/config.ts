import { z } from "zod";
import { type RedisTarget, clusterTarget } from "./redis-client.js";

const perMinute = (fallback: number) =>
  z.coerce.number().int().min(1).max(1_000_000).default(fallback);

/** Everything the server reads from its environment, checked once at start. */
const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    /** Where customers and devices reach the server (links, QR codes). Default http://localhost:PORT. */
    PUBLIC_URL: z.url().optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/.+/, "a redis:// or rediss:// URL")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    /**
     * A Redis Cluster instead of one Redis: its seed nodes, comma-separated redis:// URLs (any
     * few of its masters; the rest are found). Not with REDIS_URL.
     */
    REDIS_CLUSTER_NODES: z
      .string()
      .transform((value, ctx) => {
        const nodes = value.split(",").map((node) => node.trim());
        const bad = nodes.filter((node) => !/^rediss?:\/\/[^,\s]+$/.test(node));
        if (bad.length > 0 || nodes.length === 0)
          ctx.addIssue({
            code: "custom",
            message: `comma-separated redis:// URLs; not one: ${bad.map((b) => JSON.stringify(b)).join(", ")}`,
          });
        return nodes;
      })
      .optional()
      .or(z.literal("").transform(() => undefined)),
    /**
     * Redis replicas each batch of commands must reach before it is acknowledged (WAIT), so a
     * fail-over loses nothing acknowledged. 0: acknowledged once the primary has it.
     */
    REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(10).default(0),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,40}$/, "1–40 of A-Z a-z 0-9 _ : . -")
      .default("undivided:"),
    DATA_DIR: z.string().min(1).default("./data"),
    /** Guards the admin and integration API; at least 24 characters. Unset: those APIs refuse everyone. */
    ADMIN_TOKEN: z.string().min(24, "at least 24 characters").optional(),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    /** Which proxies in front may tell the client's address (rate limits): loopback, a hop count, subnets. */
    TRUST_PROXY: z.string().min(1).max(200).default("loopback"),
    /** Timer poll interval in ms. */
    TIMER_INTERVAL_MS: z.coerce.number().int().min(20).max(10_000).default(250),
    /** Rate limits, per minute (shared by every process through Redis when REDIS_URL is set). */
    RATE_LIMIT_KIOSK_CHECKINS: perMinute(30),
    RATE_LIMIT_IP_CHECKINS: perMinute(10),
    RATE_LIMIT_SIGNINS: perMinute(20),
    RATE_LIMIT_HTTP: perMinute(600),
    RATE_LIMIT_HANDSHAKES: perMinute(300),
    /**
     * Origins (scheme://host[:port], comma separated) whose pages may use the HTTP API and
     * socket.io. Default: PUBLIC_URL's origin. Requests without an Origin header and pages of the
     * server itself (an Origin whose host is the request's Host) are always let in.
     */
    ALLOWED_ORIGINS: z
      .string()
      .transform((value, ctx) => {
        const items = value.split(",").map((item) => item.trim());
        const bad = items.filter((item) => originOf(item) === undefined);
        if (bad.length > 0)
          ctx.addIssue({
            code: "custom",
            message: `not origins (scheme://host[:port]): ${bad.map((b) => JSON.stringify(b)).join(", ")}`,
          });
        return items.map(originOf).filter((origin) => origin !== undefined);
      })
      .optional(),
    /**
     * Let webhook URLs point at loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
     * link-local or unspecified addresses; refused by default. For tests and local receivers.
     */
    WEBHOOKS_ALLOW_PRIVATE: z
      .enum(["true", "false"], "true or false")
      .default("false")
      .transform((value) => value === "true"),
    /**
     * Web Push (customers' notifications with the tab closed): a VAPID key pair to sign with,
     * base64url as `npx web-push generate-vapid-keys` prints them; both or neither. Unset: the
     * pair made at the first start and kept with the store's data (DATA_DIR or Redis).
     */
    VAPID_PUBLIC_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{87}$/, "base64url of a 65-byte P-256 public key")
      .optional(),
    VAPID_PRIVATE_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, "base64url of a 32-byte P-256 private key")
      .optional(),
    /** Who push services may contact about this sender: mailto: or https:. Default from PUBLIC_URL. */
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, "a mailto: or https: URL")
      .optional(),
    /**
     * Let push endpoints be plain http or on loopback/private addresses. Tests only: a browser's
     * push service is always a public https URL.
     */
    PUSH_ALLOW_PRIVATE: z
      .enum(["true", "false"], "true or false")
      .default("false")
      .transform((value) => value === "true"),
    MAX_QUEUED_PER_STORE: z.coerce.number().int().min(1).max(100_000).default(200),
    MAX_QUEUED: z.coerce.number().int().min(1).max(1_000_000).default(5000),
    MAX_LAG_MS: z.coerce.number().int().min(10).max(600_000).default(500),
  })
  .superRefine((c, ctx) => {
    if (c.REDIS_URL && c.REDIS_CLUSTER_NODES)
      ctx.addIssue({
        code: "custom",
        path: ["REDIS_CLUSTER_NODES"],
        message: "set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a cluster), not both",
      });
    if ((c.VAPID_PUBLIC_KEY === undefined) !== (c.VAPID_PRIVATE_KEY === undefined))
      ctx.addIssue({
        code: "custom",
        path: [c.VAPID_PUBLIC_KEY === undefined ? "VAPID_PUBLIC_KEY" : "VAPID_PRIVATE_KEY"],
        message: "set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY together (or neither)",
      });
  });

/** The Redis the configuration names (one server or a cluster), if any. */
export const redisTarget = (config: Config): RedisTarget | undefined =>
  config.REDIS_URL ??
  (config.REDIS_CLUSTER_NODES ? clusterTarget(config.REDIS_CLUSTER_NODES) : undefined);

/** `scheme://host[:port]` of an http(s) URL, or undefined if `value` is not one. */
function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    if (url.pathname !== "/" || url.search || url.hash || url.username) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

export type Config = z.infer<typeof configSchema>;

/** The configuration, or every problem with it, one line per bad variable. */
export function readConfig(
  env: NodeJS.ProcessEnv,
): { ok: true; config: Config } | { ok: false; problems: string[] } {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      const secret = name.endsWith("TOKEN") || name.endsWith("PRIVATE_KEY");
      const shown = secret ? "(hidden)" : JSON.stringify(env[name]);
      return `${name}: ${i.message} (got ${shown})`;
    }),
  };
}
