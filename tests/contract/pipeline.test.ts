import { describe, expect, it } from "vitest";
import { type CommandResult, QueueService } from "../../server/app/queue-service.js";
import { silentLogger } from "../../server/logger.js";
import { storeSettingsSchema } from "../../shared/settings.js";
import { backends, storesPerTest } from "../support/backends.js";
import { NO_LAG_BOUND, SEC, T0, demoSettings } from "../support/engine.js";

/**
 * The pipelined command path over each real back end: a store's commands are decided in order
 * on the state the ones before left, made durable in batches, and answered only once durable;
 * a conflict with another writer has the undurable tail decided again.
 */

const STORE = "pipe";
let requests = 0;
const rid = () => `p-${++requests}`;

const checkIn = (name: string) => ({
  requestId: rid(),
  type: "visit:check-in",
  topicId: "phones",
  channel: "kiosk",
  name,
  customerToken: `tok-${name}-${"x".repeat(24)}`,
});

async function openStore(service: QueueService): Promise<void> {
  const setup = [
    { type: "store:create", settings: storeSettingsSchema.parse(demoSettings) },
    {
      type: "associate:register",
      associateId: "ana",
      name: "Ana",
      skills: ["phones"],
      languages: ["en"],
      manager: false,
    },
    { type: "associate:sign-in", associateId: "ana" },
  ];
  for (const input of setup) {
    const result = await service.execute(STORE, { requestId: rid(), ...input }, T0);
    expect(result.ok).toBe(true);
  }
}

const versionOf = (result: CommandResult) => (result.ok ? result.version : -1);

describe.each(backends)("the command pipeline over the $name store", (backend) => {
  const { open } = storesPerTest(backend);

  it("makes many commands of one store durable together, each answered with its own commit", async () => {
    const store = await open();
    const service = new QueueService({ store, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    await openStore(service);
    const before = service.counters.batches;
    // 40: below a quarter of the queue bound (200), past which check-ins are answered BUSY.
    const inputs = Array.from({ length: 40 }, (_, i) => checkIn(`c${i}`));
    const results = await Promise.all(inputs.map((input) => service.execute(STORE, input, T0)));
    expect(results.every((r) => r.ok && !r.duplicate)).toBe(true);
    // One sync or round trip for many commits, not one each.
    expect(service.counters.batches - before).toBeLessThanOrEqual(5);
    const versions = results.map(versionOf);
    const lowest = Math.min(...versions);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions.map((_, i) => lowest + i));
    // Each answer is the commit of its own request, and all of it is in the log after a restart.
    await store.close();
    const again = await open();
    const log = await again.read(STORE, 0);
    inputs.forEach((input, i) => {
      expect(log[(versions[i] ?? 0) - 1]?.requestId).toBe(input.requestId);
    });
    const restarted = new QueueService({
      store: again,
      logger: silentLogger,
      maxLagMs: NO_LAG_BOUND,
    });
    const state = await restarted.state(STORE);
    expect(state.visits.count((v) => v.status === "waiting" || v.status === "offered")).toBe(40);
  });

  it("quotes the customers of a batch once, in one commit after theirs, and each answer is its recorded range", async () => {
    const store = await open();
    const service = new QueueService({ store, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    await openStore(service);
    const before = service.counters.batches;
    const inputs = Array.from({ length: 30 }, (_, i) => checkIn(`q${i}`));
    const results = await Promise.all(inputs.map((input) => service.execute(STORE, input, T0)));
    const batches = service.counters.batches - before;
    await store.close();
    const log = await (await open()).read(STORE, 0);
    const quoteCommits = log.filter((c) => c.command === "quote");
    // One quote commit per batch at most (the line is simulated once per batch, not per check-in).
    expect(quoteCommits.length).toBeGreaterThanOrEqual(1);
    expect(quoteCommits.length).toBeLessThanOrEqual(batches);
    const quoted = quoteCommits.flatMap((c) => c.events as { type: string; visitId: string }[]);
    expect(quoted.every((e) => e.type === "visit:quoted")).toBe(true);
    expect(quoted).toHaveLength(30);
    const restarted = new QueueService({ store: await open(), logger: silentLogger });
    const state = await restarted.state(STORE);
    for (const result of results) {
      if (!result.ok) throw new Error(`check-in refused: ${result.error.code}`);
      const visit = state.visits.get(String(result.data.visitId));
      expect(visit?.quotes).toHaveLength(1);
      const told = visit?.quotes[0];
      expect(result.data.status).toBe(visit?.status === "offered" ? "offered" : "waiting");
      // The answer is the range in the log, replayed after a restart.
      expect([result.data.waitLowMin, result.data.waitHighMin]).toEqual([
        told?.lowMin,
        told?.highMin,
      ]);
      // Its quote is committed after it, in the same batch: never before the visit exists.
      const at = log.findIndex((c) => c.requestId === inputs[results.indexOf(result)]?.requestId);
      const quotedAt = log.findIndex(
        (c) =>
          c.command === "quote" &&
          (c.events as { visitId?: string }[]).some((e) => e.visitId === result.data.visitId),
      );
      expect(quotedAt).toBeGreaterThan(at);
    }
  });

  it("decides each command on the state the ones before it left, before those are durable", async () => {
    const service = new QueueService({
      store: await open(),
      logger: silentLogger,
      maxLagMs: NO_LAG_BOUND,
    });
    await openStore(service);
    // Sent in one turn: the second is decided while the first is not yet durable.
    const [first, second, state] = await Promise.all([
      service.execute(STORE, checkIn("first"), T0 + SEC),
      service.execute(STORE, checkIn("second"), T0 + SEC),
      service.state(STORE),
    ]);
    expect(versionOf(second)).toBe(versionOf(first) + 1);
    // A read after them answers the state they left.
    expect(state.version).toBe(versionOf(second));
    expect([...state.visits.values()].map((v) => v.name).sort()).toEqual(["first", "second"]);
    // Ana (the only one) is offered the first; the second waits behind it.
    const visits = [...state.visits.values()];
    expect(visits.find((v) => v.name === "first")?.status).toBe("offered");
    expect(visits.find((v) => v.name === "second")?.status).toBe("waiting");
  });

  it("answers a retry sent while the first is in flight with the first's answer, once", async () => {
    const service = new QueueService({
      store: await open(),
      logger: silentLogger,
      maxLagMs: NO_LAG_BOUND,
    });
    await openStore(service);
    const command = checkIn("twice");
    const [first, retry] = await Promise.all([
      service.execute(STORE, command, T0 + SEC),
      service.execute(STORE, command, T0 + SEC),
    ]);
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(retry).toMatchObject({ ok: true, duplicate: true });
    if (first.ok && retry.ok) {
      expect(retry.data).toEqual(first.data);
      expect(retry.version).toBe(first.version);
    }
    const state = await service.state(STORE);
    expect(state.visits.count((v) => v.name === "twice")).toBe(1);
  });

  it("decides again what another writer's commit made stale, losing and doubling nothing", async () => {
    // Two command handlers on one log (two processes on Redis; for the embedded store, two
    // handlers on one store, which the version check serializes the same way).
    const first = await open();
    const second = backend.name === "embedded" ? first : await open();
    const a = new QueueService({ store: first, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    const b = new QueueService({ store: second, logger: silentLogger, maxLagMs: NO_LAG_BOUND });
    await openStore(a);
    await b.state(STORE);
    const inputs = Array.from({ length: 40 }, (_, i) => checkIn(`r${i}`));
    const results = await Promise.all(
      inputs.map((input, i) => (i % 2 ? b : a).execute(STORE, input, T0 + SEC)),
    );
    expect(results.every((r) => r.ok && !r.duplicate)).toBe(true);
    expect(a.counters.conflicts + b.counters.conflicts).toBeGreaterThan(0);
    const log = await first.read(STORE, 0);
    const checkIns = log.filter((c) => c.command === "visit:check-in");
    expect(checkIns.map((c) => c.requestId).sort()).toEqual(inputs.map((i) => i.requestId).sort());
    inputs.forEach((input, i) => {
      expect(log[versionOf(results[i] as CommandResult) - 1]?.requestId).toBe(input.requestId);
    });
    // Both handlers hold the same state: one visit per request.
    const [sa, sb] = await Promise.all([a.state(STORE), b.state(STORE)]);
    expect(sa.version).toBe(log.length);
    expect(sb.version).toBe(log.length);
    expect(sa.visits.size).toBe(40);
  });
});
