import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnalyticsReport, AnalyticsRow } from "../../shared/analytics.js";
import { buildPages, hasChromium, launchBrowser, seriousViolations } from "../support/browser.js";
import {
  ADMIN_TOKEN,
  Clock,
  MIN,
  type Place,
  type Running,
  SEC,
  freshPlace,
  provision,
  request,
  sessionOf,
  startServer,
  testSettings,
} from "../support/server.js";

/**
 * The manager console's analytics view (issue 12, points 3 and 4) in real Chromium, against a
 * real server whose clock the test moves: visits played on three days of a Kyiv store, then
 * the view opened from a browser in Los Angeles, where it is still yesterday. The charts' tables
 * must say what the API says, hours must be the store's, "today" the store's day; the days below
 * the quote target are listed, the target is the manager's to set; axe finds nothing serious,
 * and a 390 px phone does not scroll sideways.
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const HOUR = 60 * MIN;
/** 10:00 on 2026-11-05 in Kyiv (UTC+2): in the last 4 weeks, not in the last 7 days. */
const DAY_A = Date.UTC(2026, 10, 5, 8, 0);
/** 14:00 on 2026-11-20 in Kyiv: in the last 7 days. */
const DAY_B = Date.UTC(2026, 10, 20, 12, 0);
/** 00:10 on 2026-11-24 in Kyiv, the store's today; 14:10 on the 23rd in Los Angeles. */
const DAY_C = Date.UTC(2026, 10, 23, 22, 10);
/** When the manager opens the console: 00:40 in Kyiv on the 24th. */
const NOW = DAY_C + 30 * MIN;

describe.skipIf(!hasChromium)("the console's analytics view in Chromium", () => {
  const clock = new Clock(DAY_A);
  let place: Place;
  let dataDir: string;
  let server: Running;
  let browser: Browser;
  let storeId: string;
  let managerToken: string;
  const problems: string[] = [];
  let commands = 0;

  const run = async (input: Record<string, unknown>) => {
    const result = await server.app.service.execute(
      storeId,
      { requestId: `analytics-view-${++commands}`, ...input },
      clock.now,
    );
    if (!result.ok) throw new Error(`${String(input.type)}: ${result.error.code}`);
    return result.data as Record<string, unknown>;
  };
  const checkIn = async (channel: "kiosk" | "staff") => {
    const reply = await request<{ visitId: string }>(
      server.url,
      "POST",
      `/api/stores/${storeId}/visits`,
      { requestId: `analytics-view-${++commands}`, topicId: "phones", name: "Olena", channel },
      ADMIN_TOKEN,
    );
    if (reply.status !== 201) throw new Error(`check-in answered ${reply.status}`);
    return reply.body.visitId;
  };
  const offerOf = async (associateId: string) =>
    (await server.app.service.state(storeId)).associates.get(associateId)?.offerId;
  const accept = async (associateId = "ana") =>
    run({ type: "offer:accept", associateId, offerId: await offerOf(associateId) });
  const complete = (visitId: string, outcome: string, associateId = "ana") =>
    run({ type: "visit:complete", associateId, visitId, outcome });
  const feedback = (visitId: string, satisfaction: string, kudos = false) =>
    run({ type: "feedback:give", visitId, satisfaction, kudos });

  beforeAll(async () => {
    await buildPages();
    place = await freshPlace("embedded");
    dataDir = await mkdtemp(join(tmpdir(), "undivided-analytics-view-"));
    server = await startServer(place, clock, {
      analytics: { dataDir },
      staticDir: join(ROOT, "client/dist"),
    });
    // A fixed store id: the wait estimates' Monte Carlo draws are seeded by it, so the quotes
    // (and which waits fall inside them) are the same every run.
    // Phones is named in Ukrainian too: the view names it so on a Ukrainian page.
    const settings = {
      ...testSettings,
      topics: testSettings.topics.map((topic) =>
        topic.id === "phones" ? { ...topic, names: { uk: "Телефони" } } : topic,
      ),
    };
    ({ storeId } = await provision(server.url, settings, undefined, "analytics-view"));
    await run({ type: "associate:sign-in", associateId: "ana" });

    // Day A: one kiosk customer served at once, satisfied, with kudos.
    const a = await checkIn("kiosk");
    clock.advance(10 * SEC);
    await accept();
    clock.advance(4 * MIN);
    await complete(a, "resolved");
    await feedback(a, "yes", true);
    // Each day's shift ends: signed-in time counts the hours worked, not the nights between.
    clock.advance(5 * MIN);
    await run({ type: "associate:sign-out", associateId: "ana" });

    // Day B: one served at once; one waits behind them for 25 minutes, far past the wait they
    // were told; a third gives up before anyone is offered them. Half inside the quote: below
    // the target.
    clock.now = DAY_B;
    await run({ type: "associate:sign-in", associateId: "ana" });
    const first = await checkIn("kiosk");
    clock.advance(5 * SEC);
    await accept();
    const late = await checkIn("kiosk");
    const gaveUp = await checkIn("kiosk");
    clock.advance(2 * MIN);
    await run({ type: "visit:leave", visitId: gaveUp });
    clock.advance(23 * MIN);
    await complete(first, "follow_up");
    await feedback(first, "partly");
    await accept();
    clock.advance(5 * MIN);
    await complete(late, "resolved");
    await feedback(late, "no");
    clock.advance(5 * MIN);
    await run({ type: "associate:sign-out", associateId: "ana" });

    // Day C, just after midnight in Kyiv: one customer added by staff; Ana declines them as not
    // her area (the tablet's Ukrainian label), Bo serves them.
    clock.now = DAY_C;
    await run({ type: "associate:sign-in", associateId: "ana" });
    await run({ type: "associate:sign-in", associateId: "bo" });
    const c = await checkIn("staff");
    clock.advance(10 * SEC);
    await run({
      type: "offer:decline",
      associateId: "ana",
      offerId: await offerOf("ana"),
      reason: "не мій відділ",
    });
    clock.advance(10 * SEC);
    await accept("bo");
    clock.advance(3 * MIN);
    await complete(c, "resolved", "bo");
    clock.now = NOW;
    managerToken = await sessionOf(server.url, storeId, "max");
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await place?.cleanup();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const api = async (from: string, to: string, by: string): Promise<AnalyticsReport> => {
    const reply = await request<AnalyticsReport>(
      server.url,
      "GET",
      `/api/stores/${storeId}/analytics?from=${from}&to=${to}&by=${by}`,
      undefined,
      managerToken,
    );
    expect(reply.status).toBe(200);
    return reply.body;
  };

  /** The console, signed in as the manager, in a browser somewhere else in the world. */
  async function openConsole(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({
      locale: "en-US",
      timezoneId: "America/Los_Angeles",
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      ...options,
    });
    // The browser's clock is the server's: "today" is computed in the page.
    await context.clock.setFixedTime(NOW);
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${server.url}/manager.html?store=${storeId}`);
    await page.locator("form.sign-in input[name=associateId]").fill("max");
    await page.locator("form.sign-in input[name=pin]").fill("9090");
    await page.locator("form.sign-in button[type=submit]").click();
    await page.locator("[data-link=live]").waitFor();
    return page;
  }

  /** Opens the analytics view and waits for the range `from`/`to` to be shown. */
  async function showRange(page: Page, from: string, to: string): Promise<void> {
    await expect
      .poll(() => page.locator("[data-range]").getAttribute("data-range"), { timeout: 10_000 })
      .toBe(`${from}/${to}`);
    await page.locator("[data-analytics=ready]").waitFor();
    // A function run in the page, not a string: the console's CSP allows no eval, and
    // Playwright polls a string predicate by evaluating it.
    await page.waitForFunction(() =>
      [...(globalThis as unknown as InPage).document.querySelectorAll(".analytics canvas")].every(
        (c) => c.dataset.drawn,
      ),
    );
  }

  /** The analytics view alone, into test-results/screenshots (the console around it is long). */
  const snapshot = (page: Page, name: string) =>
    page
      .locator("details.analytics")
      .screenshot({ path: join(ROOT, "test-results/screenshots", `${name}.png`) });

  /** A chart's table, row by row: the label, then each series' value as shown. */
  const table = (page: Page, chart: string) =>
    page.evaluate<string[][]>(
      `[...document.querySelectorAll('[data-chart="${chart}"] tbody tr')].map((tr) =>
        [...tr.children].map((cell) => cell.textContent.trim()))`,
    );
  /** Waits of seconds: the minutes axis never writes the same tick twice ("0.2 min, 0.2 min"). */
  const expectDistinctWaitTicks = async (page: Page) => {
    const ticks = (
      (await page.locator("#analytics-waits-by-hour").getAttribute("data-ticks")) ?? ""
    ).split("|");
    expect(ticks.length).toBeGreaterThan(1);
    expect(new Set(ticks).size, ticks.join(", ")).toBe(ticks.length);
  };
  /** A chart's legend entries, as drawn (analytics-draw.ts marks them on the canvas). */
  const legend = async (page: Page, chart: string) =>
    ((await page.locator(`#analytics-${chart}`).getAttribute("data-legend")) ?? "").split("|");
  const dash = (value: number | null) => (value === null ? "—" : String(value));
  const inMinutes = (sec: number | null) =>
    sec === null ? "—" : `${Math.round(sec / 6) / 10} min`;
  const share = (part: number, r: AnalyticsRow) => {
    const quoted = r.quoteInside + r.quoteBelow + r.quoteAbove;
    return quoted === 0 ? "—" : `${Math.round((1000 * part) / quoted) / 10} %`;
  };

  it("draws the range's charts from the API's numbers, in the store's hours and days", async () => {
    const page = await openConsole();
    await page.locator("details.analytics > summary").click();
    // The default range is the store's last 7 days, ending on its today (the 24th), though the
    // browser's own today is the 23rd.
    await showRange(page, "2026-11-18", "2026-11-24");

    const byHour = await api("2026-11-18", "2026-11-24", "hour");
    const byDay = await api("2026-11-18", "2026-11-24", "day");
    const byAssociate = await api("2026-11-18", "2026-11-24", "associate");
    // What was played: Day B at 14:00 and Day C just after midnight, store time.
    expect(byHour.rows.map((r) => r.key)).toEqual(["00:00", "14:00"]);
    expect(byDay.daysBelowTarget.map((d) => d.day)).toEqual(["2026-11-20"]);

    // Every hour from the first to the last is on the axis: the quiet ones count nothing.
    const hourly = (cells: (r: AnalyticsRow) => string[], quiet: string[]) =>
      Array.from({ length: 15 }, (_, hour) => {
        const key = `${String(hour).padStart(2, "0")}:00`;
        const row = byHour.rows.find((r) => r.key === key);
        return [key, ...(row ? cells(row) : quiet)];
      });
    expect(await table(page, "arrivals-by-hour")).toEqual(
      hourly(
        (r) => [r.arrivalsKiosk, r.arrivalsRemote, r.arrivalsStaff].map(String),
        ["0", "0", "0"],
      ),
    );
    expect(await table(page, "waits-by-hour")).toEqual(
      hourly((r) => [inMinutes(r.waitP50Sec), inMinutes(r.waitP90Sec)], ["—", "—"]),
    );
    expect(await table(page, "quote-by-hour")).toEqual(
      hourly(
        (r) => [share(r.quoteInside, r), share(r.quoteBelow, r), share(r.quoteAbove, r)],
        ["—", "—", "—"],
      ),
    );
    expect(await table(page, "misses-by-hour")).toEqual(
      hourly(
        (r) => [r.quoteOverAvgSec, r.quoteOverP90Sec, r.quoteUnderAvgSec].map(inMinutes),
        ["—", "—", "—"],
      ),
    );
    const quoteByDay = await table(page, "quote-by-day");
    expect(quoteByDay.map((row) => row[1])).toEqual(
      byDay.rows.map((r) => (r.quoteInsidePct === null ? "—" : `${r.quoteInsidePct} %`)),
    );
    const totals = byDay.total.satisfactionByOutcome;
    expect((await table(page, "outcome-satisfaction")).map((row) => row.slice(1))).toEqual(
      (["resolved", "follow_up", "not_resolved"] as const).map((o) =>
        [totals[o].yes, totals[o].partly, totals[o].no].map(String),
      ),
    );
    expect(await table(page, "kudos-by-associate")).toEqual(
      byAssociate.rows
        .filter((r) => r.key !== "")
        .map((r) => [r.label, String(r.kudos), String(r.served)]),
    );
    const abandonment = await table(page, "abandonment-by-day");
    expect(abandonment.map((row) => row.slice(1))).toEqual(
      byDay.rows.map((r) =>
        [r.leftBeforeOffer, r.leftAfterOffer, r.noShows, r.callAheadsExpired].map(String),
      ),
    );
    expect(byDay.total.leftBeforeOffer).toBe(1);
    expect(byDay.total.declinesByReason).toEqual({ not_my_skill: 1 });
    expect((await table(page, "declines-by-reason")).map((row) => row[1])).toEqual(
      ["busy", "not_my_skill", "language", "on_break", "other"].map((r) =>
        String(byDay.total.declinesByReason[r] ?? 0),
      ),
    );
    // Bars are drawn whole: every value axis starts at zero and ends above the tallest bar
    // (stacked bars: their sum; the quote's shares add up to 100 %).
    const axis = async (chart: string) =>
      ((await page.locator(`#analytics-${chart}`).getAttribute("data-axis")) ?? "")
        .split("/")
        .map(Number);
    const number = (cell: string) => Number.parseFloat(cell) || 0;
    const tallest = (rows: string[][], stacked: boolean) =>
      Math.max(
        ...rows.map((row) => {
          const values = row.slice(1).map(number);
          return stacked ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
        }),
      );
    for (const [chart, stacked] of [
      ["arrivals-by-hour", true],
      ["quote-by-hour", true],
      ["quote-by-topic", true],
      ["waits-by-hour", false],
      ["misses-by-hour", false],
    ] as const) {
      const [min, max] = await axis(chart);
      expect([chart, min]).toEqual([chart, 0]);
      expect(max, chart).toBeGreaterThanOrEqual(tallest(await table(page, chart), stacked));
    }

    // The chart's label for screen readers tells the same numbers.
    expect(await page.locator("#analytics-arrivals-by-hour").getAttribute("aria-label")).toContain(
      `Arrivals in all: ${byDay.total.arrivals}.`,
    );
    // Counts are not made plural by a bare number ("1 offers declined").
    expect(
      await page.locator("#analytics-declines-by-reason").getAttribute("aria-label"),
    ).toContain(`Offers declined: ${byDay.total.declines}.`);
    // A share's axis ends at 100 %, not above it.
    for (const chart of ["quote-by-day", "quote-by-hour", "quote-by-topic"])
      expect([chart, await axis(chart)]).toEqual([chart, [0, 100]]);
    // The day below the target's bar is amber, and the legend says what amber means.
    expect(await legend(page, "quote-by-day")).toEqual([
      "Inside the quote",
      "Below the target",
      "Target",
    ]);

    // Point 4: the target, and the days that fell below it.
    await expect.poll(() => page.locator("[data-target]").getAttribute("data-target")).toBe("80");
    expect(await page.locator("[data-target]").textContent()).toContain("80 %");
    expect(
      await page.locator(".below-target li").evaluateAll((li) => li.map((l) => l.dataset.day)),
    ).toEqual(byDay.daysBelowTarget.map((d) => d.day));
    const quoted = byDay.total.quoteInside + byDay.total.quoteBelow + byDay.total.quoteAbove;
    expect(await page.locator("[data-quote-total]").textContent()).toContain(
      `${byDay.total.quoteInsidePct} % of the customers told a wait were served inside it (${byDay.total.quoteInside} of ${quoted}).`,
    );
    // The share is of those told a wait: the line says how many of how many.
    const below = byDay.rows.find((r) => r.key === byDay.daysBelowTarget[0]?.day);
    // The API gives the share's base with it.
    expect(byDay.daysBelowTarget[0]?.quoted).toBe(
      (below?.quoteInside ?? 0) + (below?.quoteBelow ?? 0) + (below?.quoteAbove ?? 0),
    );
    expect(await page.locator(".below-target li").first().textContent()).toContain(
      `${byDay.daysBelowTarget[0]?.quoteInsidePct} % inside the quote (${below?.quoteInside} of ${
        (below?.quoteInside ?? 0) + (below?.quoteBelow ?? 0) + (below?.quoteAbove ?? 0)
      } told a wait)`,
    );

    await snapshot(page, "analytics-1280");
    for (const v of await seriousViolations(page)) problems.push(`analytics at 1280 px: ${v}`);
    expect(problems).toEqual([]);

    // Today is the store's day: only the visit just after midnight, at 00:00 on the hour axis
    // (14:00 where the browser is).
    await page.getByRole("radio", { name: "Today", exact: true }).check();
    await showRange(page, "2026-11-24", "2026-11-24");
    const today = await api("2026-11-24", "2026-11-24", "hour");
    expect(today.total.arrivals).toBe(1);
    expect(await table(page, "arrivals-by-hour")).toEqual([["00:00", "0", "0", "1"]]);
    await expectDistinctWaitTicks(page);
    expect(await page.locator("[data-below-target=none]").count()).toBe(1);
    // No day below the target: the legend does not explain a colour no bar has.
    expect(await legend(page, "quote-by-day")).toEqual(["Inside the quote", "Target"]);
    // Today's visits, one per row, in the store's time.
    const visitsFile = page.waitForEvent("download");
    await page.locator("[data-csv=visits]").click();
    const visitsCsv = (await readFile(await (await visitsFile).path())).toString("utf8");
    const [header, ...lines] = visitsCsv.slice(1).trimEnd().split("\r\n");
    expect(header).toMatch(/^code,topic,language,channel,ended,associate,customer,checked_in,/);
    expect(lines).toHaveLength(today.total.arrivals);
    expect(lines[0]).toContain("2026-11-24 00:");

    await page.getByRole("radio", { name: "Last 4 weeks", exact: true }).check();
    await showRange(page, "2026-10-28", "2026-11-24");
    const month = await api("2026-10-28", "2026-11-24", "day");
    expect(month.rows.map((r) => r.key)).toEqual(["2026-11-05", "2026-11-20", "2026-11-24"]);
    expect((await table(page, "abandonment-by-day")).length).toBe(3);
    expect((await table(page, "kudos-by-associate")).map((row) => row[1])).toEqual(
      (await api("2026-10-28", "2026-11-24", "associate")).rows
        .filter((r) => r.key !== "")
        .map((r) => String(r.kudos)),
    );

    await page.getByRole("radio", { name: "Choose dates", exact: true }).check();
    await page.getByLabel("From").fill("2026-11-05");
    await page.getByLabel("To (included)").fill("2026-11-04");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await page.getByRole("alert").filter({ hasText: "must not be after" }).waitFor();
    await page.getByLabel("To (included)").fill("2026-11-05");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await showRange(page, "2026-11-05", "2026-11-05");
    const dayA = await api("2026-11-05", "2026-11-05", "hour");
    expect(await table(page, "arrivals-by-hour")).toEqual([["10:00", "1", "0", "0"]]);
    expect(dayA.rows.map((r) => r.key)).toEqual(["10:00"]);
    await expectDistinctWaitTicks(page);
    // Nothing declined that day: the reasons' chart says so, not an empty grid of zeros.
    expect(dayA.total.declines).toBe(0);
    // Nor did anybody leave.
    expect(dayA.total.leftBeforeOffer + dayA.total.leftAfterOffer + dayA.total.noShows).toBe(0);
    for (const chart of ["declines-by-reason", "abandonment-by-day"]) {
      const figure = page.locator(`[data-chart="${chart}"]`);
      expect([chart, await figure.locator("canvas").count()]).toEqual([chart, 0]);
      expect(await figure.textContent()).toContain("Nothing in these days.");
    }
    // Each "Show as a table" says which chart's table it is.
    expect(
      await page
        .locator('[data-chart="arrivals-by-hour"] details.chart-table > summary')
        .textContent(),
    ).toContain("Arrivals by hour");

    // A breakdown downloads as the API's CSV.
    const download = page.waitForEvent("download");
    await page.locator("[data-csv=hour]").click();
    const file = await (await download).path();
    const bytes = await readFile(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString("utf8").slice(1)).toMatch(
      /^hour,label,arrivals,[^\r]*\r\n10:00,10:00,1,1,/,
    );
    // Single visits are kept a week: for a range further back the manager is told so.
    await page.locator("[data-csv=visits]").click();
    await page.getByRole("alert").filter({ hasText: "kept 7 days" }).waitFor();

    // A phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("radio", { name: "Last 4 weeks", exact: true }).check();
    await showRange(page, "2026-10-28", "2026-11-24");
    expect(
      await page.evaluate<boolean>(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth",
      ),
    ).toBe(false);
    await snapshot(page, "analytics-390");
    for (const v of await seriousViolations(page)) problems.push(`analytics at 390 px: ${v}`);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("shows the staffing advisor's recommendation against who was signed in, by weekday", async () => {
    const reply = await request<{
      hours: Array<{ weekday: number; hour: number; recommended: number; signedIn: number | null }>;
    }>(server.url, "GET", `/api/stores/${storeId}/staffing?weeks=8`, undefined, managerToken);
    expect(reply.status).toBe(200);
    const page = await openConsole();
    await page.locator("details.analytics > summary").click();
    await page.locator("[data-staffing=ready]").waitFor();
    // The store's weekday first: Tuesday the 24th in Kyiv (Monday the 23rd in Los Angeles).
    expect(await page.locator("#staffing-weekday").inputValue()).toBe("2");
    // Friday, when Day B's customers came at 14:00. The axis runs over the week's busy hours:
    // from Day A's 10:00 (a Thursday) to 14:00.
    await page.locator("#staffing-weekday").selectOption("5");
    const advice = (hour: number) =>
      reply.body.hours.find((h) => h.weekday === 5 && h.hour === hour);
    expect(advice(14)?.recommended).toBeGreaterThan(0);
    await expect
      .poll(() => table(page, "staffing"))
      .toEqual(
        [10, 11, 12, 13, 14].map((hour) => [
          `${hour}:00`,
          String(advice(hour)?.recommended ?? 0),
          String(advice(hour)?.signedIn ?? "—"),
        ]),
      );
    await page.waitForFunction(
      () =>
        (globalThis as unknown as InPage).document.querySelector("#analytics-staffing")?.dataset
          .drawn,
    );
    for (const v of await seriousViolations(page)) problems.push(`staffing: ${v}`);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("says a failed load in the manager's language, and takes the target the manager sets", async () => {
    const page = await openConsole({ locale: "uk-UA" });
    await page.route("**/analytics?*", (route) =>
      route.fulfill({ status: 500, contentType: "application/json", body: "{}" }),
    );
    await page.locator("details.analytics > summary").click();
    const error = page.locator("[data-analytics=error]");
    await error.waitFor();
    expect(await error.textContent()).toContain("Не вдалося завантажити дані");
    expect(await error.textContent()).not.toMatch(/analytics\.|500/);
    await page.unroute("**/analytics?*");
    await error.getByRole("button").click();
    await showRange(page, "2026-11-18", "2026-11-24");
    expect(await page.locator(".below-target li").count()).toBe(1);
    // A topic is named as the store named it in the page's language, not by its English name.
    expect((await table(page, "service-by-topic")).map((row) => row[0])).toEqual(["Телефони"]);

    // The manager lowers the target below the 20th's 50 %: no day is below it any more.
    await page.locator("details.settings > summary").click();
    const target = page.locator("input#quoteTargetPct");
    expect(await target.inputValue()).toBe("80");
    expect(await page.locator("input#serviceLevelPct").inputValue()).toBe("80");
    expect(await page.locator("input#serviceLevelSec").inputValue()).toBe("300");
    // The window narrowed to a phone's with the charts drawn and the settings open: the charts
    // shrink to it, the settings' tables scroll inside themselves, the page does not.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect
      .poll(() =>
        page.evaluate<boolean>(
          "document.documentElement.scrollWidth > document.documentElement.clientWidth",
        ),
      )
      .toBe(false);
    for (const v of await seriousViolations(page)) problems.push(`settings at 390 px: ${v}`);
    await page.setViewportSize({ width: 1280, height: 900 });
    await target.fill("40");
    await page.locator("details.settings form button[type=submit]").first().click();
    await expect
      .poll(async () => (await server.app.service.state(storeId)).settings.quoteTargetPct)
      .toBe(40);
    // Opening the view again loads its figures again (they are not pushed live).
    await page.locator("details.analytics > summary").click();
    await page.locator("details.analytics[open]").waitFor({ state: "detached" });
    await page.locator("details.analytics > summary").click();
    await page.locator('[data-target="40"]').waitFor();
    expect(await page.locator("[data-below-target=none]").count()).toBe(1);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

/** The page's document as the functions run in it see it (the tests have no DOM types). */
type Marked = { dataset: Record<string, string | undefined> };
type InPage = {
  document: {
    querySelectorAll(selector: string): Iterable<Marked>;
    querySelector(selector: string): Marked | null;
  };
};
