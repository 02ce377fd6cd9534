import { describe, expect, it } from "vitest";
import { readConfig } from "../../server/config.js";
import { OriginPolicy } from "../../server/transport/origins.js";

describe("ALLOWED_ORIGINS", () => {
  it("reads origins, comma separated, as browsers send them", () => {
    const read = readConfig({ ALLOWED_ORIGINS: "https://shop.example, http://10.0.0.5:8080/" });
    expect(read.ok && read.config.ALLOWED_ORIGINS).toEqual([
      "https://shop.example",
      "http://10.0.0.5:8080",
    ]);
    const unset = readConfig({});
    expect(unset.ok && unset.config.ALLOWED_ORIGINS).toBeUndefined();
  });

  it("refuses what is not an origin, in one line", () => {
    const read = readConfig({ ALLOWED_ORIGINS: "https://shop.example/join,,ftp://files.example" });
    expect(read.ok).toBe(false);
    if (!read.ok)
      expect(read.problems).toEqual([
        expect.stringMatching(
          /^ALLOWED_ORIGINS: not origins .*"https:\/\/shop.example\/join", "", "ftp:\/\/files.example"/,
        ),
      ]);
  });
});

describe("which pages an OriginPolicy lets in", () => {
  const policy = new OriginPolicy(["https://queue.example"]);
  const host = "10.0.0.5:3000";

  it("lets in no Origin, a listed one, and the server's own pages by any name", () => {
    expect(policy.allows({ host })).toBe(true);
    expect(policy.allows({ host, origin: "https://queue.example" })).toBe(true);
    expect(policy.allows({ host, origin: "http://10.0.0.5:3000" })).toBe(true);
  });

  it("refuses other sites, other ports of the same host, and opaque origins", () => {
    expect(policy.allows({ host, origin: "https://evil.example" })).toBe(false);
    expect(policy.allows({ host, origin: "http://10.0.0.5:3001" })).toBe(false);
    expect(policy.allows({ host, origin: "null" })).toBe(false);
    expect(policy.allows({ origin: "https://queue.example.evil.example" })).toBe(false);
  });
});
