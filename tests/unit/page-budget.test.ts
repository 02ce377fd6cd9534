import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildPages } from "../support/browser.js";

/**
 * Every page's first load stays within its JavaScript budget (client/sizes.ts, which
 * `npm run build` runs, and so `npm run demo` and `npm start`): a page over it stops the
 * README's first command. Built apart from client/dist, which the browser suites share.
 */

const ROOT = new URL("../../", import.meta.url).pathname;

describe("the pages' JavaScript budget", () => {
  it("holds for every page of a production build", async () => {
    const outDir = await mkdtemp(join(tmpdir(), "undivided-budget-"));
    try {
      await buildPages(outDir);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", join(ROOT, "client/sizes.ts"), outDir],
        { cwd: ROOT },
      ).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`over budget:\n${error.stdout ?? ""}${error.stderr ?? ""}`);
      });
      // Every page was measured (a build that lost its pages would pass with nothing to weigh).
      for (const page of ["manager", "tablet", "kiosk", "display", "visit", "join", "index"])
        expect(stdout).toContain(`${page}.html`);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
