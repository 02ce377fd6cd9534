import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QueueService } from "../../server/app/queue-service.js";
import { decide } from "../../server/domain/index.js";
import { silentLogger } from "../../server/logger.js";
import { MemoryStore } from "../../server/store/memory-store.js";
import { commandSchema } from "../../shared/commands.js";
import {
  MIN,
  NO_LAG_BOUND,
  SEC,
  T0,
  checkIn,
  demoSettings,
  storeWith,
  token,
} from "../support/engine.js";

/** The app's command handling over the embedded store (no journal), "s1" with ana and max. */
async function service(): Promise<{ q: QueueService; store: MemoryStore }> {
  const store = await MemoryStore.open({ logger: silentLogger });
  const q = new QueueService({ store, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
  const ok = async (requestId: string, input: Record<string, unknown>) => {
    const r = await q.execute("s1", { requestId, ...input }, T0);
    if (!r.ok) throw new Error(`${requestId}: ${r.error.code} ${r.error.message}`);
  };
  await ok("setup-1", { type: "store:create", settings: demoSettings });
  for (const [id, manager] of [
    ["ana", false],
    ["max", true],
  ] as const) {
    await ok(`setup-reg-${id}`, {
      type: "associate:register",
      associateId: id,
      name: id,
      skills: manager ? [] : ["phones"],
      languages: ["en"],
      manager,
    });
  }
  return { q, store };
}

const checkInInput = (requestId: string, extra: Record<string, unknown> = {}) => ({
  type: "visit:check-in",
  requestId,
  topicId: "phones",
  name: "Alex",
  channel: "kiosk",
  customerToken: token(),
  ...extra,
});

describe("idempotency: the same request id twice", () => {
  let q: QueueService;
  let store: MemoryStore;
  beforeEach(async () => {
    ({ q, store } = await service());
  });
  afterEach(async () => {
    await q.drain();
    await store.close();
  });

  it("returns the first result and changes nothing the second time", async () => {
    const first = await q.execute("s1", checkInInput("kiosk-1"), T0 + MIN);
    expect(first).toMatchObject({
      ok: true,
      duplicate: false,
      data: { visitId: "v-1", code: "P-001", status: "waiting" },
    });
    const versionAfterFirst = (await q.state("s1")).version;
    // A retry of the same request (a fresh token even): same answer, no second visit.
    const retry = await q.execute("s1", checkInInput("kiosk-1"), T0 + 2 * MIN);
    expect(retry).toEqual({
      ok: true,
      duplicate: true,
      data: first.ok ? first.data : {},
      version: versionAfterFirst,
    });
    const state = await q.state("s1");
    expect(state.version).toBe(versionAfterFirst);
    expect(state.visits.size).toBe(1);
    expect(await store.version("s1")).toBe(versionAfterFirst);
  });

  it("is recognised from the event store by a fresh process too", async () => {
    const first = await q.execute("s1", checkInInput("kiosk-2"), T0 + MIN);
    const other = new QueueService({ store, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    const retry = await other.execute("s1", checkInInput("kiosk-2"), T0 + 2 * MIN);
    expect(retry).toMatchObject({ ok: true, duplicate: true });
    expect(retry.ok && first.ok && retry.data).toEqual(first.ok && first.data);
    expect((await other.state("s1")).visits.size).toBe(1);
  });

  it("a retried accept answers like the first, not OFFER_NOT_PENDING", async () => {
    await q.execute(
      "s1",
      { type: "associate:sign-in", requestId: "tab-1", associateId: "ana" },
      T0,
    );
    await q.execute("s1", checkInInput("kiosk-3"), T0 + SEC);
    const accept = {
      type: "offer:accept",
      requestId: "tab-2",
      associateId: "ana",
      offerId: "o-1",
    };
    const first = await q.execute("s1", accept, T0 + 2 * SEC);
    expect(first).toMatchObject({ ok: true, data: { offerId: "o-1", visitId: "v-1" } });
    const retry = await q.execute("s1", accept, T0 + 3 * SEC);
    expect(retry).toMatchObject({ ok: true, duplicate: true, data: { offerId: "o-1" } });
    // A new request for the same stale offer is refused with its own code.
    const fresh = await q.execute("s1", { ...accept, requestId: "tab-3" }, T0 + 4 * SEC);
    expect(fresh).toMatchObject({ ok: false, error: { code: "OFFER_NOT_PENDING" } });
  });

  it("different request ids are different commands", async () => {
    await q.execute("s1", checkInInput("kiosk-4"), T0 + MIN);
    const second = await q.execute("s1", checkInInput("kiosk-5"), T0 + MIN);
    expect(second).toMatchObject({ ok: true, duplicate: false, data: { code: "P-002" } });
    expect((await q.state("s1")).visits.size).toBe(2);
  });
});

describe("validation: bad input never changes state", () => {
  let q: QueueService;
  let store: MemoryStore;
  beforeEach(async () => {
    ({ q, store } = await service());
  });
  afterEach(async () => {
    await q.drain();
    await store.close();
  });

  const bad: [string, unknown][] = [
    ["not an object", "check me in"],
    ["null", null],
    ["an unknown command type", { type: "visit:teleport", requestId: "r-1" }],
    ["no request id", { ...checkInInput("x"), requestId: undefined }],
    ["a request id with spaces", checkInInput("two words")],
    ["a missing topic", { ...checkInInput("r-2"), topicId: undefined }],
    ["a topic id with bad characters", checkInInput("r-3", { topicId: "phones!" })],
    ["a name over 40 characters", checkInInput("r-4", { name: "x".repeat(41) })],
    ["a note over 500 characters", checkInInput("r-5", { note: "x".repeat(501) })],
    ["an unknown channel", checkInInput("r-6", { channel: "phone" })],
    ["a language that is not a tag", checkInInput("r-7", { language: "English" })],
    ["a short customer token", checkInInput("r-8", { customerToken: "abc" })],
    ["a negative arrival time", checkInInput("r-9", { channel: "remote", arrivingInMin: -5 })],
    ["a fractional arrival time", checkInInput("r-10", { channel: "remote", arrivingInMin: 1.5 })],
    ["an extra field", checkInInput("r-11", { priority: 9 })],
    [
      "a bad outcome",
      {
        type: "visit:complete",
        requestId: "r-12",
        associateId: "ana",
        visitId: "v-1",
        outcome: "meh",
      },
    ],
    [
      "a bad satisfaction",
      { type: "feedback:give", requestId: "r-13", visitId: "v-1", satisfaction: "maybe" },
    ],
    [
      "a bad presence",
      { type: "associate:set-presence", requestId: "r-14", associateId: "ana", presence: "busy" },
    ],
    [
      "a priority out of range",
      {
        type: "visit:set-priority",
        requestId: "r-15",
        managerId: "max",
        visitId: "v-1",
        priority: 10,
      },
    ],
  ];

  it.each(bad)("refuses %s with INVALID_COMMAND", async (_, input) => {
    const before = await q.state("s1");
    const result = await q.execute("s1", input, T0 + MIN);
    expect(result).toMatchObject({ ok: false, error: { code: "INVALID_COMMAND" } });
    if (!result.ok) expect(result.error.message.length).toBeGreaterThan(0);
    const after = await q.state("s1");
    expect(after.version).toBe(before.version);
    expect(after).toBe(before);
    expect(await store.version("s1")).toBe(before.version);
  });

  it("refuses a bad store id with INVALID_COMMAND", async () => {
    const result = await q.execute("no such/store", checkInInput("r-20"), T0);
    expect(result).toMatchObject({ ok: false, error: { code: "INVALID_COMMAND" } });
    expect(await store.storeIds()).toEqual(["s1"]);
  });

  it.each([
    [
      "repeated topic letters",
      { topics: [...demoSettings.topics, { id: "tv", name: "TV", letter: "P", skill: "tv" }] },
    ],
    ["an unknown time zone", { timezone: "Mars/Olympus" }],
    ["a repeated language", { languages: ["en", "en"] }],
    ["a language that does not exist", { languages: ["en", "uk", "xx"] }],
    ["an offer timeout under 5 s", { offerTimeoutSec: 1 }],
  ])("refuses settings with %s with INVALID_SETTINGS and keeps the old ones", async (_, over) => {
    const before = await q.state("s1");
    const result = await q.execute(
      "s1",
      {
        type: "store:update-settings",
        requestId: `settings-${_.replace(/\W/g, "-")}`,
        managerId: "max",
        settings: { ...demoSettings, ...over },
      },
      T0 + MIN,
    );
    expect(result).toMatchObject({ ok: false, error: { code: "INVALID_SETTINGS" } });
    const after = await q.state("s1");
    expect(after.version).toBe(before.version);
    expect(after.settings).toEqual(before.settings);
  });

  it("accepts valid settings from a manager", async () => {
    const result = await q.execute(
      "s1",
      {
        type: "store:update-settings",
        requestId: "settings-ok",
        managerId: "max",
        settings: { ...demoSettings, slaWaitMin: 20 },
      },
      T0 + MIN,
    );
    expect(result).toMatchObject({ ok: true });
    expect((await q.state("s1")).settings.slaWaitMin).toBe(20);
  });
});

describe("the engine itself", () => {
  it("a refused command yields only an error with a stable code, and no events", () => {
    const s = checkIn(storeWith(), T0).state;
    const command = commandSchema.parse({
      type: "visit:arrive",
      requestId: "r-arrive",
      visitId: "v-1",
    });
    const d = decide(s, command, T0 + MIN);
    expect(d).toEqual({
      ok: false,
      error: { code: "INVALID_TRANSITION", message: expect.any(String) },
    });
  });

  it("decides the same command on the same state the same way (no hidden clock)", () => {
    const s = storeWith([{ id: "ana" }]);
    const command = commandSchema.parse({
      type: "visit:check-in",
      requestId: "r-same",
      topicId: "phones",
      channel: "kiosk",
      customerToken: token(),
    });
    const a = decide(s, command, T0 + MIN);
    const b = decide(s, command, T0 + MIN);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(b.events).toEqual(a.events);
  });
});
