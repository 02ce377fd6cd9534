import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StaffingReport } from "../../server/staffing/staffing-service.js";
import { AnalyticsPlace, execute, serve } from "../support/analytics-server.js";
import {
  ADMIN_TOKEN,
  MIN,
  SEC,
  T0,
  provision,
  request,
  serverBackends,
  sessionOf,
} from "../support/server.js";

/**
 * GET /api/stores/:storeId/staffing over a real server: a Monday's visits and signed-in time
 * played through the server, advised on the next day from the analytics read models; bad
 * queries and strangers refused with stable codes.
 */

const DAY = 24 * 60 * MIN;

describe.each(serverBackends.filter((b) => b.available))("staffing API: $name", (backend) => {
  const place = new AnalyticsPlace();
  const { clock } = place;

  beforeEach(() => place.open(backend.name));
  afterEach(() => place.close());

  it("advises each measured hour of the week beside the hours signed in, for a manager and the admin token", async () => {
    const server = await place.start();
    const { storeId } = await provision(server.url);
    // Monday 2026-11-23, 11:00 in Kyiv: Ana signs in, serves three customers, leaves at 12:30.
    await execute(server, clock, storeId, { type: "associate:sign-in", associateId: "ana" });
    for (const waitMs of [5 * SEC, 10 * SEC, 15 * SEC])
      await serve(server, clock, storeId, { channel: "staff", waitMs });
    clock.now = T0 + 90 * MIN;
    await execute(server, clock, storeId, { type: "associate:sign-out", associateId: "ana" });
    clock.now = T0 + DAY;
    const manager = await sessionOf(server.url, storeId, "max");

    const started = performance.now();
    const reply = await request<StaffingReport>(
      server.url,
      "GET",
      `/api/stores/${storeId}/staffing?weeks=1`,
      undefined,
      manager,
    );
    expect(reply.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(reply.body).toMatchObject({
      storeId,
      timezone: "Europe/Kyiv",
      weeks: 1,
      from: "2026-11-17",
      to: "2026-11-23",
      serviceLevel: { pct: 80, withinSec: 300 },
    });
    const [eleven, noon, ...rest] = reply.body.hours;
    expect(rest).toEqual([]);
    // Three customers on the one Monday counted; too few visits measured, so Phones' 6 minutes.
    expect(eleven).toMatchObject({
      weekday: 1,
      hour: 11,
      arrivalsPerHour: 3,
      serviceMeanSec: 360,
      signedIn: 1,
      bySkill: [{ skill: "phones", arrivalsPerHour: 3 }],
    });
    expect(eleven?.erlangC).toBeGreaterThanOrEqual(1);
    expect(eleven?.recommended).toBeGreaterThanOrEqual(1);
    expect(eleven?.predictedPct).toBeGreaterThanOrEqual(80);
    // Counted as the store's own team (two phones associates to a returns manager): the
    // headcount is made of its kinds, a phones associate first, since phones customers came.
    expect(eleven?.team?.reduce((n, k) => n + k.count, 0)).toBe(eleven?.recommended);
    expect(eleven?.team?.[0]).toMatchObject({ skills: ["phones"], count: 1 });
    expect(reply.body.notes.join(" ")).toContain("associates like the store's own");
    // Staff and no customers: nobody advised, the half hour signed in shown.
    expect(noon).toMatchObject({
      weekday: 1,
      hour: 12,
      arrivalsPerHour: 0,
      erlangC: 0,
      recommended: 0,
      predictedPct: null,
      signedIn: 0.5,
      bySkill: [],
    });
    expect(reply.body.notes.join(" ")).toContain("Phones: fewer than 5 visits measured");

    const again = await request<StaffingReport>(
      server.url,
      "GET",
      `/api/stores/${storeId}/staffing`,
      undefined,
      ADMIN_TOKEN,
    );
    expect(again.status).toBe(200);
    expect(again.body.weeks).toBe(8);
    expect(again.body.from).toBe("2026-09-29");
    // Weeks before counting started are left out of the means, not counted as empty.
    expect(again.body.hours[0]?.arrivalsPerHour).toBe(3);
    expect(again.body.notes.join(" ")).toContain("Counting started 2026-11-23");

    // A day later the advice of the day before answers at once, saying so.
    clock.now = T0 + 2 * DAY;
    const nextDay = await request<StaffingReport>(
      server.url,
      "GET",
      `/api/stores/${storeId}/staffing?weeks=1`,
      undefined,
      ADMIN_TOKEN,
    );
    expect(nextDay.status).toBe(200);
    expect(nextDay.body.to).toBe("2026-11-23");
    expect(nextDay.body.hours).toEqual(reply.body.hours);
    expect(nextDay.body.notes.at(-1)).toContain("the advice with 2026-11-24 is being worked out");
  });

  it("counts a session still open since the day before as signed in to its midnight", async () => {
    const server = await place.start();
    const { storeId } = await provision(server.url);
    // Monday 11:00 in Kyiv: Ana signs in, serves one customer and stays signed in; nothing
    // happens in the store after that until Tuesday's request.
    await execute(server, clock, storeId, { type: "associate:sign-in", associateId: "ana" });
    await serve(server, clock, storeId, { channel: "staff", waitMs: 5 * SEC });
    clock.now = T0 + DAY;
    const reply = await request<StaffingReport>(
      server.url,
      "GET",
      `/api/stores/${storeId}/staffing?weeks=1`,
      undefined,
      ADMIN_TOKEN,
    );
    expect(reply.status).toBe(200);
    // Every Monday hour from 11:00 to midnight, signed in throughout.
    expect(reply.body.hours.map((h) => [h.hour, h.signedIn])).toEqual(
      Array.from({ length: 13 }, (_, i) => [11 + i, 1]),
    );
  });

  it("refuses bad queries with 400 INVALID_COMMAND and strangers with 401/403/404", async () => {
    const server = await place.start();
    const { storeId } = await provision(server.url);
    const path = (q: string) => `/api/stores/${storeId}/staffing?${q}`;
    for (const q of ["weeks=0", "weeks=13", "weeks=two", "weeks=1.5", "weeks=", "extra=1"]) {
      const reply = await request<{ error: { code: string; message: string } }>(
        server.url,
        "GET",
        path(q),
        undefined,
        ADMIN_TOKEN,
      );
      expect([q, reply.status, reply.body.error?.code]).toEqual([q, 400, "INVALID_COMMAND"]);
    }
    expect((await request(server.url, "GET", path("weeks=4"))).status).toBe(401);
    const elsewhere = "/api/stores/no-such-store/staffing";
    expect((await request(server.url, "GET", elsewhere)).status).toBe(401);
    expect((await request(server.url, "GET", elsewhere, undefined, ADMIN_TOKEN)).status).toBe(404);
    const associate = await sessionOf(server.url, storeId, "ana");
    const refused = await request<{ error: { code: string } }>(
      server.url,
      "GET",
      path("weeks=4"),
      undefined,
      associate,
    );
    expect([refused.status, refused.body.error.code]).toEqual([403, "NOT_A_MANAGER"]);
  });
});
