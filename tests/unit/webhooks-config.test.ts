import { describe, expect, it } from "vitest";
import { readConfig } from "../../server/config.js";

// WEBHOOKS_ALLOW_PRIVATE: off unless set to exactly "true"; anything but true or false is refused.

describe("WEBHOOKS_ALLOW_PRIVATE", () => {
  const allowed = (env: Record<string, string>) => {
    const read = readConfig(env);
    if (!read.ok) throw new Error(read.problems.join("; "));
    return read.config.WEBHOOKS_ALLOW_PRIVATE;
  };

  it("is off by default and on only with true", () => {
    expect(allowed({})).toBe(false);
    expect(allowed({ WEBHOOKS_ALLOW_PRIVATE: "false" })).toBe(false);
    expect(allowed({ WEBHOOKS_ALLOW_PRIVATE: "true" })).toBe(true);
  });

  it("refuses other values with one line", () => {
    const read = readConfig({ WEBHOOKS_ALLOW_PRIVATE: "yes" });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems).toEqual([`WEBHOOKS_ALLOW_PRIVATE: true or false (got "yes")`]);
  });
});
