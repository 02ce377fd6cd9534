import { parse as parseCsv } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AnalyticsReport } from "../../shared/analytics.js";
import { AnalyticsPlace, serve } from "../support/analytics-server.js";
import {
  ADMIN_TOKEN,
  MIN,
  SEC,
  T0,
  clusterBackend,
  provision,
  request,
  serverBackends,
  sessionOf,
  staff,
} from "../support/server.js";

/**
 * GET /api/stores/:storeId/analytics over a real server on each back end: visits played
 * through the server, read back as JSON and as CSV (parsed by a real CSV parser), across a
 * restart; bad queries and missing credentials refused with stable codes.
 */

/** A display name a spreadsheet would break: non-ASCII, a comma and quotes. */
const ANA = 'Ана "Аня" Ковальчук, Phones';
const members = staff.map((m) => (m.associateId === "ana" ? { ...m, name: ANA } : m));
/** T0 is 11:00 in Kyiv on 2026-11-23. */
const RANGE = "from=2026-11-23&to=2026-11-23";
/** The customer every played visit is checked in as. */
const CUSTOMER = "Olena Customer";

async function getText(url: string, path: string, token: string, accept?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (accept) headers.accept = accept;
  const res = await fetch(`${url}${path}`, { headers });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    // Read as bytes: fetch's text() would drop a byte-order mark.
    bom: bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf,
    body: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes),
  };
}

describe.each([...serverBackends, clusterBackend])("analytics API: $name", (backend) => {
  const place = new AnalyticsPlace();
  const { clock } = place;

  beforeEach(async (context) => {
    if (!backend.available) context.skip();
    await place.open(backend.name);
  });
  afterEach(() => place.close());

  it("answers what was played, as JSON and CSV, for a manager and the admin token, across a restart", async () => {
    let server = await place.start();
    const { storeId } = await provision(server.url, undefined, members);
    const signIn = await server.app.service.execute(
      storeId,
      { requestId: "sign-in-ana", type: "associate:sign-in", associateId: "ana" },
      clock.now,
    );
    expect(signIn.ok).toBe(true);
    await serve(server, clock, storeId, { channel: "kiosk", waitMs: 10 * SEC, name: CUSTOMER });
    await serve(server, clock, storeId, { channel: "staff", waitMs: 20 * SEC, name: CUSTOMER });
    const manager = await sessionOf(server.url, storeId, "max");

    const byDay = await request<AnalyticsReport>(
      server.url,
      "GET",
      `/api/stores/${storeId}/analytics?${RANGE}&by=day`,
      undefined,
      manager,
    );
    expect(byDay.status).toBe(200);
    expect(byDay.body.timezone).toBe("Europe/Kyiv");
    expect(byDay.body.countedSince).toBe("2026-11-23");
    expect(byDay.body.rows).toHaveLength(1);
    expect(byDay.body.rows[0]).toMatchObject({
      key: "2026-11-23",
      arrivals: 2,
      arrivalsKiosk: 1,
      arrivalsStaff: 1,
      served: 2,
    });
    expect(byDay.body.total).toMatchObject({ arrivals: 2, served: 2 });
    // Ana is still signed in: her time so far counts (the server's clock), though nothing saved it.
    const signedInMin = (clock.now - T0) / MIN;
    expect(byDay.body.total.staffedHours).toBeCloseTo(signedInMin / 60, 1);
    expect(byDay.body.total.staffedHours).toBeGreaterThan(0);

    const byHour = await request<AnalyticsReport>(
      server.url,
      "GET",
      `/api/stores/${storeId}/analytics?${RANGE}&by=hour`,
      undefined,
      ADMIN_TOKEN,
    );
    expect(byHour.status).toBe(200);
    // 09:00 UTC is 11:00 in Kyiv.
    expect(byHour.body.rows.map((r) => r.key)).toEqual(["11:00"]);

    const csv = await getText(
      server.url,
      `/api/stores/${storeId}/analytics?${RANGE}&by=associate`,
      manager,
      "text/csv",
    );
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.bom).toBe(true);
    const records = parseCsv(csv.body, { bom: true, columns: true }) as Record<string, string>[];
    const ana = records.find((r) => r.associate === "ana");
    expect(ana).toMatchObject({ label: ANA, served: "2" });
    // Two 4-minute services: the 240–300 s bucket.
    expect(Number(ana?.service_p50_sec)).toBeGreaterThanOrEqual(240);
    expect(Number(ana?.service_p50_sec)).toBeLessThanOrEqual(300);
    // The columns are the JSON's fields in snake_case, as the visits export's.
    expect(Object.keys(ana ?? {})).toEqual(
      expect.arrayContaining(["arrivals_kiosk", "quote_inside_pct", "staffed_hours"]),
    );
    // Arrivals belong to no associate yet: their own row, so the columns add up.
    expect(records.find((r) => r.associate === "")).toMatchObject({ arrivals: "2" });

    await server.close();
    server = await place.start();
    const again = await request<AnalyticsReport>(
      server.url,
      "GET",
      `/api/stores/${storeId}/analytics?${RANGE}&by=day`,
      undefined,
      manager,
    );
    expect(again.body.rows).toEqual(byDay.body.rows);
    await serve(server, clock, storeId, { channel: "kiosk", waitMs: 15 * SEC, name: CUSTOMER });
    const csvAfter = await getText(
      server.url,
      `/api/stores/${storeId}/analytics?${RANGE}&by=topic&format=csv`,
      ADMIN_TOKEN,
    );
    const topics = parseCsv(csvAfter.body, { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    expect(topics.find((r) => r.topic === "phones")).toMatchObject({
      label: "Phones",
      arrivals: "3",
      served: "3",
    });
  });

  it("exports the ended visits with store-local times, display names and seconds, within what is kept", async () => {
    const server = await place.start();
    const { storeId } = await provision(server.url, undefined, members);
    await server.app.service.execute(
      storeId,
      { requestId: "sign-in-ana-export", type: "associate:sign-in", associateId: "ana" },
      clock.now,
    );
    const visitId = await serve(server, clock, storeId, {
      channel: "kiosk",
      waitMs: 25 * SEC,
      name: CUSTOMER,
    });
    const answered = await server.app.service.execute(
      storeId,
      {
        requestId: "feedback-export",
        type: "feedback:give",
        visitId,
        satisfaction: "partly",
        comment: 'Quick, but "the case" was wrong',
        kudos: true,
      },
      clock.now,
    );
    expect(answered.ok).toBe(true);
    const manager = await sessionOf(server.url, storeId, "max");
    const csv = await getText(
      server.url,
      `/api/stores/${storeId}/visits?${RANGE}&format=csv`,
      manager,
    );
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.bom).toBe(true);
    const [row, ...more] = parseCsv(csv.body, { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    expect(more).toHaveLength(0);
    // T0 is 09:00 UTC: 11:00 in Kyiv. Waited 25 s, served 4 minutes.
    expect(row).toMatchObject({
      topic: "Phones",
      channel: "kiosk",
      ended: "resolved",
      associate: ANA,
      customer: CUSTOMER,
      checked_in: "2026-11-23 11:00:00",
      accepted: "2026-11-23 11:00:25",
      closed: "2026-11-23 11:04:25",
      wait_sec: "25",
      service_sec: "240",
      satisfaction: "partly",
      kudos: "yes",
      comment: 'Quick, but "the case" was wrong',
    });
    const json = await request<{ rows: Array<Record<string, unknown>> }>(
      server.url,
      "GET",
      `/api/stores/${storeId}/visits?${RANGE}`,
      undefined,
      ADMIN_TOKEN,
    );
    expect(json.body.rows).toHaveLength(1);
    expect(json.body.rows[0]).toMatchObject({ waitSec: 25, serviceSec: 240, associate: ANA });

    // Ended visits are kept a week: a range reaching further back is refused, saying from when.
    const old = await request<{ error: { code: string; message: string } }>(
      server.url,
      "GET",
      `/api/stores/${storeId}/visits?from=2026-11-01&to=2026-11-23`,
      undefined,
      manager,
    );
    expect(old.status).toBe(400);
    expect(old.body.error.code).toBe("INVALID_COMMAND");
    expect(old.body.error.message).toContain("2026-11-17");
    const stranger = await request(
      server.url,
      "GET",
      `/api/stores/${storeId}/visits?${RANGE}`,
      undefined,
      await sessionOf(server.url, storeId, "ana"),
    );
    expect(stranger.status).toBe(403);
  });

  it("refuses bad queries with 400 INVALID_COMMAND and strangers with 401/403", async () => {
    const server = await place.start();
    const { storeId } = await provision(server.url, undefined, members);
    const path = (q: string) => `/api/stores/${storeId}/analytics?${q}`;
    for (const q of [
      "from=2026-11-23",
      "from=2026-11-31&to=2026-12-01",
      "from=23.11.2026&to=2026-11-24",
      "from=2026-11-24&to=2026-11-23",
      "from=2025-01-01&to=2026-11-23",
      `${RANGE}&by=week`,
      `${RANGE}&format=xml`,
      `${RANGE}&extra=1`,
      `${RANGE}&by=day&by=hour`,
    ]) {
      const reply = await request<{ error: { code: string; message: string } }>(
        server.url,
        "GET",
        path(q),
        undefined,
        ADMIN_TOKEN,
      );
      expect([q, reply.status, reply.body.error.code]).toEqual([q, 400, "INVALID_COMMAND"]);
      expect(reply.body.error.message.length).toBeGreaterThan(5);
    }
    expect((await request(server.url, "GET", path(RANGE))).status).toBe(401);
    const elsewhere = `/api/stores/no-such-store/analytics?${RANGE}`;
    expect((await request(server.url, "GET", elsewhere)).status).toBe(401);
    expect((await request(server.url, "GET", elsewhere, undefined, ADMIN_TOKEN)).status).toBe(404);
    const associate = await sessionOf(server.url, storeId, "ana");
    const refused = await request<{ error: { code: string } }>(
      server.url,
      "GET",
      path(RANGE),
      undefined,
      associate,
    );
    expect([refused.status, refused.body.error.code]).toEqual([403, "NOT_A_MANAGER"]);
    const early = await request<AnalyticsReport>(
      server.url,
      "GET",
      path("from=2026-10-01&to=2026-11-23"),
      undefined,
      ADMIN_TOKEN,
    );
    expect(early.status).toBe(200);
    expect(early.body.notes.join(" ")).toContain("No data before 2026-11-23");
  });
});
