import { createClient } from "redis";

/**
 * A node-redis client as every part of the server uses it: reconnects with a back-off of at most
 * 2 s, and fails commands at once while disconnected instead of queueing them, so a command that
 * cannot reach Redis is answered UNAVAILABLE rather than left hanging.
 */
export function makeRedisClient(url: string) {
  return createClient({
    url,
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) },
    disableOfflineQueue: true,
  });
}

export type RedisClient = ReturnType<typeof makeRedisClient>;
