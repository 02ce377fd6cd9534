import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { build } from "vite";
import { freePort } from "./net.js";

/**
 * Real Chromium (Debian's) driven by playwright-core, against the real server process started
 * with the demo store. Without Chromium the browser suites skip with a loud message, except
 * under CI=true, where that is a failure.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROOT = new URL("../../", import.meta.url).pathname;

if (!existsSync(CHROMIUM)) {
  const message = `Chromium is not installed at ${CHROMIUM}`;
  if (process.env.CI === "true")
    throw new Error(`${message}; under CI=true browser tests must run.`);
  console.warn(
    `\n!!!!!!!! SKIPPING BROWSER TESTS: ${message}. Install it with: apt-get install -y chromium\n`,
  );
}
export const hasChromium = existsSync(CHROMIUM);

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** Builds the pages once per run (the server serves client/dist). */
export async function buildPages(): Promise<void> {
  // A production build, as `npm run build` makes (vitest sets NODE_ENV=test).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      configFile: join(ROOT, "client/vite.config.ts"),
      logLevel: "warn",
      mode: "production",
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

export interface DemoServer {
  url: string;
  kioskUrl: string;
  displayUrl: string;
  adminToken: string;
  page: (name: string, fragment?: string) => string;
  /** Stops the server process, keeping its data (the pages lose their link). */
  halt: () => Promise<void>;
  /** Starts it again on the same port and data. */
  resume: () => Promise<void>;
  stop: () => Promise<void>;
}

/** Starts `server/index.ts --demo` on a free port with a fresh data directory. */
export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "undivided-browser-"));
  const port = await freePort();
  const adminToken = "browser-admin-token-0123456789";
  const start = async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", "server/index.ts", "--demo"],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: String(port),
          DATA_DIR: dataDir,
          ADMIN_TOKEN: adminToken,
          LOG_LEVEL: "warn",
          REDIS_URL: "",
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Metrics:")) resolve();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      void exited.then(() => reject(new Error(`the demo server exited:\n${output}`)));
    });
    const stop = async () => {
      child.kill("SIGTERM");
      await exited;
    };
    return { output, stop };
  };
  let running = await start();
  const url = `http://localhost:${port}`;
  const pick = (label: string) => {
    const match = running.output.match(new RegExp(`${label}\\s+(\\S+)`));
    if (!match?.[1]) throw new Error(`no ${label} in:\n${running.output}`);
    return match[1];
  };
  return {
    url,
    kioskUrl: pick("Kiosk \\(by the door\\)"),
    displayUrl: pick("Wall display"),
    adminToken,
    page: (name, fragment) => `${url}/${name}.html?store=demo${fragment ? `#${fragment}` : ""}`,
    halt: () => running.stop(),
    resume: async () => {
      running = await start();
    },
    stop: async () => {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const require = createRequire(import.meta.url);
const axeSource = readFile(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Through the debugging protocol: the pages' own CSP (rightly) refuses inline scripts.
  await page.evaluate(await axeSource);
  // A string, so that this Node-side file needs no DOM types.
  const violations = (await page.evaluate(`
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
      .then((result) => result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")),
      })))
  `)) as Array<{ id: string; impact: string; help: string; targets: string[] }>;
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.slice(0, 3).join(", ")}`);
}

/** Where screenshots go: test-results/screenshots, or docs/screenshots with SCREENSHOTS=docs. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(
    ROOT,
    process.env.SCREENSHOTS === "docs" ? "docs/screenshots" : "test-results/screenshots",
  );
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
