import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VisitStatus } from "../../shared/views.js";
import { hasChromium, screenshot, seriousViolations, useDemoFloor } from "../support/browser.js";

/**
 * Invariant 8 in real Chromium: a customer is told who is coming only once that associate
 * accepted, is told with an apology when that person changes, and the kiosk ticket (which
 * follows the customer's live view) and their phone say the same thing at every step. Also:
 * where to meet, as the manager set it, in the page's language, and the kiosk's wait for the
 * language picked; and keeping a place from the ticket.
 */

describe.skipIf(!hasChromium)("who is coming, told honestly, in Chromium", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });
  const problems = floor.problems;

  /** Opens a page; `sockets` holds the page's open WebSockets. */
  async function open(url: string, viewport?: { width: number; height: number }) {
    const page = await floor.open(url, viewport);
    return { page, sockets: floor.socketsOf(page) };
  }

  async function signIn(name: "tablet" | "manager", associateId: string, pin: string) {
    const { page } = await open(floor.server.page(name));
    await floor.signIn(page, associateId, pin);
    return page;
  }

  /** The whole ticket, buttons included, fits the kiosk's 1280×800 screen. */
  async function ticketFits(kiosk: Page): Promise<void> {
    expect(await kiosk.evaluate("document.documentElement.scrollHeight")).toBeLessThanOrEqual(800);
    for (const button of await kiosk.locator(".ticket button").all()) {
      const box = await button.boundingBox();
      expect(box && box.y + box.height).toBeLessThanOrEqual(800);
    }
  }

  /** What the status block says (its sentences, without the initials' picture). */
  const statusText = async (page: Page) =>
    (await page.locator(".customer-status :is(h1, p)").allTextContents()).join(" ");

  it("names nobody before they accept, says sorry when the person changes, and kiosk and phone agree", async () => {
    const julia = await signIn("tablet", "julia", "1111");
    const { page: display } = await open(floor.server.displayUrl, { width: 1920, height: 1080 });
    const { page: kiosk, sockets: kioskSockets } = await open(floor.server.kioskUrl, {
      width: 1280,
      height: 800,
    });
    await kiosk.locator("[data-link=live]").waitFor();
    await kiosk.getByRole("button", { name: /Phones/ }).click();
    await kiosk.getByRole("button", { name: "Check in" }).click();
    const code = (await kiosk.locator("[data-code]").getAttribute("data-code")) ?? "";
    const customerUrl = (await kiosk.locator(".ticket .qr").getAttribute("data-url")) ?? "";
    expect(customerUrl).toContain("/visit.html?store=demo#token=");
    const { page: phone } = await open(customerUrl, { width: 375, height: 800 });

    /** Both pages show `status` with `text`; the ticket's status reads exactly as the phone's. */
    async function bothSay(status: VisitStatus, text: string): Promise<string> {
      for (const page of [kiosk, phone])
        await page
          .locator(`.customer-status[data-customer-status=${status}]`, { hasText: text })
          .waitFor();
      const said = await statusText(phone);
      await expect.poll(() => statusText(kiosk)).toBe(said);
      return said;
    }

    // Julia, idle longest, is offered the visit; while she has not answered nobody is named.
    await julia.locator("[data-offer]").waitFor();
    await bothSay("offered", "We're finding someone for you");
    for (const page of [kiosk, phone])
      expect(await page.locator("main").textContent()).not.toContain("Julia");
    const nowServing = display.locator(`.serving-item[data-code="${code}"]`);
    await expect.poll(() => nowServing.textContent()).toContain("finding someone");
    expect(await display.locator("main").textContent()).not.toContain("Julia");
    await ticketFits(kiosk);

    // She accepts: now both name her, and the display too.
    await julia.getByRole("button", { name: "Accept" }).click();
    const accepted = await bothSay("serving", "Julia is coming to you");
    expect(accepted).toContain("Please stay where you are.");
    expect(accepted).not.toContain("Sorry");
    await expect.poll(() => nowServing.textContent()).toContain("Julia");

    // She hands the customer on to Marco: until he accepts, they hear sorry, and no new name.
    const marco = await signIn("tablet", "marco", "2222");
    await julia.getByRole("button", { name: "Transfer", exact: true }).click();
    await julia.getByLabel("Transfer to").selectOption("associate:marco");
    await julia.locator("form.transfer button[type=submit]").click();
    await marco.locator("[data-offer]").waitFor();
    // Julia's tablet says where the customer went (the visit leaves her screen).
    await julia.getByText(`${code} is handed over to Marco Ruiz.`).waitFor();
    const handedOn = await bothSay(
      "offered",
      "Sorry — Julia had to hand you on; we're finding someone else.",
    );
    expect(handedOn).toContain("We're finding someone for you");
    for (const page of [kiosk, phone])
      expect(await page.locator("main").textContent()).not.toContain("Marco");

    // Marco accepts: both name him, with the apology for the change.
    await marco.getByRole("button", { name: "Accept" }).click();
    const changed = await bothSay("serving", "Marco is coming to you");
    expect(changed).toContain("Sorry for the change: Marco will help you instead of Julia.");
    await ticketFits(kiosk);
    for (const v of await seriousViolations(kiosk)) problems.push(`kiosk ticket: ${v}`);
    for (const v of await seriousViolations(phone)) problems.push(`phone: ${v}`);
    await screenshot(kiosk, "kiosk-ticket-apology");
    await screenshot(phone, "visit-apology");

    // Leaving the ticket closes the kiosk's link as the customer; its own link stays.
    expect(kioskSockets.size).toBe(2);
    await kiosk.getByRole("button", { name: "Done" }).click();
    await kiosk.getByRole("button", { name: /Phones/ }).waitFor();
    await expect.poll(() => kioskSockets.size).toBe(1);

    expect(problems).toEqual([]);
  }, 120_000);

  it("tells the customer where to meet, as the manager set it, in the page's language", async () => {
    // Returns: only Sam (the manager, English only) is signed in who can serve it.
    const sam = await signIn("manager", "sam", "9999");
    await sam.getByRole("heading", { name: "Settings" }).click();
    const returns = sam.getByRole("group", { name: /meet the associate: Returns/ });
    await returns.getByLabel("English").fill("at the service desk");
    await returns.getByLabel("Español").fill("en el mostrador de atención");
    await sam.getByLabel("Offer again to who declined after (s)").fill("90");
    for (const v of await seriousViolations(sam)) problems.push(`manager settings: ${v}`);
    await screenshot(sam, "manager-settings");
    // The Ukrainian place stays empty: saved, it would be refused, so it must be left out.
    await sam.getByRole("button", { name: "Save settings" }).click();
    await sam.getByText("Settings saved.").waitFor();
    await sam.reload();
    await sam.locator("[data-link=live]").waitFor();
    await sam.getByRole("heading", { name: "Settings" }).click();
    await expect
      .poll(() => returns.getByLabel("Español").inputValue())
      .toBe("en el mostrador de atención");
    await expect(
      sam.getByLabel("Offer again to who declined after (s)").inputValue(),
    ).resolves.toBe("90");

    const { page: kiosk } = await open(floor.server.kioskUrl, { width: 1280, height: 800 });
    await kiosk.locator("[data-link=live]").waitFor();
    // The start screen shows the wait for the language picked: Sam is free, but speaks no
    // Spanish, so a Spanish speaker waits until returns open to anyone (wideningMin).
    const returnsButton = kiosk.getByRole("button", { name: /Returns|Devoluciones/ });
    await expect.poll(() => returnsButton.textContent()).toContain("Almost no wait");
    await kiosk.getByRole("button", { name: "Español" }).click();
    await expect.poll(() => returnsButton.textContent()).toMatch(/unos \d+–\d+ min/);
    await kiosk.getByRole("button", { name: "English" }).click();
    await returnsButton.click();
    await kiosk.getByRole("button", { name: "Check in" }).click();
    const customerUrl = (await kiosk.locator(".ticket .qr").getAttribute("data-url")) ?? "";
    await sam.locator("[data-offer]").waitFor();
    await sam.getByRole("button", { name: "Accept" }).click();

    const said = async (page: Page, text: string) => {
      await page.locator(".customer-status[data-customer-status=serving]").waitFor();
      expect(await statusText(page)).toBe(text);
    };
    await said(kiosk, "Sam is on the way Meet them at the service desk.");
    // The phone speaks the language picked at the kiosk (English) until its switch is used.
    const spanishPhone = await floor.browser.newContext({ locale: "es-ES" });
    const spanish = await spanishPhone.newPage();
    await spanish.goto(customerUrl);
    await said(spanish, "Sam is on the way Meet them at the service desk.");
    await spanish.getByRole("button", { name: "Español" }).click();
    await said(spanish, "Sam está en camino Punto de encuentro: en el mostrador de atención.");
    // No Ukrainian place: the one in the language they checked in with (English).
    const ukrainianPhone = await floor.browser.newContext({ locale: "uk-UA" });
    const ukrainian = await ukrainianPhone.newPage();
    await ukrainian.goto(customerUrl);
    await ukrainian.getByRole("button", { name: "Українська" }).click();
    await said(ukrainian, "Sam вже йде Місце зустрічі: at the service desk.");
    expect(problems).toEqual([]);
  }, 120_000);

  it("keeps the customer's place from the ticket, and the ticket shows it from their view", async () => {
    // Fitting room: nobody who can take it is free, so the customer waits.
    const { page: kiosk } = await open(floor.server.kioskUrl, { width: 1280, height: 800 });
    await kiosk.locator("[data-link=live]").waitFor();
    await kiosk.getByRole("button", { name: /Fitting room/ }).click();
    await kiosk.getByRole("button", { name: "Check in" }).click();
    await kiosk
      .locator(".customer-status[data-customer-status=waiting]", {
        hasText: /You are number \d+ in line|You're next!/,
      })
      .waitFor();
    const browsing = kiosk.getByRole("button", { name: "I'm browsing, keep my place" });
    await browsing.waitFor();
    await ticketFits(kiosk);

    await browsing.click();
    await kiosk.locator(".customer-status", { hasText: "Browsing: your place is kept" }).waitFor();
    await kiosk.getByText(/Your place is kept. Tap "I'm ready" on your phone/).waitFor();
    expect(await browsing.count()).toBe(0);
    await ticketFits(kiosk);
    expect(problems).toEqual([]);
  });
});
