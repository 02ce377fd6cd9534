import webpush from "web-push";
import type { QueueService } from "../app/queue-service.js";
import type { Logger } from "../logger.js";
import type { RedisLink } from "../redis-client.js";
import { type PushOptions, PushService } from "./push-service.js";
import { FileSubscriptions, RedisSubscriptions } from "./subscriptions.js";
import { type ConfiguredVapid, fileVapidKeys, redisVapidKeys, vapidKeys } from "./vapid.js";

/** Web Push as configured: where its keys and subscriptions live, and how it sends. */
export interface PushConfig extends PushOptions {
  /** Embedded back end: keys and subscriptions go in this directory (DATA_DIR); memory only without. */
  dataDir?: string;
  /** VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT: override the keys kept with the data. */
  vapid?: ConfiguredVapid;
}

/**
 * Opens Web Push on the store's back end: with Redis (`redis`), the keys and subscriptions in
 * Redis under the deployment's prefix; else in `dataDir`. The VAPID keys are made at the first
 * start unless configured.
 */
export async function openPush(
  deps: {
    service: QueueService;
    logger: Logger;
    clock: () => number;
    customerUrl: (storeId: string, token: string) => string;
    publicUrl: string;
    redis?: { link: RedisLink; prefix: string };
  },
  config: PushConfig = {},
): Promise<PushService> {
  const { redis } = deps;
  const vapid = await vapidKeys(
    config.vapid ?? {},
    redis
      ? () => redisVapidKeys(redis.link, redis.prefix)
      : config.dataDir
        ? () => fileVapidKeys(config.dataDir as string)
        : async () => webpush.generateVAPIDKeys(),
    deps.publicUrl,
  );
  const subscriptions = redis
    ? new RedisSubscriptions(redis.link, redis.prefix)
    : await FileSubscriptions.open(config.dataDir);
  return new PushService({ ...deps, subscriptions, vapid }, config);
}
