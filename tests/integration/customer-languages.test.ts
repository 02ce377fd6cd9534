import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CustomerView, DisplayView, KioskView } from "../../shared/views.js";
import { ADMIN_TOKEN, World, request, rid, testSettings, tokenOf } from "../support/server.js";

/**
 * Topics named per language reach every public screen live, over real sockets; a customer's
 * view carries what their page needs to speak their language; a call-ahead sees its kept place.
 */

describe("customer-side views over sockets (embedded)", () => {
  let world: World;
  beforeEach(async () => {
    world = await World.start("embedded");
  });
  afterEach(async () => {
    await world.stop();
  });

  const withNames = {
    ...testSettings,
    topics: testSettings.topics.map((t) =>
      t.id === "phones"
        ? { ...t, names: { uk: "Телефони" }, bring: { uk: "ваш телефон", en: "your phone" } }
        : t,
    ),
  };

  it("pushes per-language topic names to kiosk, display and customer when the settings change", async () => {
    const kiosk = await world.kiosk();
    const display = await world.display();
    const checkIn = await kiosk.ok("visit:check-in", {
      requestId: rid(),
      topicId: "phones",
      language: "uk",
    });
    const customer = await world.customer(tokenOf(String(checkIn.customerUrl)));
    const before = await customer.until<CustomerView>((v) => v.code === checkIn.code);
    expect(before).toMatchObject({
      language: "uk",
      languages: ["en", "uk"],
      timeZone: "Europe/Kyiv",
      topicId: "phones",
      topicName: "Phones",
      topicNames: {},
      bring: null,
    });

    const saved = await request(
      world.server.url,
      "PUT",
      `/api/admin/stores/${world.storeId}/settings`,
      withNames,
      ADMIN_TOKEN,
    );
    expect(saved.status).toBe(200);
    // Every public screen is told, without asking.
    const after = await customer.until<CustomerView>((v) => v.topicNames.uk === "Телефони");
    expect(after.bring).toEqual({ uk: "ваш телефон", en: "your phone" });
    const kioskView = await kiosk.until<KioskView>((v) => v.topics[0]?.names?.uk === "Телефони");
    expect(kioskView.topics[0]?.name).toBe("Phones");
    // The display speaks the store's first language (en): no English name set, so the name.
    const shown = await display.until<DisplayView>((v) => v.waiting.length > 0);
    expect(shown.waiting.map((w) => w.topicName)).toEqual(["Phones", "Returns"]);
  });

  it("tells a call-ahead its kept place and the wait if it came now, and what to bring", async () => {
    await request(
      world.server.url,
      "PUT",
      `/api/admin/stores/${world.storeId}/settings`,
      withNames,
      ADMIN_TOKEN,
    );
    // Ana is at work and busy with a walk-in; another walk-in waits; then someone calls ahead.
    await world.tablet("ana");
    const kiosk = await world.kiosk();
    await kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
    await kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
    const joined = await request<{ customerUrl: string; status: string }>(
      world.server.url,
      "POST",
      `/api/stores/${world.storeId}/join`,
      { requestId: rid(), topicId: "phones", language: "uk", arrivingInMin: 20 },
    );
    expect(joined.body.status).toBe("expected");
    const customer = await world.customer(tokenOf(joined.body.customerUrl));
    const view = await customer.until<CustomerView>((v) => v.status === "expected");
    expect(view).toMatchObject({ place: 2, ahead: 1, youreNext: false, language: "uk" });
    expect(view.wait).not.toBeNull();
    expect(view.holdUntil).toBe(world.clock.now + 25 * 60_000);
    expect(view.bring?.uk).toBe("ваш телефон");
  });
});
