import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { World, request, serverBackends, signIn, waitFor } from "../support/server.js";

/**
 * The manager console's HTTP side: associates and devices, with the manager's own session; and
 * revoking a device or signing out ends that device's or session's sockets at once.
 */

describe("manager API and ending sessions", () => {
  let world: World;
  const manage = (method: string, path: string, body?: unknown, token?: string) =>
    request(world.server.url, method, `/api/stores/${world.storeId}/manage${path}`, body, token);
  let managerToken: string;

  beforeEach(async () => {
    world = await World.start("embedded");
    const reply = await signIn(world.server.url, world.storeId, "max", "9090");
    managerToken = reply.body.token;
  });
  afterEach(async () => {
    await world.stop();
  });

  it("lets only a signed-in manager in", async () => {
    expect((await manage("GET", "/devices")).body).toMatchObject({
      error: { code: "UNAUTHORIZED" },
    });
    const ana = await signIn(world.server.url, world.storeId, "ana", "1357");
    const refused = await manage("GET", "/devices", undefined, ana.body.token);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "NOT_A_MANAGER" } } });
    expect((await manage("GET", "/devices", undefined, managerToken)).status).toBe(200);
  });

  it("adds an associate who can sign in, changes their skills, and resets their PIN", async () => {
    const noPin = await manage(
      "POST",
      "/associates",
      { associateId: "cy", name: "Cy Berg" },
      managerToken,
    );
    expect(noPin).toMatchObject({ status: 400, body: { error: { code: "INVALID_COMMAND" } } });
    const added = await manage(
      "POST",
      "/associates",
      {
        associateId: "cy",
        name: "Cy Berg",
        pin: "4321",
        skills: ["phones"],
        languages: ["en", "uk"],
      },
      managerToken,
    );
    expect(added.status).toBe(201);
    expect((await signIn(world.server.url, world.storeId, "cy", "4321")).status).toBe(201);

    const changed = await manage(
      "POST",
      "/associates",
      { associateId: "cy", name: "Cy Berg", skills: ["phones", "service"] },
      managerToken,
    );
    expect(changed.status).toBe(201);
    expect((await world.state()).associates.get("cy")?.skills).toEqual(["phones", "service"]);

    expect((await manage("PUT", "/associates/cy/pin", { pin: "8765" }, managerToken)).status).toBe(
      204,
    );
    expect((await signIn(world.server.url, world.storeId, "cy", "4321")).body).toMatchObject({
      error: { code: "WRONG_PIN" },
    });
    expect((await signIn(world.server.url, world.storeId, "cy", "8765")).status).toBe(201);
    const unknown = await manage("PUT", "/associates/zed/pin", { pin: "8765" }, managerToken);
    expect(unknown.body).toMatchObject({ error: { code: "ASSOCIATE_NOT_FOUND" } });
  });

  it("issues a kiosk token, and revoking it ends that kiosk's connection at once", async () => {
    const issued = await manage(
      "POST",
      "/devices",
      { kind: "kiosk", name: "Side door" },
      managerToken,
    );
    expect(issued.status).toBe(201);
    const { token, deviceId, pairingUrl } = issued.body as {
      token: string;
      deviceId: string;
      pairingUrl: string;
    };
    expect(pairingUrl).toContain(`/kiosk.html?store=${world.storeId}#token=${token}`);
    const listed = await manage("GET", "/devices", undefined, managerToken);
    expect(
      (listed.body as { devices: Array<{ deviceId: string; name: string }> }).devices,
    ).toContainEqual(expect.objectContaining({ deviceId, name: "Side door" }));
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const kiosk = await world.connect({ deviceToken: token });
    const ended = waitFor<{ code: string }>(kiosk.socket, "session:ended");
    const gone = waitFor(kiosk.socket, "disconnect");
    expect((await manage("DELETE", `/devices/${deviceId}`, undefined, managerToken)).status).toBe(
      204,
    );
    expect(await ended).toMatchObject({ code: "UNAUTHORIZED" });
    await gone;
    expect((await manage("DELETE", `/devices/${deviceId}`, undefined, managerToken)).status).toBe(
      404,
    );
  });

  it("ends a tablet's connection when its session signs out", async () => {
    const tablet = await world.tablet("ana");
    const token = world.sessions.get("ana") ?? "";
    const ended = waitFor<{ message: string }>(tablet.socket, "session:ended");
    const out = await request(
      world.server.url,
      "DELETE",
      `/api/stores/${world.storeId}/sessions`,
      undefined,
      token,
    );
    expect(out.status).toBe(204);
    expect((await ended).message).toBe("You signed out.");
    expect((await world.state()).associates.get("ana")?.presence).toBe("offline");
  });
});

for (const backend of serverBackends) {
  describe.skipIf(!backend.available)(`shutdown (${backend.name})`, () => {
    it("records the tablets' disconnection when the server shuts down", async () => {
      const world = await World.start(backend.name);
      try {
        await world.tablet("ana");
        await world.tablet("bo");
        expect((await world.state()).associates.get("ana")?.connected).toBe(true);
        await world.restart();
        const state = await world.state();
        expect(state.associates.get("ana")?.connected).toBe(false);
        expect(state.associates.get("bo")?.connected).toBe(false);
      } finally {
        await world.stop();
      }
    });
  });
}
