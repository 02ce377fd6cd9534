import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * Prints the JavaScript each page loads (its entry and every chunk it preloads), gzipped, and
 * fails when a page is over the budget. Run after `vite build` (npm run build does both).
 */

const BUDGET_KB = 150;
/** The build to measure: client/dist, or the directory given (tests build elsewhere). */
const dist = process.argv[2] ?? new URL("./dist/", import.meta.url).pathname;

const pages = (await readdir(dist)).filter((f) => f.endsWith(".html")).sort();
let over = false;
console.log(`JavaScript per page, gzipped (budget ${BUDGET_KB} KB):`);
for (const page of pages) {
  const html = await readFile(join(dist, page), "utf8");
  const scripts = new Set(
    [
      ...html.matchAll(
        /<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g,
      ),
    ].map((m) => m[1] ?? ""),
  );
  let bytes = 0;
  for (const src of scripts)
    bytes += gzipSync(await readFile(join(dist, src.replace(/^\//, "")))).length;
  const kb = bytes / 1024;
  over ||= kb > BUDGET_KB;
  console.log(
    `  ${page.padEnd(14)} ${kb.toFixed(1).padStart(6)} KB  ${kb > BUDGET_KB ? "OVER BUDGET" : ""}`,
  );
}
if (over) {
  console.error(`A page loads more than ${BUDGET_KB} KB of JavaScript (gzipped).`);
  process.exit(1);
}
