import type { Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, seriousViolations, useDemoFloor } from "../support/browser.js";

/**
 * The tablet in the associate's hands (issue 11, point 1): a sign-in id typed in another case,
 * Offline and back, a walk-in, actions as touch targets, a guard before signing out while
 * serving, a confirmed and undone no-show, and "ready now" in wrap-up; and the kiosk's "I'm back"
 * for a browsing customer without a phone.
 */

describe.skipIf(!hasChromium)("the tablet keeps the associate in control", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });

  /** A customer checks in at the kiosk for `topic` and goes browsing: the kiosk and their code. */
  async function browseAtKiosk(topic: RegExp) {
    const kiosk = await floor.open(floor.server.kioskUrl, { width: 1280, height: 800 });
    await kiosk.locator("[data-link=live]").waitFor();
    await kiosk.getByRole("button", { name: topic }).click();
    await kiosk.getByRole("button", { name: "Check in" }).click();
    const code = String(await kiosk.locator("[data-code]").getAttribute("data-code"));
    await kiosk.getByRole("button", { name: "I'm browsing, keep my place" }).click();
    await kiosk
      .getByText(/place is kept/i)
      .first()
      .waitFor();
    return { kiosk, code };
  }

  it("walks an associate through a walk-in, a no-show taken back and ready now", async () => {
    const post = floor.admin;
    await post("", {
      storeId: "control",
      settings: {
        name: "Control test",
        timezone: "UTC",
        languages: ["en"],
        topics: [{ id: "phones", name: "Phones", letter: "P", skill: "phones" }],
        wrapUpSec: 120,
      },
    });
    await post("/control/associates", {
      associateId: "una",
      name: "Una Attended",
      pin: "4444",
      skills: ["phones"],
    });
    const tablet = await floor.open(`${floor.server.url}/tablet.html?store=control`, {
      width: 800,
      height: 1280,
    });
    // A wrong PIN is named for what the form asks (an associate id), not a name.
    await tablet.getByLabel("Your associate id").fill("una");
    await tablet.getByLabel("PIN").fill("0000");
    await tablet.getByRole("button", { name: "Sign in" }).click();
    await tablet.getByText("That associate id and PIN do not match.").waitFor();
    await floor.signIn(tablet, "UNA", "4444");
    const pressed = (p: string) => tablet.locator(`[data-presence=${p}][aria-pressed="true"]`);

    // Offline is not a sign-out: Available again with a tap.
    await tablet.locator("[data-presence=offline]").click();
    await pressed("offline").waitFor();
    await tablet.locator("[data-presence=available]").click();
    await pressed("available").waitFor();

    // A customer who did not use the kiosk.
    await tablet.getByRole("button", { name: "Add a walk-in" }).click();
    // The form says its limits (a longer name is cut by the field, so the associate is told).
    const name = tablet.getByLabel("Their name (optional)");
    expect(await name.getAttribute("aria-describedby")).toBe("walk-in-name-limit");
    await tablet.locator("#walk-in-name-limit", { hasText: "Up to 40 characters" }).waitFor();
    await tablet.locator("#walk-in-note-limit", { hasText: "Up to 500 characters" }).waitFor();
    await name.fill("Walt");
    // A note typed without a space: the offer and the line wrap it, no sideways scroll.
    await tablet.getByLabel("What they need (optional)").fill("case_for_the_phone_".repeat(12));
    await tablet.getByRole("button", { name: "Add to the line" }).click();
    await tablet.getByText(/P-001 is in the line/).waitFor();
    await tablet.locator("[data-offer]").waitFor();
    expect(await tablet.evaluate("document.documentElement.scrollWidth - innerWidth")).toBe(0);
    await tablet.getByRole("button", { name: "Accept" }).click();
    await tablet.getByRole("heading", { name: "Serving P-001" }).waitFor();

    // Resolved, Transfer and No-show: at least 44 px tall and 8 px apart.
    const boxes = await Promise.all(
      ["[data-outcome=resolved]", "[data-action=transfer]", "[data-action=no-show]"].map(
        async (selector) => {
          const box = await tablet.locator(selector).boundingBox();
          if (!box) throw new Error(`${selector} is not shown`);
          return box;
        },
      ),
    );
    for (const box of boxes) expect(box.height).toBeGreaterThanOrEqual(44);
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) {
        const apartX = Math.max(b.x - (a.x + a.width), a.x - (b.x + b.width));
        const apartY = Math.max(b.y - (a.y + a.height), a.y - (b.y + b.height));
        expect(Math.max(apartX, apartY)).toBeGreaterThanOrEqual(8);
      }

    // Signing out while serving: the tablet says why not, and nothing happens.
    await tablet.getByRole("button", { name: "Sign out" }).click();
    const dialog: Locator = tablet.getByRole("alertdialog");
    await dialog.getByText(/You are serving P-001/).waitFor();
    expect(await seriousViolations(tablet)).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // A no-show asks first, and can be taken back.
    await tablet.locator("[data-action=no-show]").click();
    await dialog.getByRole("button", { name: "Yes, a no-show" }).click();
    await tablet.getByText("P-001 is marked as a no-show.").waitFor();
    await tablet.getByRole("button", { name: /^Undo \(\d+ s\)$/ }).click();
    await tablet.getByText("P-001 is with you again.").waitFor();
    await tablet.getByRole("heading", { name: "Serving P-001" }).waitFor();

    // Done: wrap-up counts down, and "ready now" ends it.
    await tablet.locator("[data-outcome=resolved]").click();
    await tablet.getByText(/the next customer comes in \d+ s/).waitFor();
    await tablet.getByRole("button", { name: "Ready now" }).click();
    await tablet.getByRole("button", { name: "Ready now" }).waitFor({ state: "detached" });
    expect(await seriousViolations(tablet)).toEqual([]);
    expect(floor.problems).toEqual([]);
  });

  it("brings a browsing customer without a phone back by the code on their ticket", async () => {
    const { kiosk, code } = await browseAtKiosk(/Fitting room/);

    // Later, at the kiosk again (a fresh start screen): the code, typed as it comes.
    await kiosk.reload();
    await kiosk.getByRole("button", { name: "I'm back: my place was kept" }).click();
    await kiosk.getByLabel("The number on your ticket").fill(code.toLowerCase().replace("-", ""));
    await kiosk.getByRole("button", { name: "I'm back", exact: true }).click();
    await kiosk.getByText(`Welcome back! ${code} is in the line again`).waitFor();
    expect(await seriousViolations(kiosk)).toEqual([]);
    expect(floor.problems).toEqual([]);
  });

  it("lets staff bring a browsing customer back and serve them; the console's alert about them closes itself", async () => {
    const { kiosk, code } = await browseAtKiosk(/Phones/);

    // Julia brings them back from the line on her tablet, is offered them, and serves them.
    const julia = await floor.open(floor.server.page("tablet"), { width: 800, height: 1280 });
    await floor.signIn(julia, "julia", "1111");
    // Colleagues not on shift show their Offline badge, without "(tablet offline)" as well.
    const marco = julia.locator("li", { hasText: "Marco Ruiz" });
    await marco.getByText("Offline", { exact: true }).waitFor();
    expect(await marco.textContent()).not.toContain("tablet offline");
    // A customer who gave no name reads "(no name)" in the line, as on the serving card.
    await julia.locator("tr", { hasText: code }).getByText("(no name)").waitFor();
    await julia.getByRole("button", { name: `Bring ${code} back into the line` }).click();
    await julia.locator("[data-offer]").waitFor();
    await julia.getByRole("button", { name: "Accept" }).click();
    await julia.getByRole("heading", { name: `Serving ${code}` }).waitFor();

    // She calls a manager: the console shows it by name; once the visit ends, it is gone.
    const console = await floor.open(floor.server.page("manager"), { width: 1440, height: 900 });
    await floor.signIn(console, "sam", "9999");
    // The console's buttons under its header keep clear of it, and both columns start level.
    const [clear, level] = (await console.evaluate(`(() => {
      const box = (s) => document.querySelector(s).getBoundingClientRect();
      return [box("[data-action=walk-in]").top - box(".staff-head").bottom,
        box("#line-title").top - box("#alerts-title").top];
    })()`)) as [number, number];
    expect(clear).toBeGreaterThanOrEqual(8);
    expect(Math.abs(level)).toBeLessThan(2);
    await julia.locator("[data-action=call-manager]").click();
    const alert = console.locator("[data-alert=manager_called]");
    await alert.getByText(/Julia/).first().waitFor();
    // The console's line keeps each code on one line ("P-001", not "P-" over "001").
    const codeCell = console.locator('section[aria-labelledby="line-title"] td', { hasText: code });
    const cellStyle = await codeCell.evaluate(
      (cell) =>
        (
          globalThis as unknown as { getComputedStyle: (e: unknown) => { whiteSpace: string } }
        ).getComputedStyle(cell).whiteSpace,
    );
    expect(cellStyle).toBe("nowrap");
    await julia.locator("[data-outcome=resolved]").click();
    await alert.waitFor({ state: "detached" });
    expect(await seriousViolations(console)).toEqual([]);

    // The walk-in form names the languages Julia helps in, not their codes.
    await julia.getByRole("button", { name: "Add a walk-in" }).click();
    const options = await julia
      .getByLabel("Language", { exact: true })
      .locator("option")
      .allTextContents();
    expect(options).toEqual(["Any language", "English", "Українська"]);
    expect(floor.problems).toEqual([]);
  });

  it("names the topics in the tablet's language where the store named them so", async () => {
    const { code } = await floor.checkIn({
      requestId: "uk-topic-1",
      topicId: "returns",
      name: "Оксана",
    });
    const context = await floor.browser.newContext({
      locale: "uk-UA",
      viewport: { width: 800, height: 1280 },
    });
    const tablet = await context.newPage();
    await tablet.goto(floor.server.page("tablet"));
    await tablet.locator("#associateId").fill("olena");
    await tablet.locator("#pin").fill("3333");
    await tablet.locator("form.sign-in button[type=submit]").click();
    await tablet.locator("[data-link=live]").waitFor();
    // The demo store names Returns "Повернення" in Ukrainian.
    await tablet.locator("tr", { hasText: code }).getByText("Повернення").waitFor();
    expect(await tablet.locator("tr", { hasText: code }).getByText("Returns").count()).toBe(0);
    await context.close();
  });
});
