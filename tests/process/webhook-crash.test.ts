import { mkdtemp, rm } from "node:fs/promises";
import { type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WebhookEvent } from "../../server/webhooks/events.js";
import { freePort } from "../support/net.js";
import { type Running, printed, startServer } from "../support/process.js";
import { REDIS_URL, deletePrefix, freshPrefix, hasRedis } from "../support/redis.js";

/**
 * kill -9 of a server whose webhook receiver is slow: the events it had not delivered are sent
 * by the next server on the same data (the journal, or Redis under the same prefix), each at
 * least once, with the same id and body as any copy sent before the kill, in the store's order.
 */

const admin = "w".repeat(32);
const CHECK_INS = 6;
/** Answered at once before the kill; the one after them is held open until the kill. */
const ANSWERED_BEFORE = 2;
const WAIT_MS = 40_000;

interface Delivery {
  event: WebhookEvent;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that answers the first `answerFirst` requests, then holds. */
class SlowReceiver {
  readonly deliveries: Delivery[] = [];
  answerAll = false;
  private readonly waiting: Array<() => void> = [];
  private server!: Server;
  url = "";

  constructor(private readonly answerFirst: number) {}

  async start(): Promise<this> {
    this.server = createServer((req, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        this.deliveries.push({ event: JSON.parse(body) as WebhookEvent, body });
        if (this.answerAll || this.deliveries.length <= this.answerFirst) res.end("ok");
        for (const wake of this.waiting.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** Resolves once `done()` holds after a delivery, failing the test after WAIT_MS. */
  until(done: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${what} within ${WAIT_MS} ms (${this.deliveries.length} got)`)),
        WAIT_MS,
      );
      const check = () => {
        if (!done()) {
          this.waiting.push(check);
          return;
        }
        clearTimeout(timer);
        resolve();
      };
      check();
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe("webhooks of a server killed with SIGKILL", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  const start = async (env: Record<string, string>): Promise<Running> => {
    const running = startServer({ ...env, WEBHOOKS_ALLOW_PRIVATE: "true" }, ["--demo"]);
    cleanup.push(async () => {
      running.child.kill("SIGKILL");
      await running.exited;
    });
    await printed(running, "Metrics:");
    return running;
  };

  const api = (port: number, method: string, path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${port}/api${path}`, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify(body),
    });

  const crashAndDeliver = async (env: Record<string, string>) => {
    const port = await freePort();
    const receiver = await new SlowReceiver(ANSWERED_BEFORE).start();
    cleanup.push(() => receiver.close());
    const all = { ...env, PORT: String(port), ADMIN_TOKEN: admin };

    const first = await start(all);
    expect(
      (await api(port, "PUT", "/admin/stores/demo/webhook", { url: receiver.url })).status,
    ).toBe(200);
    const visits: string[] = [];
    for (let i = 0; i < CHECK_INS; i++) {
      const reply = await api(port, "POST", "/stores/demo/visits", {
        requestId: `hook-crash-${i}`,
        topicId: "returns",
      });
      expect(reply.status).toBe(201);
      visits.push(((await reply.json()) as { visitId: string }).visitId);
    }
    await receiver.until(() => receiver.deliveries.length > ANSWERED_BEFORE, "held delivery");
    first.child.kill("SIGKILL");
    await first.exited;
    const beforeKill = receiver.deliveries.length;
    expect(beforeKill).toBe(ANSWERED_BEFORE + 1);

    receiver.answerAll = true;
    await start(all);
    const delivered = () =>
      new Set(
        receiver.deliveries
          .filter((d) => d.event.type === "visit:checked-in")
          .map((d) => d.event.data.visitId),
      );
    await receiver.until(() => visits.every((v) => delivered().has(v)), "every check-in's event");

    // Every copy of an event is the same delivery: same id, same body, before and after the kill.
    const byVisit = new Map<unknown, Set<string>>();
    const bodyOf = new Map<string, string>();
    for (const { event, body } of receiver.deliveries) {
      byVisit.set(event.data.visitId, (byVisit.get(event.data.visitId) ?? new Set()).add(event.id));
      expect(bodyOf.get(event.id) ?? body).toBe(body);
      bodyOf.set(event.id, body);
    }
    for (const visit of visits) expect(byVisit.get(visit)?.size).toBe(1);
    // In the store's order: first copies, and the new server's deliveries on their own.
    const versions = (list: Delivery[]) => list.map((d) => d.event.version);
    const firstCopies = [...new Map(receiver.deliveries.map((d) => [d.event.id, d])).values()];
    const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
    expect(versions(firstCopies)).toEqual(sorted(versions(firstCopies)));
    const after = receiver.deliveries.slice(beforeKill);
    expect(versions(after)).toEqual(sorted(versions(after)));
    expect(firstCopies.map((d) => d.event.data.visitId)).toEqual(visits);
    // The event held open at the kill was sent again by the new server.
    const held = receiver.deliveries[ANSWERED_BEFORE];
    expect(after.map((d) => d.event.id)).toContain(held?.event.id);
  };

  it("are all sent by the next server on the embedded journal", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-hook-crash-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    await crashAndDeliver({ DATA_DIR: dataDir });
  });

  it.skipIf(!hasRedis)("are all sent by the next server on Redis", async () => {
    const prefix = freshPrefix();
    cleanup.push(() => deletePrefix(prefix));
    const dataDir = await mkdtemp(join(tmpdir(), "undivided-hook-crash-redis-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    await crashAndDeliver({ DATA_DIR: dataDir, REDIS_URL, REDIS_PREFIX: prefix });
  });
});
