import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, seriousViolations, useDemoFloor } from "../support/browser.js";

/**
 * The kiosk without a link (the check-in waits, says so, goes out once when the link is back),
 * an offer expiring on a tablet nobody attends, and switching the kiosk's language.
 */

describe.skipIf(!hasChromium)("kiosk and tablet edge cases in Chromium", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });

  /** Opens a page and waits until it is live. */
  async function open(url: string): Promise<Page> {
    const page = await floor.open(url);
    await page.locator("[data-link=live]").waitFor();
    return page;
  }

  const line = async () => {
    const response = await fetch(`${floor.server.url}/api/stores/demo/line`, {
      headers: { authorization: `Bearer ${floor.server.adminToken}` },
    });
    return (
      (await response.json()) as { line: Array<{ name: string; code: string; status: string }> }
    ).line;
  };

  it("keeps a check-in made while offline and sends it once when the link is back", async () => {
    const kiosk = await open(floor.server.kioskUrl);
    // The link goes down (the server is gone for a while: a restart, a dead access point).
    await floor.server.halt();
    await kiosk.locator("[data-link=offline]").waitFor();
    await kiosk.getByRole("button", { name: /Fitting room/ }).click();
    await kiosk.getByLabel(/first name/).fill("Offline Olga");
    const submit = kiosk.getByRole("button", { name: "Check in" });
    await submit.click();
    await kiosk.getByText(/The connection is down/).waitFor();
    expect(await seriousViolations(kiosk)).toEqual([]);
    await submit.waitFor({ state: "detached" });

    await floor.server.resume();
    const code = await kiosk.locator("[data-code]").getAttribute("data-code", { timeout: 20_000 });
    expect(code).toMatch(/^F-\d{3}$/);
    const visits = (await line()).filter((v) => v.name === "Offline Olga");
    expect(visits.map((v) => v.code)).toEqual([code]);
  });

  it("lets an offer on an unattended tablet expire, and sends that associate away", async () => {
    // A store of its own with the shortest offer timeout the settings allow.
    const post = floor.admin;
    await post("", {
      storeId: "expiry",
      settings: {
        name: "Expiry test",
        timezone: "UTC",
        languages: ["en"],
        topics: [{ id: "phones", name: "Phones", letter: "P", skill: "phones" }],
        offerTimeoutSec: 5,
      },
    });
    await post("/expiry/associates", {
      associateId: "una",
      name: "Una Attended",
      pin: "4444",
      skills: ["phones"],
    });
    const tablet = await floor.browser.newPage({ locale: "en-US" });
    await tablet.goto(`${floor.server.url}/tablet.html?store=expiry`);
    await tablet.getByLabel("Your associate id").fill("una");
    await tablet.getByLabel("PIN").fill("4444");
    await tablet.getByRole("button", { name: "Sign in" }).click();
    await tablet.locator("[data-link=live]").waitFor();

    const ticket = await fetch(`${floor.server.url}/api/stores/expiry/visits`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${floor.server.adminToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ requestId: "expiry-1", topicId: "phones", name: "Pat" }),
    });
    expect(ticket.status).toBe(201);
    await tablet.locator("[data-offer]").waitFor();
    await tablet.getByText(/s to answer/).waitFor();
    // Nobody touches the tablet: the timer fires on the server and the view follows.
    await tablet.locator("[data-offer]").waitFor({ state: "detached", timeout: 15_000 });
    await tablet.locator('[data-presence=away][aria-pressed="true"]').waitFor();
    await tablet.getByRole("cell", { name: "waiting" }).waitFor();
  });

  it("lets a manager change settings, add an associate and pair a display", async () => {
    const manager = await floor.browser.newPage({
      locale: "en-US",
      viewport: { width: 1280, height: 900 },
    });
    await manager.goto(floor.server.page("manager"));
    await manager.getByLabel("Your associate id").fill("sam");
    await manager.getByLabel("PIN").fill("9999");
    await manager.getByRole("button", { name: "Sign in" }).click();
    await manager.locator("[data-link=live]").waitFor();
    await manager.getByRole("heading", { name: "Settings" }).click();

    await manager.getByLabel("Wrap-up time (s)").fill("45");
    await manager.getByRole("button", { name: "Save settings" }).click();
    // Saved on the server: the live view brings the new settings back (a fresh page shows them).
    await manager.getByText("Settings saved.").waitFor();
    await manager.reload();
    await manager.locator("[data-link=live]").waitFor();
    await manager.getByRole("heading", { name: "Settings" }).click();
    await expect.poll(() => manager.getByLabel("Wrap-up time (s)").inputValue()).toBe("45");

    await manager.locator("#new-id").fill("nia");
    await manager.locator("#new-name").fill("Nia Ortiz");
    await manager.locator("#new-pin").fill("5555");
    await manager.locator("#new-skills").fill("fashion");
    await manager.getByRole("button", { name: "Save associate" }).click();
    await manager.locator(".colleagues").getByText("Nia Ortiz").waitFor();

    await manager.getByLabel("Kind").selectOption("display");
    await manager.getByLabel("Device name").fill("Back wall");
    await manager.getByRole("button", { name: "Pair a device" }).click();
    const link = manager.locator(".pairing a");
    await link.waitFor();
    await manager.getByRole("img", { name: "Pairing QR code for Back wall" }).waitFor();
    expect(await seriousViolations(manager)).toEqual([]);

    // The new display works with its link, and the new associate can sign in.
    const display = await floor.browser.newPage({ locale: "en-US" });
    await display.goto((await link.getAttribute("href")) ?? "");
    await display.locator("[data-link=live]").waitFor();
    const signIn = await fetch(`${floor.server.url}/api/stores/demo/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ associateId: "nia", pin: "5555" }),
    });
    expect(signIn.status).toBe(201);
  });

  it("marks a call-ahead customer arrived when their phone scans the kiosk's code", async () => {
    const phone = await floor.browser.newContext({
      locale: "en-US",
      viewport: { width: 390, height: 844 },
    });
    const page = await phone.newPage();
    await page.goto(floor.server.page("join"));
    await page.getByRole("radio", { name: /Fitting room/ }).check();
    await page.getByLabel(/first name/).fill("Quinn");
    await page.getByRole("button", { name: "Keep my place" }).click();
    await page.locator("[data-status=expected]").waitFor();

    const kiosk = await open(floor.server.kioskUrl);
    const arriveUrl = (await kiosk.locator(".qr.small").getAttribute("data-url")) ?? "";
    expect(arriveUrl).toContain("/visit.html?store=demo&arrive=1");
    // The same phone (it remembers its visit) opens the scanned link.
    const scanned = await phone.newPage();
    await scanned.goto(arriveUrl);
    await scanned.locator("[data-status=waiting], [data-status=offered]").waitFor();
    const visits = (await line()).filter((v) => v.name === "Quinn");
    expect(visits.map((v) => v.status)).not.toContain("expected");
    await phone.close();
  });

  it("serves an accessible start page that links every page", async () => {
    const page = await floor.browser.newPage({ locale: "en-US" });
    await page.goto(`${floor.server.url}/`);
    for (const name of [
      "Kiosk",
      "Wall display",
      "Associate tablet",
      "Manager console",
      "Call ahead",
    ]) {
      await page.getByRole("link", { name }).waitFor();
    }
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("tells customers politely at the kiosk when intake is paused, and opens again", async () => {
    const kiosk = await open(floor.server.kioskUrl);
    const intake = (open: boolean) =>
      fetch(`${floor.server.url}/api/stores/demo/intake`, {
        method: "PUT",
        headers: {
          authorization: `Bearer ${floor.server.adminToken}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ open }),
      });
    expect((await intake(false)).status).toBe(200);
    await kiosk
      .getByRole("heading", { name: "We are not taking new requests right now" })
      .waitFor();
    expect(await kiosk.getByRole("button", { name: /Phones/ }).count()).toBe(0);
    expect(await seriousViolations(kiosk)).toEqual([]);
    expect((await intake(true)).status).toBe(200);
    await kiosk.getByRole("button", { name: /Phones/ }).waitFor();
  });

  it("switches the kiosk's language", async () => {
    const kiosk = await open(floor.server.kioskUrl);
    await kiosk.getByRole("button", { name: "Українська" }).click();
    await kiosk.getByRole("heading", { name: "Чим ми можемо допомогти?" }).waitFor();
    expect(await kiosk.locator("html").getAttribute("lang")).toBe("uk");
    // The demo store names its topics in each language: no English on the Ukrainian kiosk.
    await kiosk.getByRole("button", { name: /Примірочна/ }).waitFor();
    expect(await kiosk.getByRole("button", { name: /Fitting room/ }).count()).toBe(0);
    await kiosk.getByRole("button", { name: "Español" }).click();
    await kiosk.getByRole("heading", { name: "¿En qué podemos ayudarle?" }).waitFor();
    await kiosk.getByRole("button", { name: /Devoluciones/ }).waitFor();
    expect(await seriousViolations(kiosk)).toEqual([]);
  });
});
