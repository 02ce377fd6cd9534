import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { type RedisLink, sendCommand } from "../redis-client.js";
import { pushKeys } from "./push-keys.js";

/** What a browser's `PushSubscription.toJSON()` gives, checked, plus the customer's choices. */
export interface StoredSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The language messages are written in. */
  language: string;
  /** "Tell me when this many are ahead of me"; null: when I'm next. */
  nearAhead: number | null;
  savedAt: number;
}

/** The kinds of message; each is sent at most once per visit. */
export type PushKind = "ahead" | "coming" | "hold";

/**
 * Where customers' push subscriptions are kept, one per visit, with the store's data: on the
 * embedded back end a file in the data directory, on Redis a hash per store in the store's slot.
 */
export interface SubscriptionStore {
  save(storeId: string, visitId: string, subscription: StoredSubscription): Promise<void>;
  remove(storeId: string, visitId: string): Promise<void>;
  /** Every subscription of the store, by visit id. */
  all(storeId: string): Promise<Map<string, StoredSubscription>>;
  /** Stores that have (or had) subscriptions. */
  stores(): Promise<string[]>;
  /** True for the one caller that may send this visit's message of this kind; false after. */
  claim(storeId: string, visitId: string, kind: PushKind): Promise<boolean>;
  close(): Promise<void>;
}

interface FileEntry extends StoredSubscription {
  sent: PushKind[];
}

/**
 * The embedded store: memory, written whole to `<dataDir>/push-subscriptions.json` after every
 * change (a temporary file with mode 0600, synced, renamed over the old one); memory only
 * without a data directory. One process owns the data directory, so claims need no more.
 */
export class FileSubscriptions implements SubscriptionStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string | undefined,
    /** `<storeId>/<visitId>` → entry. */
    private readonly entries: Map<string, FileEntry>,
  ) {}

  static async open(dataDir: string | undefined): Promise<FileSubscriptions> {
    if (!dataDir) return new FileSubscriptions(undefined, new Map());
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, "push-subscriptions.json");
    let entries = new Map<string, FileEntry>();
    try {
      entries = new Map(Object.entries(JSON.parse(await readFile(path, "utf8"))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    return new FileSubscriptions(path, entries);
  }

  async save(storeId: string, visitId: string, subscription: StoredSubscription): Promise<void> {
    const key = `${storeId}/${visitId}`;
    // Saving again (a new endpoint, another language) does not send a message a second time.
    const sent = this.entries.get(key)?.sent ?? [];
    this.entries.set(key, { ...subscription, sent });
    await this.write();
  }

  async remove(storeId: string, visitId: string): Promise<void> {
    if (this.entries.delete(`${storeId}/${visitId}`)) await this.write();
  }

  async all(storeId: string): Promise<Map<string, StoredSubscription>> {
    const found = new Map<string, StoredSubscription>();
    for (const [key, { sent: _, ...subscription }] of this.entries)
      if (key.startsWith(`${storeId}/`)) found.set(key.slice(storeId.length + 1), subscription);
    return found;
  }

  async stores(): Promise<string[]> {
    return [...new Set([...this.entries.keys()].map((key) => key.split("/")[0] as string))];
  }

  async claim(storeId: string, visitId: string, kind: PushKind): Promise<boolean> {
    const entry = this.entries.get(`${storeId}/${visitId}`);
    if (!entry || entry.sent.includes(kind)) return false;
    entry.sent = [...entry.sent, kind];
    await this.write();
    return true;
  }

  async close(): Promise<void> {
    await this.writing;
  }

  private write(): Promise<void> {
    const path = this.path;
    if (!path) return Promise.resolve();
    const write = async () => {
      const temp = `${path}.${randomBytes(4).toString("hex")}.new`;
      const file = await open(temp, "wx", 0o600);
      try {
        await file.writeFile(JSON.stringify(Object.fromEntries(this.entries)));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, path);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}

/** A store's subscriptions outlive its last change by this long, then expire with the hash. */
const SUBSCRIPTIONS_TTL_MS = 2 * 24 * 60 * 60 * 1000;
/** A sent mark outlives any visit. */
const SENT_TTL_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * The Redis store: `<prefix>{storeId}:push:subs`, a hash of visit id → subscription (JSON),
 * expiring two days after its last change; `<prefix>{storeId}:push:sent:<visitId>:<kind>`,
 * set with NX so that of several processes one sends each message; `<prefix>push:stores`, the
 * set of stores with subscriptions (for the hold reminders' sweep).
 */
export class RedisSubscriptions implements SubscriptionStore {
  private readonly keys: ReturnType<typeof pushKeys>;

  constructor(
    private readonly link: RedisLink,
    prefix: string,
  ) {
    this.keys = pushKeys(prefix);
  }

  private hash(storeId: string) {
    return this.keys.subscriptions(storeId);
  }

  async save(storeId: string, visitId: string, subscription: StoredSubscription): Promise<void> {
    const hash = this.hash(storeId);
    await sendCommand(this.link, hash, ["HSET", hash, visitId, JSON.stringify(subscription)]);
    await sendCommand(this.link, hash, ["PEXPIRE", hash, String(SUBSCRIPTIONS_TTL_MS)]);
    const stores = this.keys.stores;
    await sendCommand(this.link, stores, ["SADD", stores, storeId]);
  }

  async remove(storeId: string, visitId: string): Promise<void> {
    const hash = this.hash(storeId);
    await sendCommand(this.link, hash, ["HDEL", hash, visitId]);
  }

  async all(storeId: string): Promise<Map<string, StoredSubscription>> {
    const hash = this.hash(storeId);
    const flat = await sendCommand<string[] | Record<string, string>>(this.link, hash, [
      "HGETALL",
      hash,
    ]);
    const pairs = Array.isArray(flat) ? pairsOf(flat) : Object.entries(flat);
    return new Map(pairs.map(([visitId, json]) => [visitId, JSON.parse(json)]));
  }

  async stores(): Promise<string[]> {
    const stores = this.keys.stores;
    return sendCommand<string[]>(this.link, stores, ["SMEMBERS", stores]);
  }

  async claim(storeId: string, visitId: string, kind: PushKind): Promise<boolean> {
    const key = this.keys.sent(storeId, visitId, kind);
    const set = await sendCommand<string | null>(this.link, key, [
      "SET",
      key,
      "1",
      "NX",
      "PX",
      String(SENT_TTL_MS),
    ]);
    return set === "OK";
  }

  async close(): Promise<void> {}
}

function pairsOf(flat: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    pairs.push([flat[i] as string, flat[i + 1] as string]);
  return pairs;
}
