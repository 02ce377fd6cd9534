import type { PushKind } from "./subscriptions.js";

/**
 * Every Redis key of Web Push, under the deployment's prefix. A store's keys carry its hash tag
 * `{storeId}` (one Redis Cluster slot with the rest of the store); the deployment's VAPID pair
 * and the set of stores with subscriptions are global keys, each touched by single commands.
 */
export const pushKeys = (prefix: string) => ({
  vapid: `${prefix}push:vapid`,
  stores: `${prefix}push:stores`,
  subscriptions: (storeId: string) => `${prefix}{${storeId}}:push:subs`,
  sent: (storeId: string, visitId: string, kind: PushKind) =>
    `${prefix}{${storeId}}:push:sent:${visitId}:${kind}`,
});
