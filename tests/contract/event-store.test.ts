import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Commit, type EventStore, LogTrimmed } from "../../server/store/event-store.js";
import { type Place, backends } from "../support/backends.js";

/** The event store port's contract, run over every back end. */

const T = Date.UTC(2026, 10, 23, 9, 0, 0);

function commit(storeId: string, version: number, requestId = `r-${version}`): Commit {
  return {
    storeId,
    version,
    requestId,
    command: "visit:check-in",
    at: T + version,
    events: [{ type: "visit:checked-in", visitId: `v-${version}`, note: "blue jacket, size M" }],
    reply: { visitId: `v-${version}` },
  };
}

/** Appends commits 1..n to `storeId`, each at the version before it. */
async function fill(store: EventStore, storeId: string, n: number): Promise<void> {
  for (let v = 1; v <= n; v++) {
    expect(await store.append(commit(storeId, v), v - 1)).toEqual({
      status: "appended",
      version: v,
    });
  }
}

describe.each(backends)("event store contract: $name", (backend) => {
  let place: Place;
  let store: EventStore;

  beforeEach(async (context) => {
    if (!backend.available) context.skip();
    place = await backend.fresh();
    store = await place.open();
  });
  afterEach(async () => {
    if (!backend.available) return;
    await store.close();
    await place.cleanup();
  });

  it("starts empty", async () => {
    // A cluster is the Redis store on a cluster client.
    expect(store.kind).toBe(backend.name === "cluster" ? "redis" : backend.name);
    expect(await store.version("s1")).toBe(0);
    expect(await store.read("s1", 0)).toEqual([]);
    expect(await store.loadSnapshot("s1")).toBeUndefined();
    expect(await store.findRequest("s1", "r-1")).toBeUndefined();
    expect(await store.storeIds()).toEqual([]);
    await store.ping();
  });

  it("appends at the expected version and reads back what it appended, in order", async () => {
    await fill(store, "s1", 3);
    expect(await store.version("s1")).toBe(3);
    expect(await store.read("s1", 0)).toEqual([commit("s1", 1), commit("s1", 2), commit("s1", 3)]);
    expect(await store.read("s1", 2)).toEqual([commit("s1", 3)]);
    expect(await store.read("s1", 3)).toEqual([]);
  });

  it("refuses an append at a stale version and writes nothing", async () => {
    await fill(store, "s1", 2);
    expect(await store.append(commit("s1", 2, "late"), 1)).toEqual({
      status: "conflict",
      actualVersion: 2,
    });
    expect(await store.version("s1")).toBe(2);
    expect(await store.findRequest("s1", "late")).toBeUndefined();
    expect(await store.append(commit("s1", 5, "ahead"), 4)).toEqual({
      status: "conflict",
      actualVersion: 2,
    });
    expect(await store.version("s1")).toBe(2);
  });

  it("answers a conflict with the few commits after the expected version, so the loser need not read", async () => {
    await fill(store, "s1", 5);
    const batch = (expectedVersion: number) =>
      store.appendBatch({
        storeId: "s1",
        expectedVersion,
        commits: [commit("s1", expectedVersion + 1, `late-${expectedVersion}`)],
        checked: [],
      });
    expect(await batch(2)).toEqual({
      status: "conflict",
      actualVersion: 5,
      commits: [3, 4, 5].map((v) => commit("s1", v)),
    });
    // Too far behind: only the version (the loser reads the log).
    for (let v = 6; v <= 40; v++) await store.append(commit("s1", v), v - 1);
    expect(await batch(3)).toEqual({ status: "conflict", actualVersion: 40 });
    expect(await store.version("s1")).toBe(40);
  });

  it("answers a repeated request id with the first commit and writes nothing", async () => {
    await fill(store, "s1", 2);
    const again = { ...commit("s1", 3, "r-1"), reply: { visitId: "other" } };
    expect(await store.append(again, 2)).toEqual({ status: "duplicate", commit: commit("s1", 1) });
    expect(await store.version("s1")).toBe(2);
    expect(await store.findRequest("s1", "r-2")).toEqual(commit("s1", 2));
  });

  it("lets exactly one of many racing appends at one version win", async () => {
    await fill(store, "s1", 1);
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => store.append(commit("s1", 2, `race-${i}`), 1)),
    );
    const won = results.filter((r) => r.status === "appended");
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === "conflict")).toHaveLength(24);
    expect(await store.version("s1")).toBe(2);
    expect((await store.read("s1", 1)).map((c) => c.requestId)).toHaveLength(1);
  });

  it("keeps stores apart", async () => {
    await fill(store, "s1", 3);
    await fill(store, "s2", 1);
    expect(await store.version("s1")).toBe(3);
    expect(await store.version("s2")).toBe(1);
    expect(await store.read("s2", 0)).toEqual([commit("s2", 1)]);
    expect(await store.findRequest("s2", "r-3")).toBeUndefined();
    expect((await store.storeIds()).sort()).toEqual(["s1", "s2"]);
  });

  it("reads a long log completely", async () => {
    const n = 2345;
    for (let v = 1; v <= n; v += 1) await store.append(commit("long", v), v - 1);
    const all = await store.read("long", 0);
    expect(all).toHaveLength(n);
    expect(all.every((c, i) => c.version === i + 1)).toBe(true);
    expect(await store.read("long", n - 5)).toHaveLength(5);
  });

  it("keeps the newest snapshot", async () => {
    await fill(store, "s1", 3);
    await store.saveSnapshot("s1", { version: 2, schema: 1, data: { line: ["a"] } });
    expect(await store.loadSnapshot("s1")).toEqual({
      version: 2,
      schema: 1,
      data: { line: ["a"] },
    });
    await store.saveSnapshot("s1", { version: 1, schema: 1, data: { line: [] } });
    expect((await store.loadSnapshot("s1"))?.version).toBe(2);
    await store.saveSnapshot("s1", { version: 3, schema: 1, data: { line: ["a", "b"] } });
    expect(await store.loadSnapshot("s1")).toEqual({
      version: 3,
      schema: 1,
      data: { line: ["a", "b"] },
    });
  });

  it("forgets the commits made before a time, up to a snapshot's version, everywhere, for good", async () => {
    const HOUR = 60 * 60 * 1000;
    const hourly = (v: number): Commit => ({ ...commit("s1", v), at: T + v * HOUR });
    for (let v = 1; v <= 10; v++) await store.append(hourly(v), v - 1);
    await fill(store, "s2", 3);
    await store.saveSnapshot("s1", { version: 6, schema: 1, data: { x: 6 } });
    // Before hour 4.5: commits 1-4 go; 5 and later stay.
    await store.forget("s1", T + 4.5 * HOUR, 6);
    expect(await store.read("s1", 4)).toEqual([5, 6, 7, 8, 9, 10].map(hourly));
    await expect(store.read("s1", 0)).rejects.toThrow(LogTrimmed);
    await expect(store.read("s1", 3)).rejects.toThrow(/up to version 4 are gone/);
    // Never past the version a snapshot holds, whatever the time.
    await store.forget("s1", T + 100 * HOUR, 6);
    expect(await store.read("s1", 6)).toEqual([7, 8, 9, 10].map(hourly));
    await expect(store.read("s1", 5)).rejects.toThrow(LogTrimmed);
    expect(await store.version("s1")).toBe(10);
    expect(await store.read("s2", 0)).toEqual([1, 2, 3].map((v) => commit("s2", v)));
    // Gone for good: a restart finds the same, and the log goes on.
    await store.close();
    store = await place.open();
    await expect(store.read("s1", 5)).rejects.toThrow(LogTrimmed);
    expect(await store.read("s1", 6)).toEqual([7, 8, 9, 10].map(hourly));
    expect((await store.loadSnapshot("s1"))?.version).toBe(6);
    expect(await store.append(hourly(11), 10)).toEqual({ status: "appended", version: 11 });
    expect((await store.storeIds()).sort()).toEqual(["s1", "s2"]);
    // Nothing due: nothing changes.
    await store.forget("s1", T, 11);
    expect(await store.read("s1", 6)).toHaveLength(5);
  });

  it("indexes timer deadlines: lower only lowers, exact sets and clears", async () => {
    await store.setDeadline("a", T + 500, "lower");
    await store.setDeadline("a", T + 900, "lower");
    await store.setDeadline("b", T + 100, "exact");
    await store.setDeadline("c", T + 2000, "exact");
    expect(await store.dueStores(T + 600, 10)).toEqual(["b", "a"]);
    expect(await store.dueStores(T + 600, 1)).toEqual(["b"]);
    expect(await store.dueStores(T + 50, 10)).toEqual([]);
    await store.setDeadline("a", T + 1000, "exact");
    await store.setDeadline("b", null, "lower");
    expect(await store.dueStores(T + 600, 10)).toEqual(["b"]);
    await store.setDeadline("b", null, "exact");
    expect(await store.dueStores(T + 5000, 10)).toEqual(["a", "c"]);
    // Claimed: hidden from the next poll until the claim runs out, or a deadline lowers it.
    expect(await store.dueStores(T + 5000, 10, 2000)).toEqual(["a", "c"]);
    expect(await store.dueStores(T + 5000, 10, 2000)).toEqual([]);
    expect(await store.dueStores(T + 7000, 10)).toEqual(["a", "c"]);
    await store.setDeadline("c", T + 5500, "lower");
    expect(await store.dueStores(T + 6000, 10)).toEqual(["c"]);
  });

  it("keeps everything across a restart", async () => {
    await fill(store, "s1", 4);
    await fill(store, "s2", 2);
    await store.saveSnapshot("s1", { version: 3, schema: 1, data: { x: 1 } });
    const before = {
      s1: await store.read("s1", 0),
      s2: await store.read("s2", 0),
      snapshot: await store.loadSnapshot("s1"),
    };
    await store.close();
    store = await place.open();
    expect(await store.read("s1", 0)).toEqual(before.s1);
    expect(await store.read("s2", 0)).toEqual(before.s2);
    expect(await store.version("s1")).toBe(4);
    expect((await store.storeIds()).sort()).toEqual(["s1", "s2"]);
    expect(await store.findRequest("s1", "r-2")).toEqual(commit("s1", 2));
    expect(await store.append(commit("s1", 5, "r-3"), 4)).toEqual({
      status: "duplicate",
      commit: commit("s1", 3),
    });
    expect(await store.append(commit("s1", 5), 4)).toEqual({ status: "appended", version: 5 });
    if (backend.name === "redis") expect(await store.loadSnapshot("s1")).toEqual(before.snapshot);
  });
});
