import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import webpush from "web-push";
import { guardedLookup, privateLiteral } from "../webhooks/addresses.js";
import type { StoredSubscription } from "./subscriptions.js";
import type { VapidKeys } from "./vapid.js";

/** How one try ended: sent, the subscription is gone (forget it), or it failed for now. */
export type PushOutcome = "sent" | "gone" | "failed";

export interface SendOptions {
  vapid: VapidKeys;
  /** Seconds the push service may keep the message for a phone that is offline. */
  ttlSec: number;
  timeoutMs: number;
  /** Send to loopback and private addresses, and over plain http (tests only). */
  allowPrivate: boolean;
}

/**
 * Encrypts `payload` for the subscription (aes128gcm, RFC 8291) and signs it with the VAPID
 * keys (both by web-push), then posts it ourselves: web-push's own sender reaches any address,
 * and an endpoint is a URL the customer chose, so it gets the webhooks' guard (no private
 * addresses, checked on the address actually connected to) and must be https.
 */
export function sendPush(
  subscription: StoredSubscription,
  payload: string,
  options: SendOptions,
): Promise<PushOutcome> {
  const url = new URL(subscription.endpoint);
  if (!options.allowPrivate && (url.protocol !== "https:" || privateLiteral(url)))
    return Promise.resolve("gone");
  const details = webpush.generateRequestDetails(
    { endpoint: subscription.endpoint, keys: subscription.keys },
    payload,
    {
      vapidDetails: options.vapid,
      TTL: options.ttlSec,
      contentEncoding: "aes128gcm",
      urgency: "high",
    },
  );
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  const body = details.body as Buffer;
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        // web-push's headers: Authorization (vapid t=…, k=…), Content-Encoding, Content-Length, TTL, Urgency.
        headers: details.headers,
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        // 404 and 410: the browser unsubscribed or the subscription expired (RFC 8030 §7.3).
        if (status >= 200 && status < 300) resolve("sent");
        else resolve(status === 404 || status === 410 ? "gone" : "failed");
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "PRIVATE_ADDRESS" ? "gone" : "failed"),
    );
    req.end(body);
  });
}
