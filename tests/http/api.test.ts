import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  type Reply,
  type TestApp,
  admin,
  call,
  freshStoreId,
  must,
  provisionStore,
  settings,
  startApp,
} from "./harness.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ rateLimits: { ipCheckInsPerMin: 10_000, signInsPerMin: 10_000 } });
});
afterAll(() => t.close());

type ErrorReply = { error: { code: string; message: string } };

/** The reply must be `status` with error `code` and a human message. */
function refused(reply: Reply<unknown>, status: number, code: string): void {
  expect({ status: reply.status, code: (reply.body as ErrorReply).error?.code }).toEqual({
    status,
    code,
  });
  expect((reply.body as ErrorReply).error.message.length).toBeGreaterThan(5);
}

let seq = 0;
const rid = () => `api-${++seq}`;

describe("health, readiness, metrics and headers", () => {
  it("answers /healthz and /readyz", async () => {
    expect(await call(t.url, "GET", "/healthz")).toMatchObject({ status: 200, body: { ok: true } });
    expect(await call(t.url, "GET", "/readyz")).toMatchObject({
      status: 200,
      body: { ok: true, store: "embedded" },
    });
  });

  it("serves every metric in the Prometheus text format", async () => {
    const reply = await call<string>(t.url, "GET", "/metrics");
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toContain("text/plain");
    for (const name of [
      "undivided_command_duration_seconds",
      "undivided_commands_total",
      "undivided_connected_sockets",
      "undivided_waiting_visits",
      "undivided_timer_lag_seconds",
      "undivided_webhook_deliveries_total",
      "process_resident_memory_bytes",
    ]) {
      expect(reply.body).toContain(`# TYPE ${name} `);
    }
  });

  it("counts every command answered, by type and result (the service counts them, not each door)", async () => {
    const storeId = await provisionStore(t.url);
    const visits = `/stores/${storeId}/visits`;
    const count = async (labels: string) => {
      const body = (await call<string>(t.url, "GET", "/metrics")).body;
      const line = body
        .split("\n")
        .find((l) => l.startsWith(`undivided_commands_total{${labels}}`));
      return Number(line?.split(" ").at(-1) ?? 0);
    };
    const okBefore = await count('command="visit:check-in",result="ok"');
    await admin(t.url, "POST", visits, { requestId: rid(), topicId: "returns" });
    expect(await count('command="visit:check-in",result="ok"')).toBe(okBefore + 1);
    // A refusal is counted under its error code.
    const refusedBefore = await count('command="visit:check-in",result="UNKNOWN_TOPIC"');
    await admin(t.url, "POST", visits, { requestId: rid(), topicId: "no-such-topic" });
    expect(await count('command="visit:check-in",result="UNKNOWN_TOPIC"')).toBe(refusedBefore + 1);
  });

  it("answers BUSY with 503 and Retry-After when commands may not queue, and changes nothing", async () => {
    const full = await startApp({ commandQueue: { perStore: 0 } });
    try {
      const storeId = freshStoreId();
      const reply = await admin(full.url, "POST", "/admin/stores", { storeId, settings });
      expect(reply.status).toBe(503);
      expect(reply.headers.get("retry-after")).toBe("1");
      expect(reply.body).toMatchObject({ error: { code: "BUSY" } });
      expect((await full.app.service.state(storeId)).created).toBe(false);
    } finally {
      await full.close();
    }
  });

  it("sets helmet's security headers and no x-powered-by", async () => {
    const { headers } = await call(t.url, "GET", "/healthz");
    expect(headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(headers.get("strict-transport-security")).toContain("max-age=");
    expect(headers.get("referrer-policy")).toBe("no-referrer");
    expect(headers.get("x-powered-by")).toBeNull();
  });

  it("echoes a request id, or makes one up", async () => {
    const echoed = await call(t.url, "GET", "/healthz", { headers: { "x-request-id": "req-42" } });
    expect(echoed.headers.get("x-request-id")).toBe("req-42");
    const made = await call(t.url, "GET", "/api/nope");
    expect(made.headers.get("x-request-id")).toMatch(/^.{8,}$/);
    const logged = await t.log.until((l) => l.msg === "http" && l.requestId === "req-42");
    expect(logged).toMatchObject({ method: "GET", path: "/healthz", status: 200 });
  });

  it("answers 404 NOT_FOUND on an unknown API route", async () => {
    refused(await call(t.url, "GET", "/api/nope"), 404, "NOT_FOUND");
    refused(await admin(t.url, "POST", "/admin/nope", {}), 404, "NOT_FOUND");
  });
});

describe("admin token", () => {
  const routes: Array<[string, string]> = [
    ["POST", "/api/admin/stores"],
    ["GET", "/api/admin/stores/s1/settings"],
    ["PUT", "/api/admin/stores/s1/settings"],
    ["POST", "/api/admin/stores/s1/associates"],
    ["PUT", "/api/admin/stores/s1/associates/a1/pin"],
    ["POST", "/api/admin/stores/s1/devices"],
    ["GET", "/api/admin/stores/s1/devices"],
    ["DELETE", "/api/admin/stores/s1/devices/d1"],
    ["PUT", "/api/admin/stores/s1/webhook"],
    ["GET", "/api/admin/stores/s1/webhook"],
    ["DELETE", "/api/admin/stores/s1/webhook"],
    ["POST", "/api/stores/s1/visits"],
    ["GET", "/api/stores/s1/line"],
    ["GET", "/api/stores/s1/stats"],
    ["PUT", "/api/stores/s1/intake"],
  ];

  it("is required by every admin and integration route: 401 without it or with a wrong one", async () => {
    for (const [method, path] of routes) {
      const body = method === "GET" || method === "DELETE" ? undefined : {};
      refused(await call(t.url, method, path, { body }), 401, "UNAUTHORIZED");
      refused(
        await call(t.url, method, path, { body, token: "y".repeat(32) }),
        401,
        "UNAUTHORIZED",
      );
      refused(
        await call(t.url, method, path, { body, token: ADMIN.slice(1) }),
        401,
        "UNAUTHORIZED",
      );
      const basic = { authorization: `Basic ${ADMIN}` };
      refused(await call(t.url, method, path, { body, headers: basic }), 401, "UNAUTHORIZED");
    }
  });

  it("refuses everyone when the server has no admin token", async () => {
    const bare = await startApp({ adminToken: undefined });
    try {
      refused(
        await call(bare.url, "GET", "/api/admin/stores/s1/devices", { token: "undefined" }),
        401,
        "UNAUTHORIZED",
      );
    } finally {
      await bare.close();
    }
  });
});

describe("bodies", () => {
  it("answers 400 INVALID_COMMAND on malformed JSON", async () => {
    for (const path of ["/api/admin/stores", "/api/stores/s1/join", "/api/stores/s1/sessions"]) {
      const reply = await call(t.url, "POST", path, { body: '{"storeId": ', token: ADMIN });
      refused(reply, 400, "INVALID_COMMAND");
    }
  });

  it("answers 413 PAYLOAD_TOO_LARGE on a body over 32 kB, before anything else", async () => {
    const big = { storeId: "big", settings: { ...settings, name: "x".repeat(40_000) } };
    refused(await admin(t.url, "POST", "/admin/stores", big), 413, "PAYLOAD_TOO_LARGE");
    refused(
      await call(t.url, "POST", "/api/stores/s1/join", { body: big }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
  });
});

describe("provisioning", () => {
  it("creates a store once; bad settings are INVALID_SETTINGS, a bad shape INVALID_COMMAND", async () => {
    const storeId = freshStoreId();
    const created = await admin(t.url, "POST", "/admin/stores", { storeId, settings });
    expect(created).toMatchObject({ status: 201, body: { storeId, version: 1 } });
    refused(
      await admin(t.url, "POST", "/admin/stores", { storeId, settings }),
      409,
      "STORE_EXISTS",
    );
    refused(
      await admin(t.url, "POST", "/admin/stores", {
        storeId: freshStoreId(),
        settings: { ...settings, timezone: "Mars/Olympus" },
      }),
      400,
      "INVALID_SETTINGS",
    );
    refused(
      await admin(t.url, "POST", "/admin/stores", { storeId: "bad id!", settings }),
      400,
      "INVALID_SETTINGS",
    );
    refused(await admin(t.url, "POST", "/admin/stores", []), 400, "INVALID_SETTINGS");
  });

  it("reads and replaces a store's settings", async () => {
    const storeId = await provisionStore(t.url);
    const path = `/admin/stores/${storeId}/settings`;
    const read = await must(admin<{ settings: typeof settings }>(t.url, "GET", path));
    expect(read.settings).toMatchObject({ name: settings.name, offerTimeoutSec: 30 });
    const changed = await admin(t.url, "PUT", path, { ...read.settings, name: "Renamed" });
    expect(changed).toMatchObject({ status: 200, body: { storeId } });
    const again = await must(admin<{ settings: { name: string } }>(t.url, "GET", path));
    expect(again.settings.name).toBe("Renamed");
    refused(
      await admin(t.url, "PUT", path, { ...read.settings, languages: [] }),
      400,
      "INVALID_SETTINGS",
    );
    refused(await admin(t.url, "GET", "/admin/stores/nope/settings"), 404, "STORE_NOT_FOUND");
    refused(
      await admin(t.url, "PUT", "/admin/stores/nope/settings", settings),
      404,
      "STORE_NOT_FOUND",
    );
  });

  it("adds associates and resets PINs, never echoing a PIN", async () => {
    const storeId = await provisionStore(t.url);
    const base = `/admin/stores/${storeId}/associates`;
    const added = await admin(t.url, "POST", base, {
      associateId: "max",
      name: "Max Okafor",
      pin: "9090",
      skills: ["service"],
      languages: ["en", "uk"],
      manager: true,
    });
    expect(added).toMatchObject({
      status: 201,
      body: { associateId: "max", manager: true, skills: ["service"] },
    });
    expect(JSON.stringify(added.body)).not.toContain("9090");
    for (const bad of [
      { associateId: "x1", name: "X", pin: "12" },
      { associateId: "x1", name: "X", pin: "abcd" },
      { associateId: "x 1", name: "X", pin: "1234" },
      { associateId: "x1", name: "", pin: "1234" },
      { associateId: "x1", name: "X", pin: "1234", role: "boss" },
    ]) {
      refused(await admin(t.url, "POST", base, bad), 400, "INVALID_COMMAND");
    }
    refused(
      await admin(t.url, "POST", "/admin/stores/nope/associates", {
        associateId: "x1",
        name: "X",
        pin: "1234",
      }),
      404,
      "STORE_NOT_FOUND",
    );

    expect((await admin(t.url, "PUT", `${base}/max/pin`, { pin: "4242" })).status).toBe(204);
    const session = { associateId: "max", pin: "4242" };
    const signedIn = await call(t.url, "POST", `/api/stores/${storeId}/sessions`, {
      body: session,
    });
    expect(signedIn).toMatchObject({ status: 201, body: { role: "manager" } });
    refused(await admin(t.url, "PUT", `${base}/max/pin`, { pin: "42" }), 400, "INVALID_COMMAND");
    refused(
      await admin(t.url, "PUT", `${base}/nobody/pin`, { pin: "4242" }),
      404,
      "ASSOCIATE_NOT_FOUND",
    );
  });

  it("issues, lists and revokes devices; the token is shown only when issued", async () => {
    const storeId = await provisionStore(t.url);
    const base = `/admin/stores/${storeId}/devices`;
    const kiosk = await must(
      admin<{ deviceId: string; token: string; pairingUrl: string; kind: string }>(
        t.url,
        "POST",
        base,
        { kind: "kiosk", name: "Door kiosk" },
      ),
    );
    expect(kiosk.token).toMatch(/^dev_.{40}$/);
    expect(kiosk.pairingUrl).toBe(
      `http://localhost/kiosk.html?store=${storeId}#token=${kiosk.token}`,
    );
    await must(admin(t.url, "POST", base, { kind: "display", name: "Wall" }));
    const listed = await must(admin<{ devices: Array<{ kind: string }> }>(t.url, "GET", base));
    expect(listed.devices.map((d) => d.kind)).toEqual(["kiosk", "display"]);
    expect(JSON.stringify(listed)).not.toContain(kiosk.token);

    refused(
      await admin(t.url, "POST", base, { kind: "printer", name: "P" }),
      400,
      "INVALID_COMMAND",
    );
    refused(await admin(t.url, "POST", base, { kind: "kiosk" }), 400, "INVALID_COMMAND");
    refused(
      await admin(t.url, "POST", "/admin/stores/nope/devices", { kind: "kiosk", name: "K" }),
      404,
      "STORE_NOT_FOUND",
    );
    expect((await admin(t.url, "DELETE", `${base}/${kiosk.deviceId}`)).status).toBe(204);
    refused(await admin(t.url, "DELETE", `${base}/${kiosk.deviceId}`), 404, "NOT_FOUND");
    const after = await must(admin<{ devices: unknown[] }>(t.url, "GET", base));
    expect(after.devices).toHaveLength(1);
  });
});

describe("associate sessions", () => {
  it("signs in with a PIN and out with the session token", async () => {
    const storeId = await provisionStore(t.url);
    const path = `/api/stores/${storeId}/sessions`;
    const session = await call<{ token: string; role: string; name: string }>(t.url, "POST", path, {
      body: { associateId: "ana", pin: "1357" },
    });
    expect(session).toMatchObject({
      status: 201,
      body: { role: "associate", associateId: "ana", name: "Ana Lindqvist" },
    });
    expect(session.body.token).toMatch(/^ses_/);
    expect((await t.app.service.state(storeId)).associates.get("ana")?.presence).toBe("available");

    refused(await call(t.url, "DELETE", path), 401, "UNAUTHORIZED");
    refused(
      await call(t.url, "DELETE", path, { token: "ses_nope".padEnd(36, "x") }),
      401,
      "UNAUTHORIZED",
    );
    expect((await call(t.url, "DELETE", path, { token: session.body.token })).status).toBe(204);
    expect((await t.app.service.state(storeId)).associates.get("ana")?.presence).toBe("offline");
    refused(await call(t.url, "DELETE", path, { token: session.body.token }), 401, "UNAUTHORIZED");
  });

  it("answers WRONG_PIN, then locks the associate out after 5 wrong PINs", async () => {
    const storeId = await provisionStore(t.url);
    const path = `/api/stores/${storeId}/sessions`;
    const wrong = { body: { associateId: "ana", pin: "0000" } };
    for (let i = 0; i < 4; i++) refused(await call(t.url, "POST", path, wrong), 401, "WRONG_PIN");
    refused(await call(t.url, "POST", path, wrong), 423, "SIGN_IN_LOCKED");
    const right = { body: { associateId: "ana", pin: "1357" } };
    refused(await call(t.url, "POST", path, right), 423, "SIGN_IN_LOCKED");
    refused(
      await call(t.url, "POST", path, { body: { associateId: "nobody", pin: "1357" } }),
      401,
      "WRONG_PIN",
    );
    refused(
      await call(t.url, "POST", path, { body: { associateId: "ana" } }),
      400,
      "INVALID_COMMAND",
    );
    refused(await call(t.url, "POST", "/api/stores/nope/sessions", right), 404, "STORE_NOT_FOUND");
  });

  it("rate-limits sign-in attempts per address with 429 RATE_LIMITED", async () => {
    const strict = await startApp({ rateLimits: { signInsPerMin: 3 } });
    try {
      const storeId = await provisionStore(strict.url);
      const path = `/api/stores/${storeId}/sessions`;
      const attempt = { body: { associateId: "ana", pin: "0000" } };
      for (let i = 0; i < 3; i++)
        refused(await call(strict.url, "POST", path, attempt), 401, "WRONG_PIN");
      refused(await call(strict.url, "POST", path, attempt), 429, "RATE_LIMITED");
      const right = { body: { associateId: "ana", pin: "1357" } };
      refused(await call(strict.url, "POST", path, right), 429, "RATE_LIMITED");
    } finally {
      await strict.close();
    }
  });
});

describe("public and integration API", () => {
  it("shows what the store offers, with no names", async () => {
    const storeId = await provisionStore(t.url);
    const reply = await call<{ version: number; view: Record<string, unknown> }>(
      t.url,
      "GET",
      `/api/stores/${storeId}/public`,
    );
    expect(reply.status).toBe(200);
    expect(JSON.stringify(reply.body.view)).toContain("Phones");
    expect(JSON.stringify(reply.body)).not.toContain("Lindqvist");
    refused(await call(t.url, "GET", "/api/stores/nope/public"), 404, "STORE_NOT_FOUND");
    refused(await call(t.url, "GET", "/api/stores/bad%20id/public"), 400, "INVALID_COMMAND");
  });

  it("joins remotely: a call-ahead visit, idempotent by request id", async () => {
    const storeId = await provisionStore(t.url);
    const path = `/api/stores/${storeId}/join`;
    const body = { requestId: rid(), topicId: "phones", name: "Ivy", arrivingInMin: 10 };
    const joined = await call<{ visitId: string; customerUrl: string; customerToken: string }>(
      t.url,
      "POST",
      path,
      { body },
    );
    expect(joined).toMatchObject({ status: 201, body: { status: "expected", duplicate: false } });
    expect(joined.body.customerToken.length).toBeGreaterThanOrEqual(21);
    expect(joined.body.customerUrl).toContain(`#token=${joined.body.customerToken}`);
    const again = await call(t.url, "POST", path, { body });
    expect(again.body).toMatchObject({ visitId: joined.body.visitId, duplicate: true });

    refused(
      await call(t.url, "POST", path, { body: { ...body, requestId: rid(), topicId: "cars" } }),
      409,
      "UNKNOWN_TOPIC",
    );
    refused(
      await call(t.url, "POST", path, { body: { topicId: "phones" } }),
      400,
      "INVALID_COMMAND",
    );
    refused(
      await call(t.url, "POST", path, { body: { ...body, channel: "staff" } }),
      400,
      "INVALID_COMMAND",
    );
    refused(
      await call(t.url, "POST", path, { body: { ...body, requestId: rid(), arrivingInMin: -1 } }),
      400,
      "INVALID_COMMAND",
    );
    refused(
      await call(t.url, "POST", "/api/stores/nope/join", { body: { ...body, requestId: rid() } }),
      404,
      "STORE_NOT_FOUND",
    );
  });

  it("checks visits in, reads the line and stats, closes and reopens intake", async () => {
    const storeId = await provisionStore(t.url);
    const visits = `/stores/${storeId}/visits`;
    const visit = await admin(t.url, "POST", visits, { requestId: rid(), topicId: "returns" });
    expect(visit).toMatchObject({ status: 201, body: { status: "waiting", code: "R-001" } });
    const kiosk = await admin(t.url, "POST", visits, {
      requestId: rid(),
      topicId: "returns",
      channel: "kiosk",
    });
    expect(kiosk.body).toMatchObject({ code: "R-002" });
    refused(
      await admin(t.url, "POST", visits, { requestId: rid(), topicId: "returns", channel: "fax" }),
      400,
      "INVALID_COMMAND",
    );

    const line = await must(
      admin<{ open: boolean; line: unknown[] }>(t.url, "GET", `/stores/${storeId}/line`),
    );
    expect(line.open).toBe(true);
    expect(JSON.stringify(line.line)).toContain("R-001");
    const stats = await admin<{ stats: Record<string, unknown> }>(
      t.url,
      "GET",
      `/stores/${storeId}/stats`,
    );
    expect(stats.status).toBe(200);
    expect(stats.body.stats).toBeTypeOf("object");
    refused(await admin(t.url, "GET", "/stores/nope/line"), 404, "STORE_NOT_FOUND");
    refused(await admin(t.url, "GET", "/stores/nope/stats"), 404, "STORE_NOT_FOUND");

    const intake = `/stores/${storeId}/intake`;
    expect(await admin(t.url, "PUT", intake, { open: false })).toMatchObject({
      status: 200,
      body: { open: false },
    });
    refused(
      await call(t.url, "POST", `/api/stores/${storeId}/join`, {
        body: { requestId: rid(), topicId: "phones" },
      }),
      409,
      "INTAKE_PAUSED",
    );
    refused(await admin(t.url, "PUT", intake, { open: "yes" }), 400, "INVALID_COMMAND");
    expect((await admin(t.url, "PUT", intake, { open: true })).body).toMatchObject({ open: true });
    const closedLine = await must(
      admin<{ open: boolean }>(t.url, "GET", `/stores/${storeId}/line`),
    );
    expect(closedLine.open).toBe(true);
  });
});
