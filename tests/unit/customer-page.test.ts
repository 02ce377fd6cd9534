import { beforeAll, describe, expect, it } from "vitest";
import {
  HOLD_REMINDER_MS,
  fitText,
  holdReminderAt,
  isNear,
} from "../../client/src/lib/customer-rules.js";
import type { CustomerView } from "../../shared/views.js";

/** The customer pages' pure parts: when to alert, when to remind, how texts are cut and said. */

// The pages set `document.documentElement.lang`; outside a browser there is only this much.
beforeAll(() => {
  (globalThis as { document?: unknown }).document ??= { documentElement: {} };
});
/** i18n.ts is a page module (DOM types, Vite's glob): loaded by path, typed by what is used. */
const i18nPath = "../../client/src/lib/i18n.js";
const { formatTime, localized, setLanguage, t } = (await import(/* @vite-ignore */ i18nPath)) as {
  formatTime: (at: number, timeZone?: string) => string;
  localized: (texts: Record<string, string> | null, fallback: string) => string;
  setLanguage: (language: string) => void;
  t: (key: string, params?: Record<string, string | number>) => string;
};

const waiting = (
  ahead: number,
  paused = false,
): Pick<CustomerView, "status" | "paused" | "ahead"> => ({
  status: "waiting",
  paused,
  ahead,
});

describe("the customer's page", () => {
  it("alerts when as many as they chose are ahead, not one fewer", () => {
    expect(isNear(waiting(3), 2)).toBe(false);
    expect(isNear(waiting(2), 2)).toBe(true);
    expect(isNear(waiting(1), 2)).toBe(true);
    expect(isNear(waiting(0), 1)).toBe(true);
    // Browsing: no alert; someone being found: always.
    expect(isNear(waiting(1, true), 2)).toBe(false);
    expect(isNear({ status: "offered", paused: false, ahead: null }, 1)).toBe(true);
    expect(isNear({ status: "expected", paused: false, ahead: 0 }, 1)).toBe(false);
  });

  it("reminds a call-ahead five minutes before its hold runs out, and nobody else", () => {
    const holdUntil = Date.UTC(2026, 10, 30, 10, 0);
    expect(HOLD_REMINDER_MS).toBe(5 * 60_000);
    expect(holdReminderAt({ status: "expected", holdUntil })).toBe(holdUntil - 5 * 60_000);
    expect(holdReminderAt({ status: "waiting", holdUntil: null })).toBeNull();
    expect(holdReminderAt({ status: "expired", holdUntil: null })).toBeNull();
  });

  it("cuts a text that is too long at a word, with an ellipsis, and keeps one that fits", () => {
    expect(fitText("  Alex  ", 40)).toBe("Alex");
    const long = "Please bring the blue jacket in size M and the red one in size L too";
    const cut = fitText(long, 40);
    expect(cut.length).toBeLessThanOrEqual(40);
    expect(cut).toBe("Please bring the blue jacket in size M…");
    expect(fitText("x".repeat(50), 40)).toBe(`${"x".repeat(39)}…`);
  });

  it("says times in the page's language on the store's clock, without a doubled period", () => {
    const at = Date.UTC(2026, 10, 30, 8, 30);
    setLanguage("en");
    expect(formatTime(at, "Europe/Kyiv")).toBe("10:30 AM");
    expect(t("visit.holdUntil", { time: formatTime(at, "America/New_York") })).toBe(
      "We keep your place until 3:30 AM.",
    );
    // A value that ends with a period takes the place of the sentence's own.
    setLanguage("es");
    expect(t("visit.holdUntil", { time: "3:30 a. m." })).toBe(
      "Guardamos su turno hasta las 3:30 a. m.",
    );
    expect(t("visit.holdUntil", { time: formatTime(at, "Europe/Madrid") })).toBe(
      "Guardamos su turno hasta las 9:30.",
    );
    setLanguage("uk");
    expect(localized({ uk: "Телефони" }, "Phones")).toBe("Телефони");
    setLanguage("es");
    expect(localized({ uk: "Телефони" }, "Phones")).toBe("Phones");
    setLanguage("en");
  });
});
