import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, screenshot, seriousViolations, useDemoFloor } from "../support/browser.js";

/**
 * Resolution that is real (issue 12, point 6), in Chromium: an associate declines with a reason
 * the manager reads; then closes the visit as resolved, the customer answers "No" on their
 * phone, and the manager's console shows the alert and the follow-up list, marks it followed
 * up with a note, and it leaves the list.
 */

describe.skipIf(!hasChromium)("the manager follows up a disputed resolution", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });

  it("from the tablet's decline and 'Resolved' to the customer's 'No' and the console's follow-up", async () => {
    const post = floor.admin;
    expect(
      (
        await post("", {
          storeId: "followups",
          settings: {
            name: "Follow-up test",
            timezone: "UTC",
            languages: ["en", "uk"],
            topics: [
              {
                id: "phones",
                name: "Phones",
                names: { uk: "Телефони" },
                letter: "P",
                skill: "phones",
              },
            ],
            wrapUpSec: 0,
            // A decliner may be offered the visit again at once when nobody else may take it.
            declineCooldownSec: 0,
          },
        })
      ).status,
    ).toBe(201);
    await post("/followups/associates", {
      associateId: "una",
      name: "Una Attended",
      pin: "4444",
      skills: ["phones"],
    });
    await post("/followups/associates", {
      associateId: "mia",
      name: "Mia Manager",
      pin: "5555",
      skills: ["service"],
      manager: true,
    });
    const managerPage = await floor.open(`${floor.server.url}/manager.html?store=followups`, {
      width: 1440,
      height: 1000,
    });
    await floor.signIn(managerPage, "mia", "5555");
    // The manager is not on the floor: nobody but Una may take the customer.
    await managerPage.locator("[data-presence=away]").click();
    await managerPage.locator('[data-presence=away][aria-pressed="true"]').waitFor();
    const tablet = await floor.open(`${floor.server.url}/tablet.html?store=followups`, {
      width: 800,
      height: 1280,
    });
    await floor.signIn(tablet, "una", "4444");

    const { url, adminToken } = floor.server;
    const checkedIn = await fetch(`${url}/api/stores/followups/visits`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        requestId: "browser-follow-up-1",
        topicId: "phones",
        name: "Nadia Petrenko",
      }),
    });
    expect(checkedIn.status).toBe(201);
    const { code, customerUrl } = (await checkedIn.json()) as { code: string; customerUrl: string };

    // Una declines, saying why: the tablet sends the reason's code, the console reads it.
    await tablet.locator("[data-offer]").waitFor();
    await tablet.getByRole("button", { name: "Decline", exact: true }).click();
    await tablet.getByLabel("Reason").selectOption({ label: "Not my area" });
    await tablet.getByRole("button", { name: "Decline with this reason" }).click();
    const declined = managerPage.locator("[data-alert=declined_by_all]", { hasText: code });
    await declined.locator('[data-decliner=una][data-reason="not_my_skill"]').waitFor();
    await expect(declined.textContent()).resolves.toContain("Una Attended: Not my area");

    // Nobody else may take Nadia: Una is offered her again, accepts, and closes it as resolved.
    await tablet.locator("[data-offer]").waitFor();
    await tablet.getByRole("button", { name: "Accept" }).click();
    await tablet.getByRole("heading", { name: `Serving ${code}` }).waitFor();
    await declined.waitFor({ state: "detached" });
    await tablet.getByRole("button", { name: "Resolved", exact: true }).click();

    // Nadia says no, on her phone.
    const phone = await floor.open(customerUrl, { width: 390, height: 844 });
    await phone.getByRole("group", { name: /resolved to your satisfaction/ }).waitFor();
    await phone.getByRole("radio", { name: "No" }).check();
    await phone.getByLabel(/Anything you want to tell us/).fill("The charger still does not work");
    await phone.getByRole("button", { name: "Send" }).click();
    await phone.getByText("Thank you for your feedback!").waitFor();

    // The console: an alert naming who said what, and the visit on the follow-up list.
    const alert = managerPage.locator("[data-alert=follow_up_needed]", { hasText: code });
    await alert.waitFor();
    const alertText = (await alert.textContent()) ?? "";
    for (const words of [
      "Customer says it was not resolved",
      "Una Attended",
      "Nadia Petrenko",
      "Customer's answer: No",
      "The charger still does not work",
    ])
      expect(alertText).toContain(words);
    // No server-made English note under it (the title, code and names say it in the page's
    // language), and its dismissal says it only dismisses: the visit stays on the list.
    expect(await alert.locator(".alert-note:not([data-follow-up-said])").count()).toBe(0);
    await alert.getByRole("button", { name: "Dismiss alert" }).waitFor();
    const panel = managerPage.locator(".follow-ups-panel");
    await panel.getByRole("heading", { name: "Follow-ups (1)" }).waitFor();
    const entry = panel.locator("[data-follow-up]", { hasText: code });
    await expect(entry.textContent()).resolves.toContain("Closed as resolved by Una Attended");
    await expect(entry.textContent()).resolves.toContain("The charger still does not work");
    for (const v of await seriousViolations(managerPage)) expect.fail(`console: ${v}`);
    await screenshot(managerPage, "console-follow-up");

    // A Ukrainian console names the topic as the store named it in Ukrainian.
    const ukConsole = await floor.browser.newContext({ locale: "uk-UA" });
    const ukPage = await ukConsole.newPage();
    await ukPage.goto(`${floor.server.url}/manager.html?store=followups`);
    await ukPage.locator("form.sign-in input[name=associateId]").fill("mia");
    await ukPage.locator("form.sign-in input[name=pin]").fill("5555");
    await ukPage.locator("form.sign-in button[type=submit]").click();
    const ukEntry = ukPage.locator("[data-follow-up]", { hasText: code });
    await expect(ukEntry.locator(".alert-what").textContent()).resolves.toContain("Телефони");
    await expect(ukEntry.locator(".alert-what").textContent()).resolves.not.toContain("Phones");
    // Today's chart of waits by topic says it in Ukrainian to a screen reader too.
    const byTopic =
      (await ukPage.locator("#chart-waits-by-topic").getAttribute("aria-label")) ?? "";
    expect(byTopic).toContain("Телефони");
    expect(byTopic).toContain("хв");
    expect(byTopic).not.toContain("Phones");
    const ukAlert = ukPage.locator("[data-alert=follow_up_needed]", { hasText: code });
    await expect(ukAlert.textContent()).resolves.not.toContain("was closed as resolved");
    await ukConsole.close();

    // A note of spaces only is not sent, and the manager is told what is missing.
    await entry.getByLabel("What was done").fill("   ");
    await entry.getByRole("button", { name: "Mark followed up" }).click();
    await panel
      .getByRole("alert")
      .filter({ hasText: `Write what was done for ${code}` })
      .waitFor();
    await expect(entry.isVisible()).resolves.toBe(true);

    // "Open follow-up" puts the manager in the entry's note field.
    await alert.getByRole("button", { name: "Open follow-up" }).click();
    await expect
      .poll(() => managerPage.evaluate('document.activeElement?.getAttribute("name")'))
      .toBe("note");
    await entry.getByLabel("What was done").fill("Called Nadia: a new charger is at the desk");
    // A double click sends it once: no "Not done" from a second, refused send.
    await entry.getByRole("button", { name: "Mark followed up" }).dblclick();
    await panel
      .getByRole("status")
      .filter({ hasText: `${code} is marked followed up.` })
      .waitFor();
    await entry.waitFor({ state: "detached" });
    await alert.waitFor({ state: "detached" });
    await panel.getByRole("heading", { name: "Follow-ups (0)" }).waitFor();
    // The entry gone, the keyboard is left on the list, not thrown back to the top of the page.
    await expect
      .poll(() => managerPage.evaluate("document.activeElement?.id"))
      .toBe("follow-ups-title");
    const done = panel.locator("[data-followed-up]", { hasText: code });
    await expect(done.textContent()).resolves.toContain(
      "Called Nadia: a new charger is at the desk",
    );
    await expect(done.textContent()).resolves.toContain("followed up by Mia Manager");
    await expect(panel.getByRole("alert").count()).resolves.toBe(0);
    await expect(managerPage.getByText("already followed up").count()).resolves.toBe(0);
    for (const v of await seriousViolations(managerPage)) expect.fail(`console after: ${v}`);

    // A new store's staffing advisor has no weeks of customers yet: it says so, and which days
    // it learns from, rather than show an empty chart.
    await managerPage.locator("details.analytics > summary").click();
    const noAdvice = managerPage.locator("[data-staffing=none]");
    await noAdvice.waitFor();
    await expect(noAdvice.textContent()).resolves.toContain("No advice yet");
    await expect(managerPage.locator('[data-chart="staffing"]').count()).resolves.toBe(0);
    expect(floor.problems).toEqual([]);
  });
});
