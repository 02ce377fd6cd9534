import { describe, expect, it } from "vitest";
import { QueueService } from "../../server/app/queue-service.js";
import { StoreCache, type StoreCommit } from "../../server/app/store-cache.js";
import { toStateData } from "../../server/domain/index.js";
import { silentLogger } from "../../server/logger.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { backends, storesPerTest } from "../support/backends.js";
import { NO_LAG_BOUND, T0, demoSettings } from "../support/engine.js";

/**
 * A process's cache of a store's state, read from the log that other processes append to:
 * catch-ups that overlap, and a commit this process appended that a catch-up read first.
 */

const STORE = "cache-store";
let requests = 0;

describe.each(backends)("store cache: $name", (backend) => {
  const { open } = storesPerTest(backend);

  /** Another process's command handler, appending to the same log. */
  async function writer() {
    const store = await open();
    const service = new QueueService({ store, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    const run = async (input: Record<string, unknown>) => {
      const result = await service.execute(STORE, { requestId: `c-${++requests}`, ...input }, T0);
      if (!result.ok) throw new Error(`${String(input.type)}: ${result.error.code}`);
      return result;
    };
    await run({ type: "store:create", settings: storeSettingsSchema.parse(demoSettings) });
    return { store, service, run };
  }

  const register = (id: string) => ({
    type: "associate:register",
    associateId: id,
    name: id,
    skills: ["phones"],
    languages: ["en"],
    manager: false,
  });

  it("catches up once for callers that ask at the same time, each seeing the whole log", async () => {
    const { store, service, run } = await writer();
    const cache = new StoreCache(store);
    expect((await cache.get(STORE)).version).toBe(1);
    for (const id of ["ana", "bo", "cy", "dee"]) await run(register(id));

    const states = await Promise.all([
      cache.catchUp(STORE),
      cache.catchUp(STORE),
      cache.catchUp(STORE),
    ]);

    const latest = toStateData(await service.state(STORE));
    expect(latest.version).toBe(5);
    for (const state of states) expect(toStateData(state)).toEqual(latest);
    // And a catch-up after them finds nothing new and changes nothing.
    expect(toStateData(await cache.catchUp(STORE))).toEqual(latest);
  });

  it("keeps its copy when told of a commit it has already read from the log", async () => {
    const { store, run } = await writer();
    const cache = new StoreCache(store);
    await cache.get(STORE);
    const appended = await run(register("ana"));
    const state = await cache.catchUp(STORE);
    const [commit] = (await store.read(STORE, appended.version - 1)) as StoreCommit[];
    if (!commit) throw new Error("no commit read");

    cache.accept(STORE, commit, state);

    expect(cache.knownRequest(STORE, commit.requestId)?.version).toBe(appended.version);
    expect((await cache.get(STORE)).version).toBe(appended.version);
  });
});
