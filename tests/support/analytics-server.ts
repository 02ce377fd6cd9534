import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import {
  ADMIN_TOKEN,
  type BackendName,
  Clock,
  MIN,
  type Place,
  type Running,
  SEC,
  T0,
  freshPlace,
  request,
  startServer,
} from "./server.js";

/**
 * A real server with analytics on, for the HTTP tests of what the read models answer
 * (analytics, staffing): visits played through it (`serve`) as the clock moves, read back.
 */

let commands = 0;

/**
 * A fresh place with its analytics read models in a temporary directory, and a clock at T0:
 * `open` it before each test, `close` it after (also when `open` never ran). Servers started
 * on it one after another (a restart) find the same data.
 */
export class AnalyticsPlace {
  readonly clock = new Clock();
  private place: Place | undefined;
  private dataDir: string | undefined;
  private running: Running | undefined;

  async open(backend: BackendName): Promise<void> {
    this.place = await freshPlace(backend);
    this.dataDir = await mkdtemp(join(tmpdir(), "undivided-analytics-http-"));
    this.clock.now = T0;
  }

  /** Starts a server on the place; `close` stops the last one started. */
  async start(): Promise<Running> {
    if (!this.place || !this.dataDir) throw new Error("open the place first");
    this.running = await startServer(this.place, this.clock, {
      analytics: { dataDir: this.dataDir },
    });
    return this.running;
  }

  async close(): Promise<void> {
    await this.running?.close();
    this.running = undefined;
    await this.place?.cleanup();
    this.place = undefined;
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    this.dataDir = undefined;
  }
}

/** Runs a command as of `clock`; a refusal fails the test with its code. */
export async function execute(
  server: Running,
  clock: Clock,
  storeId: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const result = await server.app.service.execute(
    storeId,
    { requestId: `command-${++commands}`, ...input },
    clock.now,
  );
  if (!result.ok) throw new Error(`${String(input.type)}: ${result.error.code}`);
  return result.data as Record<string, unknown>;
}

/**
 * A phones customer checks in through the HTTP API (as `channel`, by `name` if given), waits
 * `waitMs`, and Ana (signed in, free) serves them for 4 minutes; the clock ends 30 s after.
 * Answers the visit's id.
 */
export async function serve(
  server: Running,
  clock: Clock,
  storeId: string,
  customer: { channel: "kiosk" | "staff"; waitMs: number; name?: string },
): Promise<string> {
  const checkIn = await request<{ visitId: string }>(
    server.url,
    "POST",
    `/api/stores/${storeId}/visits`,
    {
      requestId: `check-in-${++commands}`,
      topicId: "phones",
      name: customer.name,
      channel: customer.channel,
    },
    ADMIN_TOKEN,
  );
  expect(checkIn.status).toBe(201);
  clock.advance(customer.waitMs);
  const offerId = (await server.app.service.state(storeId)).associates.get("ana")?.offerId;
  await execute(server, clock, storeId, { type: "offer:accept", associateId: "ana", offerId });
  clock.advance(4 * MIN);
  await execute(server, clock, storeId, {
    type: "visit:complete",
    associateId: "ana",
    visitId: checkIn.body.visitId,
    outcome: "resolved",
  });
  clock.advance(30 * SEC);
  return checkIn.body.visitId;
}
