import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Logger } from "../logger.js";
import {
  type RedisLink,
  type RedisTarget,
  makeRedisLink,
  ping,
  sendCommand,
} from "../redis-client.js";
import {
  type AppendResult,
  type Batch,
  type BatchResult,
  CONFLICT_COMMITS,
  type Commit,
  type EventStore,
  LogTrimmed,
  REQUEST_RETENTION_MS,
  type Snapshot,
  appendOne,
} from "./event-store.js";
import { type RedisKeys, redisKeys } from "./redis-keys.js";

export interface RedisStoreOptions {
  /** One Redis server's URL, or a cluster's seed nodes (see RedisTarget). */
  url: RedisTarget;
  /** Put before every key, so several deployments (or tests) share one Redis. */
  prefix?: string;
  logger: Logger;
  /**
   * Replicas each batch must reach before it is acknowledged (`WAIT`, up to `WAIT_TIMEOUT_MS`),
   * so that a fail-over to a replica loses no acknowledged command. 0 (default): acknowledged
   * once the primary has it. See docs/DEPLOY.md.
   */
  waitReplicas?: number;
}

/** Longest a batch waits for its replicas (then it is acknowledged anyway, with a warning). */
const WAIT_TIMEOUT_MS = 1000;

/** How many log entries one XRANGE fetches while reading a long log. */
const READ_PAGE = 1000;

class Script {
  readonly source: string;
  readonly sha: string;
  constructor(file: string) {
    this.source = readFileSync(new URL(`./lua/${file}`, import.meta.url), "utf8");
    this.sha = createHash("sha1").update(this.source).digest("hex");
  }
}

const appendScript = new Script("append-batch.lua");
const encode = (commit: Commit) => JSON.stringify(commit);
const snapshotScript = new Script("save-snapshot.lua");
const claimScript = new Script("claim-due.lua");

/**
 * The Redis event store: one stream per store as its log, appended by a Lua script that checks
 * the expected version, so any number of processes may write one store and at most one wins
 * each version. Snapshots and a sorted set of timer deadlines live beside the logs.
 */
export class RedisStore implements EventStore {
  readonly kind = "redis" as const;
  private readonly keys: RedisKeys;

  private constructor(
    private readonly client: RedisLink,
    prefix: string,
    private readonly options: RedisStoreOptions,
  ) {
    this.keys = redisKeys(prefix);
  }

  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const client = makeRedisLink(options.url);
    client.on("error", (err: unknown) => options.logger.warn({ err }, "redis connection error"));
    await client.connect();
    return new RedisStore(client, options.prefix ?? "undivided:", options);
  }

  async read(storeId: string, afterVersion: number): Promise<Commit[]> {
    const commits: Commit[] = [];
    let from = Math.max(0, afterVersion) + 1;
    for (;;) {
      const entries =
        (await this.client.xRange(this.keys.log(storeId), `0-${from}`, "+", {
          COUNT: READ_PAGE,
        })) ?? [];
      const first = entries[0];
      // Entry ids are 0-<version>: the log starts later than asked when retention trimmed it.
      if (commits.length === 0 && first && first.id !== `0-${from}`)
        throw new LogTrimmed(storeId, Number(first.id.slice(2)) - 1);
      for (const entry of entries) commits.push(JSON.parse(String(entry.message.c)) as Commit);
      if (entries.length < READ_PAGE) return commits;
      from += entries.length;
    }
  }

  async version(storeId: string): Promise<number> {
    return Number((await this.client.get(this.keys.version(storeId))) ?? 0);
  }

  append(commit: Commit, expectedVersion: number): Promise<AppendResult> {
    return appendOne(this, commit, expectedVersion);
  }

  async appendBatch(batch: Batch): Promise<BatchResult> {
    const { storeId, commits, expectedVersion } = batch;
    if (expectedVersion === 0 && commits.length > 0)
      await this.client.sAdd(this.keys.stores(), storeId);
    const requestIds = [...commits.map((c) => c.requestId), ...batch.checked];
    const reply = (await this.evalScript(
      appendScript,
      [
        this.keys.log(storeId),
        this.keys.version(storeId),
        ...requestIds.map((id) => this.keys.request(storeId, id)),
      ],
      [
        String(expectedVersion),
        String(REQUEST_RETENTION_MS),
        String(CONFLICT_COMMITS),
        ...commits.map(encode),
      ],
    )) as [string, string, ...string[]];
    const [status, value, commit, ...more] = reply;
    if (status === "appended") {
      if (commits.length > 0) await this.replicated(storeId);
      return { status, version: Number(value) };
    }
    if (status === "conflict") {
      const actualVersion = Number(value);
      const after = commit === undefined ? [] : [commit, ...more];
      return after.length > 0 && after.length === actualVersion - expectedVersion
        ? { status, actualVersion, commits: after.map((c) => JSON.parse(c) as Commit) }
        : { status, actualVersion };
    }
    return {
      status: "duplicate",
      requestId: requestIds[Number(value) - 1] ?? "",
      commit: JSON.parse(commit ?? "null") as Commit,
    };
  }

  /**
   * Waits until the store's primary has passed what it holds to `waitReplicas` replicas. Short
   * of them after the timeout, the batch is still acknowledged (it is written, and refusing it
   * would be a false refusal), with a warning: it may be lost if the primary fails now.
   */
  private async replicated(storeId: string): Promise<void> {
    const wanted = this.options.waitReplicas ?? 0;
    if (wanted <= 0) return;
    const reached = await sendCommand<number>(this.client, this.keys.version(storeId), [
      "WAIT",
      String(wanted),
      String(WAIT_TIMEOUT_MS),
    ]);
    if (reached < wanted)
      this.options.logger.warn(
        { storeId, reached, wanted },
        "a batch reached fewer Redis replicas than asked",
      );
  }

  async findRequest(storeId: string, requestId: string): Promise<Commit | undefined> {
    const version = await this.client.get(this.keys.request(storeId, requestId));
    if (version === null) return undefined;
    const id = `0-${version}`;
    const [entry] = (await this.client.xRange(this.keys.log(storeId), id, id)) ?? [];
    return entry ? (JSON.parse(String(entry.message.c)) as Commit) : undefined;
  }

  async saveSnapshot(storeId: string, snapshot: Snapshot): Promise<void> {
    await this.evalScript(
      snapshotScript,
      [this.keys.snapshot(storeId)],
      [String(snapshot.version), String(snapshot.schema), JSON.stringify(snapshot.data)],
    );
  }

  /**
   * Retention: finds the last commit made before `before` (at most `upTo`), reading the log from
   * its start a page at a time, and trims the stream up to it (`XTRIM … MINID`): only the front
   * goes, so appends racing it are untouched.
   */
  async forget(storeId: string, before: number, upTo: number): Promise<void> {
    const key = this.keys.log(storeId);
    let last = 0;
    let from = "-";
    // The first entry alone first: usually the log was trimmed an hour ago and nothing is due.
    for (let count = 1; ; count = READ_PAGE) {
      const entries = (await this.client.xRange(key, from, "+", { COUNT: count })) ?? [];
      for (const entry of entries) {
        const { at, version } = JSON.parse(String(entry.message.c)) as Commit;
        if (at >= before || version > upTo) {
          if (last > 0) await this.trim(key, last);
          return;
        }
        last = version;
      }
      if (entries.length < count) break;
      from = `0-${last + 1}`;
    }
    if (last > 0) await this.trim(key, last);
  }

  private async trim(key: string, upTo: number): Promise<void> {
    await sendCommand(this.client, key, ["XTRIM", key, "MINID", `0-${upTo + 1}`]);
  }

  async loadSnapshot(storeId: string): Promise<Snapshot | undefined> {
    const hash = await this.client.hGetAll(this.keys.snapshot(storeId));
    if (hash.version === undefined || hash.data === undefined) return undefined;
    return {
      version: Number(hash.version),
      schema: Number(hash.schema),
      data: JSON.parse(hash.data) as unknown,
    };
  }

  async setDeadline(storeId: string, at: number | null, mode: "lower" | "exact"): Promise<void> {
    const key = this.keys.timers();
    if (at === null) {
      if (mode === "exact") await this.client.zRem(key, storeId);
      return;
    }
    await this.client.zAdd(
      key,
      { score: at, value: storeId },
      mode === "lower" ? { comparison: "LT" } : undefined,
    );
  }

  async dueStores(now: number, limit: number, claimMs = 0): Promise<string[]> {
    if (claimMs > 0) {
      return (await this.evalScript(
        claimScript,
        [this.keys.timers()],
        [String(now), String(limit), String(now + claimMs)],
      )) as string[];
    }
    return this.client.zRange(this.keys.timers(), "-inf", now, {
      BY: "SCORE",
      LIMIT: { offset: 0, count: limit },
    });
  }

  async storeIds(): Promise<string[]> {
    return this.client.sMembers(this.keys.stores());
  }

  async ping(): Promise<void> {
    await ping(this.client);
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close();
  }

  /** EVALSHA, loading the script with EVAL when this Redis has not seen it yet. */
  private async evalScript(script: Script, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    // On a cluster the script runs on the node holding its keys' slot (they share one).
    const first = keys[0] as string;
    try {
      return await sendCommand(this.client, first, ["EVALSHA", script.sha, ...tail]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return sendCommand(this.client, first, ["EVAL", script.source, ...tail]);
    }
  }
}

/** Connects to Redis at `options.url`. */
export const openRedisStore = (options: RedisStoreOptions) => RedisStore.open(options);
