import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type RedisLink, makeRedisLink, scanKeys } from "../redis-client.js";

/**
 * Credentials and sign-in bookkeeping (PIN hashes, device and session tokens, failed tries),
 * kept apart from the queue's event log: they are secrets, not history. A small key-value port,
 * every key scoped to one store, with an embedded back end (a JSON file written atomically) and
 * a Redis one (keys hash-tagged by store, like the event store's).
 */
export interface Directory {
  get<T>(storeId: string, key: string): Promise<T | undefined>;
  /** Sets `key`; with `ttlMs` it disappears after that long. */
  set(storeId: string, key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(storeId: string, key: string): Promise<void>;
  /** Adds one to a counter, starting its time to live on the first increment; returns the count. */
  increment(storeId: string, key: string, ttlMs: number): Promise<number>;
  /** How long `key` has left to live, in ms; undefined if it is missing or never expires. */
  ttl(storeId: string, key: string): Promise<number | undefined>;
  /** Keys of `storeId` starting with `prefix`. */
  keys(storeId: string, prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

interface Entry {
  value: unknown;
  expiresAt: number | null;
}

/**
 * The embedded directory: memory, saved to `<dataDir>/directory.json` after every change.
 * Times to live are read off `clock` (tests move it).
 */
export class FileDirectory implements Directory {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string | undefined,
    private readonly entries: Map<string, Entry>,
    private readonly clock: () => number,
  ) {}

  static async open(
    dataDir: string | undefined,
    clock: () => number = Date.now,
  ): Promise<FileDirectory> {
    if (!dataDir) return new FileDirectory(undefined, new Map(), clock);
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, "directory.json");
    let entries = new Map<string, Entry>();
    try {
      entries = new Map(
        Object.entries(JSON.parse(await readFile(path, "utf8")) as Record<string, Entry>),
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    return new FileDirectory(path, entries, clock);
  }

  async get<T>(storeId: string, key: string): Promise<T | undefined> {
    const entry = this.live(`${storeId}/${key}`);
    return entry?.value as T | undefined;
  }

  async set(storeId: string, key: string, value: unknown, ttlMs?: number): Promise<void> {
    const expiresAt = ttlMs ? this.clock() + ttlMs : null;
    this.entries.set(`${storeId}/${key}`, { value, expiresAt });
    await this.save();
  }

  async delete(storeId: string, key: string): Promise<void> {
    if (this.entries.delete(`${storeId}/${key}`)) await this.save();
  }

  async increment(storeId: string, key: string, ttlMs: number): Promise<number> {
    const full = `${storeId}/${key}`;
    const entry = this.live(full);
    const count = (typeof entry?.value === "number" ? entry.value : 0) + 1;
    this.entries.set(full, { value: count, expiresAt: entry?.expiresAt ?? this.clock() + ttlMs });
    await this.save();
    return count;
  }

  async ttl(storeId: string, key: string): Promise<number | undefined> {
    const expiresAt = this.live(`${storeId}/${key}`)?.expiresAt;
    return expiresAt == null ? undefined : expiresAt - this.clock();
  }

  async keys(storeId: string, prefix: string): Promise<string[]> {
    const start = `${storeId}/${prefix}`;
    return [...this.entries.keys()]
      .filter((k) => k.startsWith(start) && this.live(k))
      .map((k) => k.slice(storeId.length + 1));
  }

  async close(): Promise<void> {
    await this.writing;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt != null && entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Writes the whole map to a temporary file and renames it over the old one. */
  private save(): Promise<void> {
    const path = this.path;
    if (!path) return Promise.resolve();
    const write = async () => {
      const data = JSON.stringify(Object.fromEntries(this.entries));
      await writeFile(`${path}.tmp`, data, { mode: 0o600 });
      await rename(`${path}.tmp`, path);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}

/** The Redis directory: `<prefix>{storeId}:auth:<key>`, values as JSON. */
export class RedisDirectory implements Directory {
  private constructor(
    private readonly client: RedisLink,
    private readonly prefix: string,
  ) {}

  static async open(url: string, prefix: string): Promise<RedisDirectory> {
    const client = makeRedisLink(url);
    client.on("error", () => {}); // the event store's client logs connection trouble
    await client.connect();
    return new RedisDirectory(client, prefix);
  }

  private key(storeId: string, key: string): string {
    return `${this.prefix}{${storeId}}:auth:${key}`;
  }

  async get<T>(storeId: string, key: string): Promise<T | undefined> {
    const raw = await this.client.get(this.key(storeId, key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(storeId: string, key: string, value: unknown, ttlMs?: number): Promise<void> {
    const full = this.key(storeId, key);
    if (ttlMs)
      await this.client.set(full, JSON.stringify(value), {
        expiration: { type: "PX", value: ttlMs },
      });
    else await this.client.set(full, JSON.stringify(value));
  }

  async delete(storeId: string, key: string): Promise<void> {
    await this.client.del(this.key(storeId, key));
  }

  async increment(storeId: string, key: string, ttlMs: number): Promise<number> {
    const full = this.key(storeId, key);
    const [count] = (await this.client
      .multi()
      .incr(full)
      .pExpire(full, ttlMs, "NX")
      .exec()) as unknown as [number];
    return Number(count);
  }

  async ttl(storeId: string, key: string): Promise<number | undefined> {
    const left = await this.client.pTTL(this.key(storeId, key));
    return left >= 0 ? left : undefined;
  }

  async keys(storeId: string, prefix: string): Promise<string[]> {
    const start = this.key(storeId, prefix);
    const found: string[] = [];
    for await (const batch of scanKeys(this.client, `${escapeGlob(start)}*`)) {
      for (const k of batch) found.push(k.slice(this.key(storeId, "").length));
    }
    return found;
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close();
  }
}

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, "\\$&");

export function openDirectory(config: {
  redisUrl?: string;
  redisPrefix?: string;
  dataDir?: string;
}): Promise<Directory> {
  if (config.redisUrl)
    return RedisDirectory.open(config.redisUrl, config.redisPrefix ?? "undivided:");
  return FileDirectory.open(config.dataDir);
}
