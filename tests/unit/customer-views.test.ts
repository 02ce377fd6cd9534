import { describe, expect, it } from "vitest";
import { Projection } from "../../server/domain/index.js";
import { topicSchema } from "../../shared/settings.js";
import { MIN, SEC, T0, checkIn, demoSettings, storeWith } from "../support/engine.js";

/** What customers, kiosks and displays are shown of topics set per language, and call-aheads. */

const phones = {
  id: "phones",
  name: "Phones",
  letter: "P",
  skill: "phones",
  names: { uk: "Телефони", es: "Teléfonos" },
  bring: { en: "your receipt", uk: "ваш чек" },
};

describe("customer-side views", () => {
  it("carry each topic's names per language, and the display shows its language's name", () => {
    let state = storeWith([{ id: "julia", skills: ["phones"], languages: ["uk"] }], {
      languages: ["uk", "en", "es"],
      topics: [phones, ...(demoSettings.topics ?? []).slice(1)],
    });
    const visit = checkIn(state, T0, { language: "uk" });
    state = visit.state;
    const projection = new Projection(state, T0 + SEC);
    const kiosk = projection.kiosk();
    expect(kiosk.topics[0]?.names).toEqual({ uk: "Телефони", es: "Teléfonos" });
    expect(kiosk.topics[1]?.names).toEqual({});
    const customer = projection.customer(visit.visitId);
    expect(customer).toMatchObject({
      topicId: "phones",
      topicName: "Phones",
      topicNames: { uk: "Телефони", es: "Teléfonos" },
      language: "uk",
      languages: ["uk", "en", "es"],
      timeZone: "Europe/Kyiv",
      bring: { en: "your receipt", uk: "ваш чек" },
    });
    // The display speaks the store's first language (uk); a topic without a uk name keeps its own.
    const display = projection.display();
    expect(display.waiting.map((w) => w.topicName)).toEqual([
      "Телефони",
      "Fitting room",
      "Returns",
    ]);
    expect(display.nowServing[0]?.topicName).toBe("Телефони");
  });

  it("tell a call-ahead customer the place kept for them and the wait if they came now", () => {
    let state = storeWith([{ id: "julia", skills: ["phones"] }]);
    // Julia is busy with the first; the second waits; then someone calls ahead; then a walk-in.
    state = checkIn(state, T0).state;
    state = checkIn(state, T0 + SEC).state;
    const ahead = checkIn(state, T0 + 2 * SEC, { channel: "remote", arrivingInMin: 20 });
    state = ahead.state;
    state = checkIn(state, T0 + 3 * SEC).state;
    const view = new Projection(state, T0 + MIN).customer(ahead.visitId);
    const kiosk = new Projection(state, T0 + MIN).kiosk();
    expect(view).toMatchObject({ status: "expected", place: 2, ahead: 1, youreNext: false });
    expect(view?.wait).toEqual(kiosk.topics[0]?.wait);
    expect(view?.wait).not.toBeNull();
    // Nothing set: no names, nothing to bring.
    expect(view).toMatchObject({ topicNames: {}, bring: null });
  });

  it("read topics from before names and bring as they were, and refuse bad ones", () => {
    const old = { id: "phones", name: "Phones", letter: "P", skill: "phones" };
    expect(topicSchema.parse(old)).toEqual({ ...old, expectedServiceMin: 5, meetAt: {} });
    expect(topicSchema.parse({ ...old, names: { uk: " Телефони " } }).names).toEqual({
      uk: "Телефони",
    });
    expect(topicSchema.safeParse({ ...old, names: { Ukrainian: "Телефони" } }).success).toBe(false);
    expect(topicSchema.safeParse({ ...old, names: { uk: "" } }).success).toBe(false);
    expect(topicSchema.safeParse({ ...old, bring: { en: "x".repeat(121) } }).success).toBe(false);
    expect(topicSchema.safeParse({ ...old, name_uk: "Телефони" }).success).toBe(false);
  });
});
