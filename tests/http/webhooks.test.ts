import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookEvent } from "../../server/webhooks/events.js";
import { verifyWebhook } from "../../server/webhooks/signature.js";
import {
  Receiver,
  type TestApp,
  admin,
  call,
  closedPort,
  must,
  provisionStore,
  startApp,
} from "./harness.js";

let t: TestApp;
const receivers: Receiver[] = [];

beforeAll(async () => {
  t = await startApp({
    webhooks: {
      retryDelaysMs: [5, 10, 20, 40],
      timeoutMs: 2000,
      drainMs: 50,
      allowPrivate: true,
    },
  });
});
afterAll(async () => {
  await t.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(answer?: ConstructorParameters<typeof Receiver>[0]) {
  const r = await new Receiver(answer).start();
  receivers.push(r);
  return r;
}

/** A store whose webhook posts to `url`; answers its id and signing secret. */
async function storeWithWebhook(url: string) {
  const storeId = await provisionStore(t.url);
  const hook = await must(
    admin<{ secret: string; url: string }>(t.url, "PUT", `/admin/stores/${storeId}/webhook`, {
      url,
    }),
  );
  return { storeId, secret: hook.secret };
}

let seq = 0;
const rid = () => `wh-${++seq}`;

const checkIn = (storeId: string, topicId: string, extra: Record<string, unknown> = {}) =>
  must(
    admin<{ visitId: string; customerToken: string }>(t.url, "POST", `/stores/${storeId}/visits`, {
      requestId: rid(),
      topicId,
      ...extra,
    }),
  );

async function run(storeId: string, command: Record<string, unknown>) {
  const result = await t.app.service.execute(
    storeId,
    { requestId: rid(), ...command },
    t.clock.now,
  );
  if (!result.ok) throw new Error(`${command.type}: ${result.error.code}`);
  return result.data;
}

describe("outgoing webhooks", () => {
  it("posts every visit step and the feedback, signed, with no customer token, name or note", async () => {
    const hook = await receiver();
    const { storeId, secret } = await storeWithWebhook(hook.url);
    expect(secret).toMatch(/^whsec_/);
    await must(
      call(t.url, "POST", `/api/stores/${storeId}/sessions`, {
        body: { associateId: "ana", pin: "1357" },
      }),
    );

    const first = await checkIn(storeId, "phones", { name: "Ivy Secretname", note: "privatenote" });
    const offerId = (await t.app.service.state(storeId)).associates.get("ana")?.offerId;
    await run(storeId, { type: "offer:accept", associateId: "ana", offerId });
    await run(storeId, {
      type: "visit:complete",
      associateId: "ana",
      visitId: first.visitId,
      outcome: "resolved",
    });
    await run(storeId, {
      type: "feedback:give",
      visitId: first.visitId,
      satisfaction: "yes",
      kudos: true,
      comment: "Great help",
    });
    const second = await checkIn(storeId, "returns");
    await run(storeId, { type: "visit:leave", visitId: second.visitId });

    const got = await hook.until(7);
    const events = got.map((r) => JSON.parse(r.body) as WebhookEvent);
    expect(events.map((e) => e.type)).toEqual([
      "visit:checked-in",
      "visit:offered",
      "visit:serving",
      "visit:done",
      "feedback:given",
      "visit:checked-in",
      "visit:left",
    ]);
    for (const [i, r] of got.entries()) {
      expect(r.method).toBe("POST");
      expect(r.headers["content-type"]).toBe("application/json");
      expect(verifyWebhook(r.body, String(r.headers["x-undivided-signature"]), secret)).toBe(true);
      expect(verifyWebhook(r.body, String(r.headers["x-undivided-signature"]), "other")).toBe(
        false,
      );
      expect(Number(r.headers["x-undivided-timestamp"])).toBeGreaterThan(1_600_000_000);
      expect(r.headers["x-undivided-delivery"]).toBe(events[i]?.id);
      expect(r.headers["x-undivided-event"]).toBe(events[i]?.type);
      expect(r.body).not.toContain(first.customerToken);
      expect(r.body).not.toContain(second.customerToken);
      expect(r.body).not.toContain("Secretname");
      expect(r.body).not.toContain("privatenote");
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(7);
    for (const e of events) {
      expect(e.storeId).toBe(storeId);
      expect(e.id).toMatch(new RegExp(`^${storeId}:${e.version}:\\d+$`));
      expect(Date.parse(e.at)).toBe(t.clock.now);
    }
    const [checkedIn, offered, serving, done, feedback, , left] = events;
    expect(checkedIn?.data).toMatchObject({
      visitId: first.visitId,
      topicId: "phones",
      channel: "staff",
      code: expect.stringMatching(/^P-\d+$/),
    });
    expect(offered?.data).toMatchObject({ visitId: first.visitId, associateId: "ana", offerId });
    expect(serving?.data).toMatchObject({ visitId: first.visitId, associateId: "ana", offerId });
    expect(done?.data).toMatchObject({ visitId: first.visitId, outcome: "resolved" });
    expect(feedback?.data).toMatchObject({
      visitId: first.visitId,
      associateId: "ana",
      satisfaction: "yes",
      kudos: true,
      comment: "Great help",
    });
    expect(left?.data).toMatchObject({ visitId: second.visitId, reason: "left" });
  });

  it("says when a no-show is taken back (visit:reopened after the visit:done)", async () => {
    const hook = await receiver();
    const { storeId } = await storeWithWebhook(hook.url);
    await must(
      call(t.url, "POST", `/api/stores/${storeId}/sessions`, {
        body: { associateId: "ana", pin: "1357" },
      }),
    );
    const visit = await checkIn(storeId, "phones");
    const offerId = (await t.app.service.state(storeId)).associates.get("ana")?.offerId;
    await run(storeId, { type: "offer:accept", associateId: "ana", offerId });
    await run(storeId, { type: "visit:no-show", associateId: "ana", visitId: visit.visitId });
    await run(storeId, { type: "visit:undo-no-show", associateId: "ana", visitId: visit.visitId });
    const events = (await hook.until(5)).map((r) => JSON.parse(r.body) as WebhookEvent);
    expect(events.map((e) => e.type)).toEqual([
      "visit:checked-in",
      "visit:offered",
      "visit:serving",
      "visit:done",
      "visit:reopened",
    ]);
    expect(events[3]?.data).toMatchObject({ visitId: visit.visitId, outcome: "no_show" });
    expect(events[4]?.data).toMatchObject({
      visitId: visit.visitId,
      associateId: "ana",
      status: "serving",
    });
  });

  it("says when a resolved visit's customer disagrees, and when a manager followed it up", async () => {
    const hook = await receiver();
    const { storeId } = await storeWithWebhook(hook.url);
    await must(
      call(t.url, "POST", `/api/stores/${storeId}/sessions`, {
        body: { associateId: "ana", pin: "1357" },
      }),
    );
    const visit = await checkIn(storeId, "phones", { name: "Ivy Secretname" });
    const offerId = (await t.app.service.state(storeId)).associates.get("ana")?.offerId;
    await run(storeId, { type: "offer:accept", associateId: "ana", offerId });
    await run(storeId, {
      type: "visit:complete",
      associateId: "ana",
      visitId: visit.visitId,
      outcome: "resolved",
    });
    await run(storeId, {
      type: "feedback:give",
      visitId: visit.visitId,
      satisfaction: "no",
      comment: "Still does not charge",
    });
    await run(storeId, {
      type: "follow-up:done",
      visitId: visit.visitId,
      note: "Replaced the cable at the desk",
    });
    const got = await hook.until(7);
    const events = got.map((r) => JSON.parse(r.body) as WebhookEvent);
    expect(events.map((e) => e.type)).toEqual([
      "visit:checked-in",
      "visit:offered",
      "visit:serving",
      "visit:done",
      "feedback:given",
      "visit:follow-up-needed",
      "visit:followed-up",
    ]);
    const code = events[0]?.data.code;
    expect(events[5]?.data).toEqual({
      visitId: visit.visitId,
      code,
      topicId: "phones",
      associateId: "ana",
      outcome: "resolved",
      satisfaction: "no",
      comment: "Still does not charge",
    });
    // Followed up by an administrator here (no manager named): `followedUpBy` null.
    expect(events[6]?.data).toEqual({
      visitId: visit.visitId,
      code,
      topicId: "phones",
      associateId: "ana",
      followedUpBy: null,
      note: "Replaced the cable at the desk",
    });
    // The feedback and its follow-up came in one commit: one version, in order.
    expect(events[5]?.version).toBe(events[4]?.version);
    for (const r of got) expect(r.body).not.toContain("Secretname");
  });

  it("retries after 500s with the same id and body, then stops at a success", async () => {
    let answered = 0;
    const hook = await receiver((_req, res) => {
      answered++;
      res.statusCode = answered <= 2 ? 500 : 200;
      res.end();
    });
    const { storeId, secret } = await storeWithWebhook(hook.url);
    await checkIn(storeId, "returns");
    const got = await hook.until(3);
    expect(got.map((r) => r.headers["x-undivided-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect(new Set(got.map((r) => r.headers["x-undivided-delivery"])).size).toBe(1);
    for (const r of got)
      expect(verifyWebhook(r.body, String(r.headers["x-undivided-signature"]), secret)).toBe(true);

    // The next event comes only after the delivered one: a store's events keep their order.
    await checkIn(storeId, "returns");
    const after = await hook.until(4);
    expect(JSON.parse(after[3]?.body ?? "{}").id).not.toBe(JSON.parse(got[0]?.body ?? "{}").id);
    expect(after).toHaveLength(4);
  });

  it("gives up at once on a 4xx refusal, and after the last retry on a receiver that is down", async () => {
    const refusing = await receiver((_req, res) => {
      res.statusCode = 410;
      res.end();
    });
    const refused = await storeWithWebhook(refusing.url);
    await checkIn(refused.storeId, "returns");
    const line = await t.log.until(
      (l) => l.msg === "webhook delivery failed" && l.storeId === refused.storeId,
    );
    expect(line).toMatchObject({ attempt: 1, giveUp: true, result: "refused" });
    expect(refusing.received).toHaveLength(1);

    const port = await closedPort();
    const down = await storeWithWebhook(`http://127.0.0.1:${port}/hook`);
    await checkIn(down.storeId, "returns");
    const last = await t.log.until(
      (l) => l.msg === "webhook delivery failed" && l.storeId === down.storeId && l.giveUp === true,
    );
    expect(last).toMatchObject({ attempt: 5, result: "ECONNREFUSED" });
    const metrics = await call<string>(t.url, "GET", "/metrics");
    expect(metrics.body).toMatch(/undivided_webhook_deliveries_total\{result="failed"\} [1-9]/);
  });

  it("never holds a command back while the receiver is slow", async () => {
    const hanging = await receiver(() => {});
    const { storeId } = await storeWithWebhook(hanging.url);
    await checkIn(storeId, "returns");
    await hanging.until(1);
    // The receiver holds its first request open; commands go on being answered meanwhile.
    for (let i = 0; i < 5; i++) await checkIn(storeId, "returns");
    await run(storeId, { type: "intake:pause" });
    expect(hanging.received).toHaveLength(1);
    const state = await t.app.service.state(storeId);
    expect(state.visits.size).toBe(6);
  });

  it("is set, shown and removed through the admin API, which checks its input", async () => {
    const storeId = await provisionStore(t.url);
    const path = `/admin/stores/${storeId}/webhook`;
    expect((await admin(t.url, "GET", path)).status).toBe(404);
    expect((await admin(t.url, "DELETE", path)).status).toBe(404);
    for (const url of ["ftp://example.com/x", "not a url", "http://user:pw@example.com/"]) {
      const bad = await admin(t.url, "PUT", path, { url });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { code: "INVALID_COMMAND" } });
    }
    expect((await admin(t.url, "PUT", path, { url: "https://x.test/", extra: 1 })).status).toBe(
      400,
    );
    const missing = await admin(t.url, "PUT", "/admin/stores/no-such-store/webhook", {
      url: "https://x.test/",
    });
    expect(missing.body).toMatchObject({ error: { code: "STORE_NOT_FOUND" } });
    expect(
      (await call(t.url, "PUT", `/api${path}`, { body: { url: "https://x.test/" } })).status,
    ).toBe(401);

    const first = await admin<{ secret: string }>(t.url, "PUT", path, { url: "https://x.test/a" });
    const second = await admin<{ secret: string }>(t.url, "PUT", path, { url: "https://x.test/b" });
    expect(second.body.secret).not.toBe(first.body.secret);
    const shown = await admin(t.url, "GET", path);
    expect(shown.body).toMatchObject({ storeId, url: "https://x.test/b" });
    expect(JSON.stringify(shown.body)).not.toContain(second.body.secret);
    expect((await admin(t.url, "DELETE", path)).status).toBe(204);
    expect((await admin(t.url, "GET", path)).status).toBe(404);
  });

  it("sends what is still queued when the server shuts down", async () => {
    // Each event is refused twice before it is taken, so sending four takes a while.
    const tries = new Map<string, number>();
    const flaky = await receiver((got, res) => {
      const id = String(got.headers["x-undivided-delivery"]);
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      res.statusCode = n <= 2 ? 503 : 200;
      res.end();
    });
    const own = await startApp({
      webhooks: { retryDelaysMs: [40, 40], timeoutMs: 2000, drainMs: 10_000, allowPrivate: true },
    });
    try {
      const storeId = await provisionStore(own.url);
      await must(admin(own.url, "PUT", `/admin/stores/${storeId}/webhook`, { url: flaky.url }));
      for (let i = 0; i < 4; i++)
        await must(
          admin(own.url, "POST", `/stores/${storeId}/visits`, {
            requestId: `drain-${i}`,
            topicId: "returns",
          }),
        );
    } finally {
      await own.close();
    }
    const delivered = [...tries.values()].filter((n) => n === 3);
    expect(delivered).toHaveLength(4);
  });
});
