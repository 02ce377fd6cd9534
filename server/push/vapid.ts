import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import webpush from "web-push";
import { type RedisLink, sendCommand } from "../redis-client.js";
import { pushKeys } from "./push-keys.js";

/** The deployment's VAPID identity: push services check every message's signature against it. */
export interface VapidKeys {
  /** base64url of the uncompressed P-256 public key (what browsers take as `applicationServerKey`). */
  publicKey: string;
  privateKey: string;
  /** A `mailto:` or `https:` URL push services may contact about this sender. */
  subject: string;
}

/** Keys given in the configuration (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT). */
export interface ConfiguredVapid {
  publicKey?: string;
  privateKey?: string;
  subject?: string;
}

const FILE = "vapid.json";

/**
 * The embedded back end's keys: `<dataDir>/vapid.json`, made at the first start (written to a
 * temporary file with mode 0600, synced, renamed into place) and read at every later one.
 */
export async function fileVapidKeys(
  dataDir: string,
): Promise<{ publicKey: string; privateKey: string }> {
  const path = join(dataDir, FILE);
  try {
    return parseKeys(await readFile(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const keys = webpush.generateVAPIDKeys();
  const temp = `${path}.${randomBytes(4).toString("hex")}.new`;
  const file = await open(temp, "wx", 0o600);
  try {
    await file.writeFile(JSON.stringify(keys));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  return keys;
}

/**
 * The Redis back end's keys: one key, `<prefix>push:vapid`, set with NX so that processes
 * starting together agree on the first pair written; every process then reads that one.
 */
export async function redisVapidKeys(
  link: RedisLink,
  prefix: string,
): Promise<{ publicKey: string; privateKey: string }> {
  const key = pushKeys(prefix).vapid;
  const fresh = webpush.generateVAPIDKeys();
  await sendCommand(link, key, ["SET", key, JSON.stringify(fresh), "NX"]);
  const stored = await sendCommand<string | null>(link, key, ["GET", key]);
  if (stored === null) throw new Error(`${key} vanished right after it was set`);
  return parseKeys(stored);
}

/**
 * The keys to sign with: the configured pair if both halves are set (checked by web-push),
 * else `stored()` (the store's own pair, made at first start).
 */
export async function vapidKeys(
  configured: ConfiguredVapid,
  stored: () => Promise<{ publicKey: string; privateKey: string }>,
  publicUrl: string,
): Promise<VapidKeys> {
  const subject = configured.subject ?? defaultSubject(publicUrl);
  if (configured.publicKey && configured.privateKey) {
    webpush.setVapidDetails(subject, configured.publicKey, configured.privateKey);
    return { publicKey: configured.publicKey, privateKey: configured.privateKey, subject };
  }
  return { ...(await stored()), subject };
}

/** Push services want a contactable https URL or mailto; an http PUBLIC_URL becomes a mailto. */
function defaultSubject(publicUrl: string): string {
  const url = new URL(publicUrl);
  return url.protocol === "https:" ? url.origin : `mailto:push@${url.hostname}`;
}

function parseKeys(text: string): { publicKey: string; privateKey: string } {
  const keys = JSON.parse(text) as { publicKey?: unknown; privateKey?: unknown };
  if (typeof keys.publicKey !== "string" || typeof keys.privateKey !== "string")
    throw new Error("stored VAPID keys are malformed");
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}
