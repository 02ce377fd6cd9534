import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** Every language says everything, and every text a page asks for exists. */

const dir = "client/src/i18n";
const catalogs = new Map(
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => [
      f.replace(/\.json$/, ""),
      JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, string>,
    ]),
);
const en = catalogs.get("en") ?? {};
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(at: string): string[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
    const path = join(at, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("translations", () => {
  it("have the same keys in every language, with the same placeholders", () => {
    expect([...catalogs.keys()].sort()).toEqual(["en", "es", "uk"]);
    for (const [language, catalog] of catalogs) {
      expect(Object.keys(catalog).sort(), language).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(catalog)) {
        expect(text.trim(), `${language} ${key}`).not.toBe("");
        expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(en[key] ?? ""));
      }
    }
  });

  it("have every key the pages ask for", () => {
    const used = new Set<string>();
    const prefixes = new Set<string>();
    for (const file of sources("client/src")) {
      const code = readFileSync(file, "utf8");
      for (const m of code.matchAll(/\bt\(\s*"([^"]+)"/g)) used.add(m[1] as string);
      // A key made at run time (`visit.sat.${s}`): at least its fixed start must exist.
      for (const m of code.matchAll(/\bt\(\s*`([^`$]+)\$\{/g)) prefixes.add(m[1] as string);
    }
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((key) => !(key in en))).toEqual([]);
    const keys = Object.keys(en);
    expect([...prefixes].filter((p) => !keys.some((k) => k.startsWith(p)))).toEqual([]);
  });
});
