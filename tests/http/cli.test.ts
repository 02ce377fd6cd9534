import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  type TestApp,
  call,
  closedPort,
  freshStoreId,
  settings,
  startApp,
} from "./harness.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await startApp();
  dir = await mkdtemp(join(tmpdir(), "undivided-cli-"));
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin CLI as `npm run admin` does, against the test server; resolves on exit. */
function admin(
  args: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/cli/admin.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ADMIN_TOKEN: ADMIN, UNDIVIDED_URL: t.url, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdin.end(options.stdin ?? "");
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const state = (storeId: string) => t.app.service.state(storeId);
const signIn = (storeId: string, associateId: string, pin: string) =>
  call<{ role: string }>(t.url, "POST", `/api/stores/${storeId}/sessions`, {
    body: { associateId, pin },
  });

describe("admin CLI", () => {
  it("explains itself, and exits 2 with a human line on usage mistakes", async () => {
    const [help, bare, unknown, arity, noToken, badFlag, badUrl] = await Promise.all([
      admin(["--help"]),
      admin([]),
      admin(["make-coffee", "s1"]),
      admin(["list-devices"]),
      admin(["list-devices", "s1"], { env: { ADMIN_TOKEN: undefined } }),
      admin(["list-devices", "s1", "--colour"]),
      admin(["list-devices", "s1", "--url", "nowhere"]),
    ]);
    expect(help.code).toBe(0);
    for (const command of ["create-store", "add-associate", "issue-device", "revoke-device"])
      expect(help.stdout).toContain(command);
    expect(bare.code).toBe(2);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('"make-coffee"') });
    expect(arity).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("list-devices <storeId>"),
    });
    expect(noToken).toMatchObject({ code: 2, stderr: expect.stringContaining("ADMIN_TOKEN") });
    expect(badFlag).toMatchObject({ code: 2, stderr: expect.stringContaining("--colour") });
    expect(badUrl).toMatchObject({ code: 2, stderr: expect.stringContaining("not a URL") });
  });

  it("exits 1 with the server's reason when it refuses, or when it cannot be reached", async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const [wrongToken, missing, unreachable] = await Promise.all([
      admin(["list-devices", "s1"], { env: { ADMIN_TOKEN: "z".repeat(32) } }),
      admin(["issue-device", "no-such-store", "kiosk"]),
      admin(["list-devices", "s1", "--url", down]),
    ]);
    expect(wrongToken).toMatchObject({ code: 1, stderr: expect.stringContaining("UNAUTHORIZED") });
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("STORE_NOT_FOUND") });
    expect(unreachable).toMatchObject({
      code: 1,
      stderr: `admin: Cannot reach the server at ${down} (ECONNREFUSED).\n`,
    });
  });

  it("creates stores from flags or a settings file, and adds topics", async () => {
    const fromFlags = freshStoreId();
    const created = await admin([
      "create-store",
      fromFlags,
      "--name",
      "Main St",
      "--timezone",
      "Europe/Kyiv",
      "--languages",
      "en,uk",
      "--topic",
      "phones:Phones:P:phones:6",
    ]);
    expect(created).toMatchObject({ code: 0, stdout: `Created store ${fromFlags}.\n` });
    const made = await state(fromFlags);
    expect(made.settings).toMatchObject({ name: "Main St", languages: ["en", "uk"] });
    expect(made.settings.topics).toEqual([
      {
        id: "phones",
        name: "Phones",
        letter: "P",
        skill: "phones",
        expectedServiceMin: 6,
        meetAt: {},
      },
    ]);

    const added = await admin(["add-topic", fromFlags, "--topic", "fit:Fitting room:F:fashion"]);
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining("Fitting room (F)") });
    expect((await state(fromFlags)).settings.topics.map((t) => t.id)).toEqual(["phones", "fit"]);
    const badTopic = await admin(["add-topic", fromFlags, "--topic", "fit:Fitting"]);
    expect(badTopic).toMatchObject({ code: 2, stderr: expect.stringContaining("A topic is") });

    const file = join(dir, "settings.json");
    await writeFile(file, JSON.stringify(settings));
    const fromFile = freshStoreId();
    expect((await admin(["create-store", fromFile, "--settings", file])).code).toBe(0);
    expect((await state(fromFile)).settings.name).toBe(settings.name);
    const twice = await admin(["create-store", fromFile, "--settings", file]);
    expect(twice).toMatchObject({ code: 1, stderr: expect.stringContaining("STORE_EXISTS") });
    const invalid = await admin([
      "create-store",
      freshStoreId(),
      "--name",
      "X",
      "--timezone",
      "Nowhere",
    ]);
    expect(invalid).toMatchObject({ code: 1, stderr: expect.stringContaining("INVALID_SETTINGS") });
    const noFile = await admin(["create-store", freshStoreId(), "--settings", join(dir, "none")]);
    expect(noFile).toMatchObject({ code: 2, stderr: expect.stringContaining("ENOENT") });
  });

  it("adds associates and resets PINs (from stdin too)", async () => {
    const storeId = freshStoreId();
    expect(
      (await admin(["create-store", storeId, "--name", "Store", "--topic", "r:Returns:R:service"]))
        .code,
    ).toBe(0);
    const added = await admin(
      [
        "add-associate",
        storeId,
        "max",
        "--name",
        "Max Okafor",
        "--pin",
        "-",
        "--skills",
        "service",
        "--manager",
      ],
      { stdin: "9090\n" },
    );
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining("Added manager max") });
    expect(added.stdout).not.toContain("9090");
    expect((await state(storeId)).associates.get("max")).toMatchObject({
      manager: true,
      skills: ["service"],
      languages: ["en"],
    });
    expect((await signIn(storeId, "max", "9090")).body).toMatchObject({ role: "manager" });

    const reset = await admin(["reset-pin", storeId, "max", "--pin", "4321"]);
    expect(reset).toMatchObject({ code: 0, stdout: "PIN of max changed.\n" });
    expect((await signIn(storeId, "max", "9090")).status).toBe(401);
    expect((await signIn(storeId, "max", "4321")).status).toBe(201);

    const [shortPin, noName, nobody] = await Promise.all([
      admin(["reset-pin", storeId, "max", "--pin", "12"]),
      admin(["add-associate", storeId, "ana", "--pin", "1234"]),
      admin(["reset-pin", storeId, "nobody", "--pin", "1234"]),
    ]);
    expect(shortPin).toMatchObject({ code: 2, stderr: expect.stringContaining("4 to 8 digits") });
    expect(noName).toMatchObject({ code: 2, stderr: expect.stringContaining("--name") });
    expect(nobody).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("ASSOCIATE_NOT_FOUND"),
    });
  });

  it("issues a device with its token, link and QR, lists and revokes it", async () => {
    const storeId = freshStoreId();
    expect((await admin(["create-store", storeId, "--name", "Store"])).code).toBe(0);
    const issued = await admin(["issue-device", storeId, "kiosk", "--name", "Door kiosk"]);
    expect(issued.code).toBe(0);
    const token = issued.stdout.match(/Token \(shown only now; keep it secret\): (dev_\S+)/)?.[1];
    expect(token).toBeDefined();
    expect(issued.stdout).toContain(
      `Pairing link: http://localhost/kiosk.html?store=${storeId}#token=${token}`,
    );
    expect(issued.stdout).toMatch(/[▀▄█]{5,}/);
    const deviceId = issued.stdout.match(/\(device (\S+)\)/)?.[1] ?? "";

    const listed = await admin(["list-devices", storeId]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${deviceId}\\s+kiosk\\s+\\S+\\s+Door kiosk`));
    expect(listed.stdout).not.toContain(token);
    const asJson = JSON.parse((await admin(["list-devices", storeId, "--json"])).stdout);
    expect(asJson.devices).toMatchObject([{ deviceId, kind: "kiosk", name: "Door kiosk" }]);
    const badKind = await admin(["issue-device", storeId, "printer"]);
    expect(badKind).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("kiosk or a display"),
    });

    expect(await admin(["revoke-device", storeId, deviceId])).toMatchObject({
      code: 0,
      stdout: `Revoked device ${deviceId}.\n`,
    });
    expect((await admin(["list-devices", storeId])).stdout).toBe(
      `Store ${storeId} has no devices.\n`,
    );
    const again = await admin(["revoke-device", storeId, deviceId]);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining("NOT_FOUND") });
  });

  it("sets and removes the webhook, and closes intake", async () => {
    const storeId = freshStoreId();
    expect((await admin(["create-store", storeId, "--name", "Store"])).code).toBe(0);
    const set = await admin(["set-webhook", storeId, "https://hooks.example/undivided"]);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/Signing secret \(shown only now\): whsec_\S+/);
    expect((await admin(["remove-webhook", storeId])).code).toBe(0);
    expect((await admin(["remove-webhook", storeId])).code).toBe(1);
    expect((await admin(["set-webhook", storeId, "ftp://x"])).stderr).toContain("INVALID_COMMAND");
    expect((await admin(["intake", storeId, "close"])).stdout).toBe(
      `Check-in at ${storeId} is closed.\n`,
    );
    expect((await state(storeId)).intakeOpen).toBe(false);
  });
});
