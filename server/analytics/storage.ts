import { readFileSync } from "node:fs";
import { mkdir, open, readFile, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { type RedisLink, sendCommand } from "../redis-client.js";
import { analyticsKeys } from "./analytics-keys.js";
import type { DayModel, TrackedVisit, Working } from "./fold.js";
import { type DayRollup, rollupOf } from "./rollup.js";

/**
 * Where a store's analytics read models are kept: the cursor with the fold's working memory,
 * and a document per store-local day. `save` is monotone: a day is replaced only by a copy
 * folded further (`through`), the cursor only by a later version, so a restart or a second
 * process folding the same log never counts a commit twice nor puts an older copy back.
 */
export interface AnalyticsStorage {
  loadWorking(storeId: string): Promise<Working | undefined>;
  /** The saved cursor's version alone (0 if none): cheap, to see whether another process is ahead. */
  cursor(storeId: string): Promise<number>;
  /** The days asked for that have data. */
  loadDays(storeId: string, days: readonly string[]): Promise<DayModel[]>;
  /**
   * The days' rollups (rollup.ts), saved with each day: what queries read. A day saved before
   * rollups were kept is rolled up from its cells.
   */
  loadRollups(storeId: string, days: readonly string[]): Promise<DayRollup[]>;
  /**
   * Saves `days` with their rollups (first) and then the cursor `working`; see the interface's
   * guarantee.
   */
  save(storeId: string, working: Working, days: readonly DayModel[]): Promise<void>;
}

interface WorkingJson {
  version: number;
  /** Absent in cursors saved before it was kept. */
  lastAt?: number;
  timezone: string;
  since?: string;
  visits: Array<[string, TrackedVisit]>;
  offers: Array<[string, { visitId: string; associateId: string }]>;
  wrapUps: Array<[string, number]>;
  names: Array<[string, string]>;
  /** Absent in cursors saved before staffed time was counted. */
  signedIn?: Array<[string, number]>;
}

export function workingToJson(w: Working): string {
  const json: WorkingJson = {
    version: w.version,
    lastAt: w.lastAt,
    timezone: w.timezone,
    since: w.since,
    // Only the open visits: the closed ones come back from the store's state after a restart.
    visits: [...w.visits],
    offers: [...w.offers],
    wrapUps: [...w.wrapUps],
    names: [...w.names],
    signedIn: [...w.signedIn],
  };
  return JSON.stringify(json);
}

export function workingFromJson(text: string): Working {
  const json = JSON.parse(text) as WorkingJson;
  return {
    version: json.version,
    lastAt: json.lastAt ?? 0,
    timezone: json.timezone,
    since: json.since,
    // Cursors saved before closed visits were kept apart hold them among the open ones.
    visits: new Map(json.visits.filter(([, v]) => v.closedAt === undefined)),
    closed: new Map(json.visits.filter(([, v]) => v.closedAt !== undefined)),
    offers: new Map(json.offers),
    wrapUps: new Map(json.wrapUps),
    names: new Map(json.names),
    signedIn: new Map(json.signedIn ?? []),
    // Found again by the next commit, which also counts the days a session went on over since.
    dayEnds: 0,
  };
}

/** In memory only (embedded without DATA_DIR, tests): folded again from the log at start. */
export class MemoryAnalyticsStorage implements AnalyticsStorage {
  private readonly stores = new Map<string, { working?: string; days: Map<string, string> }>();

  async loadWorking(storeId: string) {
    const text = this.stores.get(storeId)?.working;
    return text === undefined ? undefined : workingFromJson(text);
  }

  async cursor(storeId: string) {
    return (await this.loadWorking(storeId))?.version ?? 0;
  }

  async loadDays(storeId: string, days: readonly string[]) {
    const kept = this.stores.get(storeId)?.days;
    return days.flatMap((day) => {
      const text = kept?.get(day);
      return text === undefined ? [] : [JSON.parse(text) as DayModel];
    });
  }

  async loadRollups(storeId: string, days: readonly string[]) {
    return (await this.loadDays(storeId, days)).map(rollupOf);
  }

  async save(storeId: string, working: Working, days: readonly DayModel[]) {
    let kept = this.stores.get(storeId);
    if (!kept) {
      kept = { days: new Map() };
      this.stores.set(storeId, kept);
    }
    for (const day of days) {
      const old = kept.days.get(day.day);
      if (old === undefined || (JSON.parse(old) as DayModel).through < day.through)
        kept.days.set(day.day, JSON.stringify(day));
    }
    const old = kept.working;
    if (old === undefined || workingFromJson(old).version < working.version)
      kept.working = workingToJson(working);
  }
}

/**
 * Embedded: `DATA_DIR/analytics/<storeId>/<day>.json` per day and `cursor.json`, each written
 * whole to a `.new` file, synced, renamed into place and the directory synced; the days before
 * the cursor, so a crash between them leaves days folded past the cursor, which `through` keeps
 * from being counted again. One process (like the journal), so no check-and-set is needed.
 */
export class FileAnalyticsStorage implements AnalyticsStorage {
  private readonly cursors = new Map<string, number>();

  private constructor(private readonly dir: string) {}

  /** Opens the directory (made if missing), deleting `.new` files a crash left behind. */
  static async open(dir: string): Promise<FileAnalyticsStorage> {
    await mkdir(dir, { recursive: true });
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
      if (entry.isFile() && entry.name.endsWith(".new"))
        await rm(join(entry.parentPath, entry.name), { force: true });
    return new FileAnalyticsStorage(dir);
  }

  private storeDir(storeId: string) {
    return join(this.dir, storeId);
  }

  async loadWorking(storeId: string) {
    const text = await readIfThere(join(this.storeDir(storeId), "cursor.json"));
    return text === undefined ? undefined : workingFromJson(text);
  }

  async cursor(storeId: string) {
    // One process writes them: what it saved last is what is there.
    let version = this.cursors.get(storeId);
    if (version === undefined) {
      version = (await this.loadWorking(storeId))?.version ?? 0;
      this.cursors.set(storeId, version);
    }
    return version;
  }

  async loadDays(storeId: string, days: readonly string[]) {
    const out: DayModel[] = [];
    for (const day of days) {
      const text = await readIfThere(join(this.storeDir(storeId), `${day}.json`));
      if (text !== undefined) out.push(JSON.parse(text) as DayModel);
    }
    return out;
  }

  async loadRollups(storeId: string, days: readonly string[]) {
    const out: DayRollup[] = [];
    const dir = this.storeDir(storeId);
    for (const day of days) {
      const text = await readIfThere(join(dir, `${day}.rollup.json`));
      if (text !== undefined) out.push(JSON.parse(text) as DayRollup);
      else {
        const [model] = await this.loadDays(storeId, [day]);
        if (model) out.push(rollupOf(model));
      }
    }
    return out;
  }

  async save(storeId: string, working: Working, days: readonly DayModel[]) {
    const dir = this.storeDir(storeId);
    await mkdir(dir, { recursive: true });
    // The rollup first: one ahead of its day (a crash between) holds only commits the day is
    // folded again with, and it is written again then.
    for (const day of days) {
      await writeWhole(join(dir, `${day.day}.rollup.json`), JSON.stringify(rollupOf(day)));
      await writeWhole(join(dir, `${day.day}.json`), JSON.stringify(day));
    }
    await writeWhole(join(dir, "cursor.json"), workingToJson(working));
    this.cursors.set(storeId, working.version);
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function writeWhole(path: string, text: string): Promise<void> {
  const temp = `${path}.new`;
  const file = await open(temp, "w", 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}

const saveScript = readFileSync(new URL("./save.lua", import.meta.url), "utf8");

/**
 * Redis (and Redis Cluster): three hashes per store under its hash tag (analytics-keys.ts),
 * written by save.lua in one atomic, monotone step, so any number of processes may fold.
 */
export class RedisAnalyticsStorage implements AnalyticsStorage {
  private readonly keys: ReturnType<typeof analyticsKeys>;

  constructor(
    private readonly link: RedisLink,
    prefix: string,
  ) {
    this.keys = analyticsKeys(prefix);
  }

  async loadWorking(storeId: string) {
    const key = this.keys.cursor(storeId);
    const text = await sendCommand<string | null>(this.link, key, ["HGET", key, "working"]);
    return text === null ? undefined : workingFromJson(text);
  }

  async cursor(storeId: string) {
    const key = this.keys.cursor(storeId);
    return Number(
      (await sendCommand<string | null>(this.link, key, ["HGET", key, "version"])) ?? 0,
    );
  }

  async loadDays(storeId: string, days: readonly string[]) {
    if (days.length === 0) return [];
    const key = this.keys.days(storeId);
    const texts = await sendCommand<Array<string | null>>(this.link, key, ["HMGET", key, ...days]);
    return texts.flatMap((text) => (text === null ? [] : [JSON.parse(text) as DayModel]));
  }

  async loadRollups(storeId: string, days: readonly string[]) {
    if (days.length === 0) return [];
    const key = this.keys.rollups(storeId);
    const texts = await sendCommand<Array<string | null>>(this.link, key, ["HMGET", key, ...days]);
    const missing = days.filter((_, i) => texts[i] === null);
    const rolledUp = new Map(
      (await this.loadDays(storeId, missing)).map((model) => [model.day, rollupOf(model)]),
    );
    return days.flatMap((day, i) => {
      const text = texts[i];
      if (text !== null && text !== undefined) return [JSON.parse(text) as DayRollup];
      const rollup = rolledUp.get(day);
      return rollup ? [rollup] : [];
    });
  }

  async save(storeId: string, working: Working, days: readonly DayModel[]) {
    const cursor = this.keys.cursor(storeId);
    const args = [String(working.version), workingToJson(working)];
    for (const day of days)
      args.push(day.day, String(day.through), JSON.stringify(day), JSON.stringify(rollupOf(day)));
    await sendCommand(this.link, cursor, [
      "EVAL",
      saveScript,
      "4",
      cursor,
      this.keys.days(storeId),
      this.keys.through(storeId),
      this.keys.rollups(storeId),
      ...args,
    ]);
  }
}
