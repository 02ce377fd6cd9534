import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, screenshot, seriousViolations, useDemoFloor } from "../support/browser.js";

/**
 * The floor apps in real Chromium on the demo store, all five pages open at once: call-ahead
 * join and arrival, a kiosk check-in offered to one tablet, declined, taken by the next,
 * shown on the display and the customer's phone, completed, rated; the manager sees it all.
 * axe-core checks every page in the states the scenario reaches.
 */

describe.skipIf(!hasChromium)("the floor apps in Chromium", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });
  const violations = floor.problems;
  const open = (url: string, viewport?: { width: number; height: number }) =>
    floor.open(url, viewport);
  const signIn = (page: Page, associateId: string, pin: string) =>
    floor.signIn(page, associateId, pin);

  async function check(page: Page, name: string): Promise<void> {
    for (const v of await seriousViolations(page)) violations.push(`${name}: ${v}`);
    await screenshot(page, name);
  }

  it("takes a customer from the door to feedback, live on every page", async () => {
    const julia = await open(floor.server.page("tablet"));
    await check(julia, "tablet-sign-in");
    await signIn(julia, "julia", "1111");
    const marco = await open(floor.server.page("tablet"));
    await signIn(marco, "marco", "2222");
    const manager = await open(floor.server.page("manager"));
    await signIn(manager, "sam", "9999");
    await manager.getByRole("heading", { name: "Live board" }).waitFor();
    const display = await open(floor.server.displayUrl, { width: 1920, height: 1080 });
    await display.locator("[data-link=live]").waitFor();

    // Call ahead, then arrive: the place is kept from the time they joined.
    const phone = { width: 390, height: 844 };
    const caller = await open(floor.server.page("join"), phone);
    await caller.getByRole("radio", { name: /Returns/ }).check();
    await caller.getByLabel("I will arrive").selectOption("10");
    await caller.getByLabel(/first name/).fill("Dana");
    await check(caller, "join");
    await caller.getByRole("button", { name: "Keep my place" }).click();
    await caller.locator("[data-status=expected]").waitFor();
    await check(caller, "visit-expected");
    await caller.getByRole("button", { name: "I'm here" }).click();
    await caller.locator("[data-status=offered]").waitFor(); // Sam, the only one for returns
    await manager.locator("[data-offer]").waitFor();

    // Kiosk check-in: Julia has been idle longest and gets the offer, with its chime.
    const kiosk = await open(floor.server.kioskUrl, { width: 1280, height: 800 });
    await kiosk.locator("[data-link=live]").waitFor();
    await check(kiosk, "kiosk");
    await kiosk.getByRole("button", { name: /Phones/ }).click();
    await kiosk.getByLabel(/first name/).fill("Alex");
    await kiosk.getByLabel(/Anything we should know/).fill("blue case, cracked screen");
    await check(kiosk, "kiosk-details");
    await kiosk.getByRole("button", { name: "Check in" }).click();
    const code = (await kiosk.locator("[data-code]").getAttribute("data-code")) ?? "";
    expect(code).toMatch(/^P-\d{3}$/);
    // Julia has not said yes yet: the ticket names nobody (honest-naming.test.ts follows it on).
    const ticketStatus = kiosk.locator(".customer-status[data-customer-status=offered]");
    await expect(ticketStatus.textContent()).resolves.toContain("We're finding someone for you");
    await expect(ticketStatus.textContent()).resolves.not.toContain("Julia");
    await check(kiosk, "kiosk-ticket");
    const customerUrl = (await kiosk.locator(".qr").getAttribute("data-url")) ?? "";
    expect(customerUrl).toContain("/visit.html?store=demo#token=");

    await julia.locator("[data-offer]").waitFor();
    await expect.poll(() => julia.locator("main").getAttribute("data-sound-played")).toBe("1");
    await expect(julia.locator(".offer").textContent()).resolves.toContain(
      "blue case, cracked screen",
    );
    await check(julia, "tablet-offer");
    // The manager's board counts the visits on offer (an associate is on the way).
    const offeredCard = manager
      .locator(".card")
      .filter({ has: manager.locator(".muted", { hasText: /^offered$/i }) })
      .locator(".stat");
    await expect.poll(() => offeredCard.textContent()).not.toBe("0");
    await julia.getByRole("button", { name: "Decline", exact: true }).click();
    await julia.getByRole("button", { name: "Decline with this reason" }).click();
    await julia.locator("[data-offer]").waitFor({ state: "detached" });
    for (const v of await seriousViolations(julia)) violations.push(`tablet idle: ${v}`);

    // The next tablet gets it, accepts; now the display and the customer see who is coming.
    await marco.locator("[data-offer]").waitFor();
    await marco.getByRole("button", { name: "Accept" }).click();
    await marco.getByRole("heading", { name: `Serving ${code}` }).waitFor();
    await check(marco, "tablet-serving");
    const serving = display.locator(`.serving-item[data-code="${code}"]`);
    await expect.poll(() => serving.textContent()).toContain("Marco");
    const displayText = (await display.locator("main").textContent()) ?? "";
    expect(displayText).not.toContain("Alex");
    expect(displayText).not.toContain("Dana");
    await check(display, "display");

    const customer = await open(customerUrl, phone);
    await customer.getByRole("heading", { name: "Marco is coming to you" }).waitFor();
    await check(customer, "visit-serving");

    // Complete; the customer rates it; the manager sees the outcome, feedback and kudos.
    await marco.getByRole("button", { name: "Resolved", exact: true }).click();
    await customer.getByRole("group", { name: /resolved to your satisfaction/ }).waitFor();
    await check(customer, "visit-feedback");
    // The feedback card stands apart from the status card above it.
    const status = await customer.locator("section.status").boundingBox();
    const feedback = await customer.locator("form.feedback").boundingBox();
    expect((feedback?.y ?? 0) - ((status?.y ?? 0) + (status?.height ?? 0))).toBeGreaterThanOrEqual(
      8,
    );
    await customer.getByRole("radio", { name: "Yes" }).check();
    await customer.getByLabel(/Anything you want to tell us/).fill("Quick and kind");
    await customer.getByRole("checkbox", { name: "Give kudos to Marco" }).check();
    await customer.getByRole("button", { name: "Send" }).click();
    await customer.getByText("Thank you for your feedback!").waitFor();
    for (const v of await seriousViolations(customer)) violations.push(`visit done: ${v}`);

    const row = manager.locator("tr", { hasText: code }).filter({ hasText: "Resolved" });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/Yes.*kudos.*Quick and kind/s);
    // Today's charts are drawn from the same visits (their text alternatives say what they show).
    await expect
      .poll(() => manager.locator("#chart-by-associate").getAttribute("aria-label"))
      .toContain("Marco Ruiz: 1");
    await expect(manager.locator("#chart-feedback").getAttribute("aria-label")).resolves.toContain(
      "Yes: 1",
    );
    // And drawn: chart.js, loaded with the first drawing, painted the canvas.
    await manager.waitForFunction(() => {
      // In the page (a function, not a string: the console's CSP allows no eval).
      type Canvas = { width: number; height: number; getContext(kind: "2d"): Drawing | null };
      type Drawing = { getImageData(...box: number[]): { data: Uint8ClampedArray } };
      const page = globalThis as unknown as { document: { querySelector(s: string): unknown } };
      const canvas = page.document.querySelector("#chart-by-associate") as Canvas | null;
      const pixels = canvas?.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height);
      return pixels?.data.some((value, i) => i % 4 === 3 && value > 0) ?? false;
    });
    await check(manager, "manager");

    expect(violations).toEqual([]);
  }, 120_000);
});
