import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, seriousViolations, useDemoFloor } from "../support/browser.js";

/**
 * The customer's side in every language: the language picked at the kiosk carries to the phone,
 * topics are named in it, the phone switches language; the call-ahead page follows intake live;
 * a customer who left joins again as a new visit.
 */

/** Text nodes that look like a translation key ("visit.place"): a text nobody translated. */
const RAW_KEYS = `[...document.querySelectorAll("body *")]
  .flatMap((element) => [...element.childNodes])
  .filter((node) => node.nodeType === 3)
  .map((node) => node.textContent.trim())
  .filter((text) => /^[a-z]+\\.[a-zA-Z.]+$/.test(text))`;

const uk = JSON.parse(readFileSync("client/src/i18n/uk.json", "utf8")) as Record<string, string>;

describe.skipIf(!hasChromium)("customer pages in every language, in Chromium", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });
  const admin = () => ({
    authorization: `Bearer ${floor.server.adminToken}`,
    "content-type": "application/json",
  });
  const rawKeys = async (page: Page) => (await page.evaluate(RAW_KEYS)) as string[];
  const lang = (page: Page) => page.locator("html").getAttribute("lang");
  /** How much wider than its 360 px window the page is (0: no sideways scroll). */
  const overflow = async (page: Page) =>
    (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
  const intake = async (open: boolean) => {
    const response = await fetch(`${floor.server.url}/api/stores/demo/intake`, {
      method: "PUT",
      headers: admin(),
      body: JSON.stringify({ open }),
    });
    expect(response.status).toBe(200);
  };

  /** Changes the demo store's settings through the admin API. */
  async function settle(change: (settings: Record<string, unknown>) => void) {
    const url = `${floor.server.url}/api/admin/stores/demo/settings`;
    const { settings } = (await (await fetch(url, { headers: admin() })).json()) as {
      settings: Record<string, unknown>;
    };
    change(settings);
    const saved = await fetch(url, {
      method: "PUT",
      headers: admin(),
      body: JSON.stringify(settings),
    });
    expect(saved.status).toBe(200);
  }

  beforeAll(async () => {
    // The store names its phones topic in Ukrainian and Spanish, and says what to bring.
    await settle((settings) => {
      settings.topics = (settings.topics as Array<Record<string, unknown>>).map((topic) =>
        topic.id === "phones"
          ? { ...topic, names: { uk: "Телефони", es: "Teléfonos" }, bring: { uk: "ваш телефон" } }
          : topic,
      );
    });
  });

  it("carries the kiosk's Ukrainian to the phone, names the topic in it, and switches to Spanish", async () => {
    const kiosk = await floor.open(floor.server.kioskUrl);
    await kiosk.getByRole("button", { name: "Українська" }).click();
    await kiosk.getByRole("button", { name: /Телефони/ }).click();
    await kiosk.getByText("До 40 символів").waitFor();
    expect(await rawKeys(kiosk)).toEqual([]);
    await kiosk.locator("#name").fill("Оксана");
    await kiosk.locator("form button[type=submit]").click();
    const customerUrl = (await kiosk.locator(".qr[data-url]").getAttribute("data-url")) ?? "";
    expect(customerUrl).toContain("/visit.html");

    // Her phone's browser speaks English; the page speaks what she chose at the kiosk.
    const phone = await floor.open(customerUrl, { width: 360, height: 780 });
    await phone.locator("[data-customer-status]").waitFor();
    expect(await lang(phone)).toBe("uk");
    await phone.getByText(/Телефони/).waitFor();
    expect(await rawKeys(phone)).toEqual([]);

    await phone.getByRole("button", { name: "Español" }).click();
    expect(await lang(phone)).toBe("es");
    await phone.getByText(/Teléfonos/).waitFor();
    expect(await rawKeys(phone)).toEqual([]);
    expect(await seriousViolations(phone)).toEqual([]);
    expect(await overflow(phone)).toBe(0);
    // The choice stays with the visit on this phone.
    await phone.reload();
    await phone.getByText(/Teléfonos/).waitFor();
    expect(await lang(phone)).toBe("es");
  });

  it("follows intake live on the call-ahead page, and says where a held place stands", async () => {
    // Held places end as soon as the customer said they would arrive (so the reminder is due).
    await settle((settings) => {
      settings.callAheadHoldMin = 0;
    });
    await intake(false);
    // Notifications are allowed on this phone; what it is shown is noted.
    const context = await floor.browser.newContext({
      locale: "en-US",
      viewport: { width: 360, height: 780 },
    });
    await context.addInitScript(`
      window.notified = [];
      window.Notification = class {
        static permission = "granted";
        static requestPermission() { return Promise.resolve("granted"); }
        constructor(text) { window.notified.push(text); }
      };
    `);
    const join = await context.newPage();
    join.on("pageerror", (error) => floor.problems.push(`call-ahead page: ${error.message}`));
    await join.goto(floor.server.page("join"));
    await join.locator("main[data-intake=paused]").waitFor();
    await intake(true);
    // No reload: the page asks again by itself.
    await join.locator("main[data-intake=open]").waitFor({ timeout: 15_000 });
    await join.getByText("Up to 500 characters").waitFor();
    await join.getByRole("button", { name: "Українська" }).click();
    await join.getByRole("radio", { name: /Телефони/ }).check();
    await join.getByLabel("Я прийду").selectOption("5");
    expect(await overflow(join)).toBe(0);
    expect(await rawKeys(join)).toEqual([]);
    await join.locator("form button[type=submit]").click();
    await join.locator("[data-customer-status=expected]").waitFor();
    expect(await lang(join)).toBe("uk");
    await join.getByText(/Ваше місце збережено: ви \d+-і в черзі/).waitFor();
    await join.getByText("Будь ласка, візьміть із собою: ваш телефон.").waitFor();
    // The alerts settings fold away, with a sign that they open.
    const marker = () =>
      join.evaluate(
        `getComputedStyle(document.querySelector("details > summary"), "::before").content`,
      );
    expect(await marker()).toBe('"▸"');
    await join.getByText("Сповіщення", { exact: true }).click();
    expect(await marker()).toBe('"▾"');
    // The hold ends in 5 minutes: the reminder is due at once, on the page and as a notification.
    const reminder = join.locator(".hold-soon[role=alert]");
    await reminder.waitFor();
    const said = (await reminder.textContent()) ?? "";
    expect(said).toMatch(/^Ваше місце зберігається лише до \d{2}:\d{2}\. /);
    expect(await join.evaluate("window.notified")).toEqual([said]);
    expect(await rawKeys(join)).toEqual([]);
    expect(await seriousViolations(join)).toEqual([]);
    expect(await overflow(join)).toBe(0);
    await context.close();
    await settle((settings) => {
      settings.callAheadHoldMin = 30;
    });
  });

  it("tells a caller whose store paused while the form was open that it is paused, not to ask an associate", async () => {
    const join = await floor.open(floor.server.page("join"), { width: 390, height: 844 });
    await join.getByRole("button", { name: "Українська" }).click();
    await join.getByRole("radio", { name: /Телефони/ }).check();
    // Paused after the page last asked: the form is still there when the caller sends it.
    await intake(false);
    await join.locator("form button[type=submit]").click();
    await join.locator("main[data-intake=paused]").waitFor();
    await join
      .getByRole("status")
      .getByText(uk["kiosk.closedTitle"] ?? "")
      .waitFor();
    await join.getByText(uk["join.closedLive"] ?? "").waitFor();
    expect(await join.getByRole("alert").count()).toBe(0);
    await intake(true);
    await join.locator("main[data-intake=open]").waitFor({ timeout: 15_000 });
    expect(await overflow(join)).toBe(0);
    await join.context().close();
  });

  it("lets a customer who left join again as a new visit, leaving the old one as it was", async () => {
    const joined = await fetch(`${floor.server.url}/api/stores/demo/join`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        requestId: "rejoin-1",
        topicId: "returns",
        language: "es",
        arrivingInMin: 60,
      }),
    });
    const first = (await joined.json()) as { customerUrl: string; code: string };
    const phone = await floor.open(first.customerUrl, { width: 390, height: 844 });
    await phone.locator("[data-customer-status]").waitFor();
    phone.once("dialog", (dialog) => void dialog.accept());
    await phone.getByRole("button", { name: "Salir de la fila" }).click();
    await phone.locator("[data-customer-status=left]").waitFor();

    await phone.getByRole("link", { name: "Volver a la fila" }).click();
    // The call-ahead page, in her language, with her topic chosen.
    await phone.locator("main[data-intake=open]").waitFor();
    expect(await lang(phone)).toBe("es");
    expect(await phone.locator("input[value=returns]").isChecked()).toBe(true);
    expect(await seriousViolations(phone)).toEqual([]);
    // She is in the store: "I'm already here" is chosen, and her new visit waits at once.
    expect(await phone.getByLabel("Llegaré").inputValue()).toBe("0");
    await phone.locator("form button[type=submit]").click();
    await phone.locator("[data-customer-status=waiting], [data-customer-status=offered]").waitFor();
    const code = await phone.locator(".big-code").textContent();
    expect(code).toMatch(/^R-\d{3}$/);
    expect(code).not.toBe(first.code);

    // The old visit is still the one that left.
    const old = await floor.open(first.customerUrl, { width: 390, height: 844 });
    await old.locator("[data-customer-status=left]").waitFor();
    expect(await old.locator(".big-code").textContent()).toBe(first.code);
    expect(floor.problems).toEqual([]);
  });
});
