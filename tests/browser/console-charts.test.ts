import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, useDemoFloor } from "../support/browser.js";

/**
 * Today's charts on a Ukrainian console as narrow as a phone: every category name is on the
 * canvas. Ukrainian and Spanish outcome names ("Потрібне продовження") are long; slanted under
 * standing bars they ran off the canvas's left edge.
 */

describe.skipIf(!hasChromium)("today's charts on a Ukrainian console, 390 px wide", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });

  it("draws each chart with nothing cut off at its left edge", async () => {
    const context = await floor.browser.newContext({
      locale: "uk-UA",
      viewport: { width: 390, height: 844 },
    });
    const manager = await context.newPage();
    manager.on("pageerror", (error) => floor.problems.push(`console: ${error.message}`));
    await manager.goto(floor.server.page("manager"));
    await manager.locator("form.sign-in input[name=associateId]").fill("sam");
    await manager.locator("form.sign-in input[name=pin]").fill("9999");
    await manager.locator("form.sign-in button[type=submit]").click();
    await manager.locator("[data-link=live]").waitFor();
    await manager.locator("#chart-outcomes").scrollIntoViewIfNeeded();
    /** Painted pixels of each of today's charts: all of it, and its leftmost two columns. */
    const paint = () =>
      manager.evaluate(() => {
        // In the page (a function, not a string: the console's CSP allows no eval).
        type Canvas = {
          id: string;
          width: number;
          height: number;
          getContext(kind: "2d"): Drawing | null;
        };
        type Drawing = { getImageData(...box: number[]): { data: Uint8ClampedArray } };
        const page = globalThis as unknown as {
          document: { querySelectorAll(s: string): Canvas[] };
        };
        const count = (canvas: Canvas, width: number) =>
          (canvas.getContext("2d")?.getImageData(0, 0, width, canvas.height).data ?? []).filter(
            (value, i) => i % 4 === 3 && value > 0,
          ).length;
        return [...page.document.querySelectorAll("canvas[id^=chart-]")].map((canvas) => ({
          id: canvas.id,
          painted: count(canvas, canvas.width),
          atLeftEdge: count(canvas, 2),
        }));
      });
    await expect.poll(async () => (await paint()).every((chart) => chart.painted > 0)).toBe(true);
    const charts = await paint();
    expect(charts.map((chart) => chart.id)).toContain("chart-outcomes");
    expect(charts.filter((chart) => chart.atLeftEdge > 0)).toEqual([]);
    expect(floor.problems).toEqual([]);
    await context.close();
  }, 60_000);
});
