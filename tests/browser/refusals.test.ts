import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AssociateView, CustomerView } from "../../shared/views.js";
import { hasChromium, useDemoFloor } from "../support/browser.js";
import { connect, rid, signIn, tokenOf } from "../support/server.js";

/**
 * A refusal from the server reads in the page's language. Two managers follow up the same
 * disputed visit: the one whose console has not heard yet (its view updates held back, as on a
 * slow link) is refused. In Ukrainian the console says so in Ukrainian, not in the server's
 * English; in English it shows the server's message, which names who followed it up. A wrong
 * PIN likewise.
 */

const uk = JSON.parse(readFileSync("client/src/i18n/uk.json", "utf8")) as Record<string, string>;
const STORE = "refusals";

/** A console whose socket forwards everything, except that view updates can be held back. */
interface Console {
  page: Page;
  /** From now on the server's events (view patches) wait; answers to commands still come. */
  hold(): void;
  /** Delivers what was held, in order, and stops holding. */
  release(): void;
}

describe.skipIf(!hasChromium)("a refusal from the server, in the console's language", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });

  async function openConsole(locale: string): Promise<Console> {
    const context = await floor.browser.newContext({
      locale,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    page.on("pageerror", (error) =>
      floor.problems.push(`page error (${locale}): ${error.message}`),
    );
    let holding = false;
    const held: Array<() => void> = [];
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        // socket.io over engine.io: "42…" is an event (a view patch), "43…" a command's answer.
        const deliver = () => ws.send(message);
        if (holding && typeof message === "string" && message.startsWith("42")) held.push(deliver);
        else deliver();
      });
    });
    await page.goto(`${floor.server.url}/manager.html?store=${STORE}`);
    return {
      page,
      hold: () => {
        holding = true;
      },
      release: () => {
        holding = false;
        for (const deliver of held.splice(0)) deliver();
      },
    };
  }

  async function signInOn(page: Page, associateId: string, pin: string): Promise<void> {
    await page.locator("form.sign-in input[name=associateId]").fill(associateId);
    await page.locator("form.sign-in input[name=pin]").fill(pin);
    await page.locator("form.sign-in button[type=submit]").click();
  }

  /** A customer served by Una, closed as resolved, who answers "No": a follow-up. */
  async function disputedVisit(name: string): Promise<string> {
    const { url } = floor.server;
    const session = await signIn(url, STORE, "una", "4444");
    const una = await connect(url, { storeId: STORE, sessionToken: session.body.token });
    const checkedIn = await fetch(`${url}/api/stores/${STORE}/visits`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${floor.server.adminToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ requestId: rid(), topicId: "phones", name }),
    });
    expect(checkedIn.status).toBe(201);
    const ticket = (await checkedIn.json()) as {
      visitId: string;
      code: string;
      customerUrl: string;
    };
    const offered = await una.until<AssociateView>(
      (v) => v.offer?.visit.visitId === ticket.visitId,
    );
    await una.ok("offer:accept", { requestId: rid(), offerId: String(offered.offer?.offerId) });
    await una.ok("visit:complete", {
      requestId: rid(),
      visitId: ticket.visitId,
      outcome: "resolved",
    });
    const customer = await connect(url, {
      storeId: STORE,
      customerToken: tokenOf(ticket.customerUrl),
    });
    await customer.until<CustomerView>((v) => v.canGiveFeedback);
    await customer.ok("feedback:give", { requestId: rid(), satisfaction: "no", comment: "" });
    customer.socket.close();
    una.socket.close();
    return ticket.code;
  }

  /** Marks a follow-up done on a console, by its label in the console's language. */
  async function markDone(page: Page, code: string, note: string, button: string): Promise<void> {
    const entry = page.locator("[data-follow-up]", { hasText: code });
    await entry.locator("input[name=note]").fill(note);
    await entry.getByRole("button", { name: button }).click();
  }

  /** The refusal the staff page shows at its top. */
  const refusal = (page: Page) => page.locator("p.badge.danger[role=alert]");

  it("says a follow-up another manager closed first in Ukrainian, and in English as the server put it", async () => {
    const created = await floor.admin("", {
      storeId: STORE,
      settings: {
        name: "Refusals test",
        timezone: "UTC",
        languages: ["en", "uk"],
        topics: [{ id: "phones", name: "Phones", letter: "P", skill: "phones" }],
        wrapUpSec: 0,
      },
    });
    expect(created.status).toBe(201);
    for (const [associateId, name, pin, manager] of [
      ["una", "Una Attended", "4444", false],
      ["mia", "Mia Manager", "5555", true],
      ["olena", "Olena Koval", "6666", true],
    ] as const) {
      const added = await floor.admin(`/${STORE}/associates`, {
        associateId,
        name,
        pin,
        skills: manager ? ["service"] : ["phones"],
        manager,
      });
      expect(added.status).toBeLessThan(300);
    }

    const mia = await openConsole("en-US");
    const olena = await openConsole("uk-UA");

    // A wrong PIN: in Ukrainian in the Ukrainian console, the server's words in the English one.
    await signInOn(olena.page, "olena", "0000");
    await refusal(olena.page).filter({ hasText: uk["staffError.WRONG_PIN"] }).waitFor();
    await signInOn(mia.page, "mia", "0000");
    await refusal(mia.page)
      .filter({ hasText: "That associate id and PIN do not match." })
      .waitFor();

    await signInOn(olena.page, "olena", "6666");
    await olena.page.locator("[data-link=live]").waitFor();
    await signInOn(mia.page, "mia", "5555");
    await mia.page.locator("[data-link=live]").waitFor();

    // Mia follows up first; Olena's console has not heard, and she tries too.
    const first = await disputedVisit("Nadia Petrenko");
    for (const c of [mia, olena])
      await c.page.locator("[data-follow-up]", { hasText: first }).waitFor();
    olena.hold();
    await markDone(mia.page, first, "Called her back", "Mark followed up");
    await mia.page
      .getByRole("status")
      .filter({ hasText: `${first} is marked followed up.` })
      .waitFor();
    await markDone(olena.page, first, "Передзвонила", uk["followUp.mark"] ?? "");
    const ukRefusal = refusal(olena.page);
    await ukRefusal.filter({ hasText: uk["staffError.INVALID_TRANSITION"] }).waitFor();
    const ukText = (await ukRefusal.textContent()) ?? "";
    expect(ukText).not.toContain("already followed up");
    expect(ukText).not.toContain("Mia Manager");
    await olena.page
      .locator(".follow-ups-panel [role=alert]")
      .filter({ hasText: uk["manager.notDone"] })
      .waitFor();
    // What was held back comes: the follow-up leaves Olena's list, done by Mia.
    olena.release();
    await olena.page.locator("[data-follow-up]", { hasText: first }).waitFor({ state: "detached" });
    await olena.page.locator("[data-followed-up]", { hasText: first }).waitFor();

    // Now the other way round: Olena first; Mia's English console shows the server's message.
    const second = await disputedVisit("Ivan Shevchuk");
    for (const c of [mia, olena])
      await c.page.locator("[data-follow-up]", { hasText: second }).waitFor();
    mia.hold();
    await markDone(olena.page, second, "Замінили зарядний пристрій", uk["followUp.mark"] ?? "");
    await olena.page.locator("[data-followed-up]", { hasText: second }).waitFor();
    await markDone(mia.page, second, "Replaced the charger", "Mark followed up");
    await refusal(mia.page)
      .filter({ hasText: `Visit ${second} was already followed up by Olena Koval.` })
      .waitFor();
    mia.release();
    await mia.page.locator("[data-follow-up]", { hasText: second }).waitFor({ state: "detached" });
    expect(floor.problems).toEqual([]);
  });
});
