import { createClient } from "redis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ManagerView } from "../../shared/views.js";
import { REDIS_URL, hasRedis } from "../support/redis.js";
import { World } from "../support/server.js";

/**
 * A tablet's disconnect is recorded even when the other processes do not answer whether they
 * hold another tablet of the same associate (one is going down mid-request): the offer on a
 * closed tablet must not wait the whole offer timeout. Redis only: one process alone needs no
 * answer from others.
 */

/** socket.io's Redis adapter waits this long for other processes before giving up (ms). */
const ADAPTER_REQUEST_TIMEOUT_MS = 5000;

describe.skipIf(!hasRedis)("a tablet's disconnect while other processes are silent (redis)", () => {
  let world: World;
  const silent = createClient({ url: REDIS_URL });
  beforeEach(async () => {
    world = await World.start("redis");
  });
  afterEach(async () => {
    if (silent.isOpen) await silent.quit();
    await world.stop();
  });

  it("is recorded after the adapter stops waiting for them", async () => {
    const max = await world.tablet("max");
    const ana = await world.tablet("ana");
    const colleague = () =>
      (max.view as ManagerView).colleagues.find((c) => c.id === "ana")?.connected;
    await max.until<ManagerView>(() => colleague() === true);
    // A process that listens for the adapter's requests and never answers them (as one that is
    // stopping does): asking the processes which sockets they hold now times out.
    await silent.connect();
    await silent.subscribe(`${world.place.redisPrefix}io-request#/#`, () => undefined);

    ana.socket.close();

    // Waited for on the console's views, with a deadline past the adapter's timeout.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the console still shows ana connected: ${colleague()}`)),
        ADAPTER_REQUEST_TIMEOUT_MS * 3,
      );
      const check = () => {
        if (colleague() !== false) return;
        clearTimeout(timer);
        max.socket.off("view:patch", check);
        resolve();
      };
      max.socket.on("view:patch", check);
      check();
    });
    expect((await world.state()).associates.get("ana")?.connected).toBe(false);
  }, 30_000);
});
