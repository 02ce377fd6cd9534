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
export async function buildPages(outDir?: string): Promise<void> {
  // A production build, as `npm run build` makes (vitest sets NODE_ENV=test); into client/dist,
  // or `outDir` (a test that must not share client/dist with the browser suites).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      configFile: join(ROOT, "client/vite.config.ts"),
      logLevel: "warn",
      mode: "production",
      ...(outDir && { build: { outDir, emptyOutDir: true } }),
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

/** The demo server and Chromium, started once for a suite and shared by its tests. */
export interface DemoFloor {
  readonly server: DemoServer;
  readonly browser: Browser;
  /** Page errors seen on any page opened with `open` (a test expects none). */
  readonly problems: string[];
  /** Opens `url` in a fresh browser context (en-US, 1280×900 unless told). */
  open(url: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** The page's WebSockets open right now (for pages opened with `open`). */
  socketsOf(page: Page): ReadonlySet<unknown>;
  /** Signs in on a tablet or console page and waits until it is live. */
  signIn(page: Page, associateId: string, pin: string): Promise<void>;
  /** POSTs `body` to the admin API at `/api/admin/stores<path>` with the admin token. */
  admin(path: string, body: unknown): Promise<Response>;
  /** Checks a customer into the demo store over HTTP (the admin token); throws unless 201. */
  checkIn(body: Record<string, unknown>): Promise<{ code: string; customerUrl: string }>;
}

/**
 * Registers the suite's beforeAll/afterAll: build the pages, start the demo server and Chromium,
 * stop them after. Use inside a `describe`.
 */
export function useDemoFloor(
  hooks: {
    beforeAll: (fn: () => Promise<void>, timeout?: number) => void;
    afterAll: (fn: () => Promise<void>) => void;
  },
  env: Record<string, string> = {},
): DemoFloor {
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  const problems: string[] = [];
  const sockets = new WeakMap<Page, Set<unknown>>();
  hooks.beforeAll(async () => {
    await buildPages();
    server = await startDemoServer(env);
    browser = await launchBrowser();
  }, 120_000);
  hooks.afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (!value) throw new Error(`${what} is not started (use the floor inside its describe)`);
    return value;
  };
  /** POSTs `body` as JSON to the demo server with the admin token. */
  const post = (path: string, body: unknown) => {
    const { url, adminToken } = started(server, "the demo server");
    return fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  };
  return {
    get server() {
      return started(server, "the demo server");
    },
    get browser() {
      return started(browser, "Chromium");
    },
    problems,
    async open(url, viewport = { width: 1280, height: 900 }) {
      const context = await started(browser, "Chromium").newContext({ locale: "en-US", viewport });
      const page = await context.newPage();
      const open = new Set<unknown>();
      sockets.set(page, open);
      page.on("websocket", (socket) => {
        open.add(socket);
        socket.on("close", () => open.delete(socket));
      });
      page.on("pageerror", (error) => problems.push(`page error on ${url}: ${error.message}`));
      await page.goto(url);
      return page;
    },
    socketsOf: (page) => sockets.get(page) ?? new Set(),
    async signIn(page, associateId, pin) {
      await page.getByLabel("Your associate id").fill(associateId);
      await page.getByLabel("PIN").fill(pin);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator("[data-link=live]").waitFor();
    },
    admin(path, body) {
      return post(`/api/admin/stores${path}`, body);
    },
    async checkIn(body) {
      const response = await post("/api/stores/demo/visits", body);
      if (response.status !== 201)
        throw new Error(`check-in answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as { code: string; customerUrl: string };
    },
  };
}
