import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisClient, makeRedisClient } from "../../server/redis-client.js";
import { RateLimits } from "../../server/transport/rate-limits.js";
import { REDIS_URL, deletePrefix, freshPrefix, hasRedis } from "../support/redis.js";

/**
 * Rate limits as several server processes share them: each `RateLimits` has its own Redis
 * connection, as each process would, and they count in the same keys.
 */
describe.skipIf(!hasRedis)("rate limits shared through Redis", () => {
  const prefix = freshPrefix();
  const clients: RedisClient[] = [];
  const limits = (perMin: number) => {
    const client = makeRedisClient(REDIS_URL);
    clients.push(client);
    return client
      .connect()
      .then(() => new RateLimits({ signInsPerMin: perMin }, { client, prefix }));
  };

  let first: RateLimits;
  let second: RateLimits;
  beforeAll(async () => {
    first = await limits(3);
    second = await limits(3);
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await deletePrefix(prefix);
  });

  it("counts one address's attempts across processes", async () => {
    expect(await first.signInFrom("10.0.0.7")).toBeUndefined();
    expect(await second.signInFrom("10.0.0.7")).toBeUndefined();
    expect(await first.signInFrom("10.0.0.7")).toBeUndefined();
    expect(await second.signInFrom("10.0.0.7")).toMatchObject({ code: "RATE_LIMITED" });
    expect(await first.signInFrom("10.0.0.7")).toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/try again in \d+ s/),
    });
    // Another address has its own count.
    expect(await second.signInFrom("10.0.0.8")).toBeUndefined();
  });

  it("keeps limiting in memory when Redis is gone", async () => {
    const client = makeRedisClient(REDIS_URL);
    await client.connect();
    const alone = new RateLimits({ signInsPerMin: 2 }, { client, prefix: freshPrefix() });
    await client.close();
    expect(await alone.signInFrom("10.0.0.9")).toBeUndefined();
    expect(await alone.signInFrom("10.0.0.9")).toBeUndefined();
    expect(await alone.signInFrom("10.0.0.9")).toMatchObject({ code: "RATE_LIMITED" });
  });
});
