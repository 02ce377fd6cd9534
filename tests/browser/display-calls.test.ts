import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, seriousViolations, useDemoFloor } from "../support/browser.js";

/**
 * The wall display never hides a call without saying so: "now serving" is a row of cards, and
 * those past the room it has are counted as "+N more" beside its heading.
 */

describe.skipIf(!hasChromium)("the wall display's calls", () => {
  const floor = useDemoFloor({ beforeAll, afterAll });

  it("counts the calls its row has no room for", async () => {
    const display = await floor.open(floor.server.displayUrl, { width: 1920, height: 1080 });
    await display.locator("[data-link=live]").waitFor();
    const staff = [
      ["julia", "1111"],
      ["marco", "2222"],
      ["sam", "9999"],
    ] as const;
    const tablets = [];
    for (const [id, pin] of staff) {
      const tablet = await floor.open(floor.server.page("tablet"), { width: 800, height: 1280 });
      await floor.signIn(tablet, id, pin);
      tablets.push(tablet);
    }
    for (let i = 0; i < staff.length; i++)
      await floor.checkIn({ requestId: `calls-${i}`, topicId: "phones", name: `Caller ${i}` });
    for (const tablet of tablets) {
      await tablet.locator("[data-offer]").waitFor();
      await tablet.getByRole("button", { name: "Accept" }).click();
    }
    await expect.poll(() => display.locator(".serving-item.serving").count()).toBe(3);

    // A narrow screen has room for one card: the other two are counted, not lost.
    await display.setViewportSize({ width: 800, height: 1080 });
    const hidden = () =>
      display.evaluate<number>(`(() => {
        const list = document.querySelector(".serving-list");
        const bottom = list.getBoundingClientRect().bottom;
        return [...list.querySelectorAll(".serving-item")]
          .filter((item) => item.getBoundingClientRect().top >= bottom - 1).length;
      })()`);
    await expect.poll(hidden).toBeGreaterThan(0);
    const more = display.locator("[data-more]");
    await expect.poll(() => more.getAttribute("data-more")).toBe(String(await hidden()));
    expect(await more.textContent()).toBe(`+${await hidden()} more`);
    // Room again: nothing left out, nothing said.
    await display.setViewportSize({ width: 1920, height: 1080 });
    await more.waitFor({ state: "detached" });
    expect(await seriousViolations(display)).toEqual([]);
    expect(floor.problems).toEqual([]);
  });
});
