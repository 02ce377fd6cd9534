import { type AddressInfo, type Server, Socket, createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ManagerView } from "../../shared/views.js";
import { type Client, World, connect, sessionOf } from "../support/server.js";

/**
 * A tablet whose network goes (no close, no reset: its packets just stop, as when Wi-Fi drops)
 * is known gone by the server's pings, not by a close that never comes: the console shows the
 * associate's tablet away once a ping goes unanswered. Over a real TCP proxy that the test
 * makes silent. The server here pings every second and waits a second (the product: 10 s and 10 s).
 */

/** A TCP proxy to `target` that can stop forwarding without closing anything. */
class SilentableProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private silent = false;
  url = "";

  constructor(private readonly target: URL) {
    this.server = createServer((client) => {
      const upstream = new Socket();
      this.sockets.add(client);
      this.sockets.add(upstream);
      upstream.connect(Number(this.target.port), this.target.hostname);
      client.on("data", (chunk) => {
        if (!this.silent) upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        if (!this.silent) client.write(chunk);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("close", end);
      upstream.on("close", end);
      client.on("error", end);
      upstream.on("error", end);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** From now on nothing passes either way, and nothing is closed. */
  goSilent(): void {
    this.silent = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe("a tablet whose network goes silent", () => {
  let world: World;
  let proxy: SilentableProxy;
  beforeEach(async () => {
    world = await World.start("embedded", undefined, {
      sockets: { pingIntervalMs: 1000, pingTimeoutMs: 1000 },
    });
    proxy = new SilentableProxy(new URL(world.server.url));
    await proxy.listen();
  });
  afterEach(async () => {
    await proxy.close();
    await world.stop();
  });

  it("is shown away on the console once its pings go unanswered", async () => {
    const max = await world.tablet("max");
    const sessionToken = await sessionOf(world.server.url, world.storeId, "ana");
    const ana: Client = await connect(proxy.url, { storeId: world.storeId, sessionToken });
    world.clients.push(ana);
    const connected = () =>
      (max.view as ManagerView).colleagues.find((c) => c.id === "ana")?.connected;
    await max.until<ManagerView>(() => connected() === true);

    proxy.goSilent();
    await max.until<ManagerView>(() => connected() === false);
    expect((await world.state()).associates.get("ana")?.connected).toBe(false);
  });
});
