import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The header that carries a delivery's signature: `sha256=<hex>`. */
export const SIGNATURE_HEADER = "x-undivided-signature";
/** When this attempt was sent, in Unix seconds (the body's `at` is when the event happened). */
export const TIMESTAMP_HEADER = "x-undivided-timestamp";
export const DELIVERY_HEADER = "x-undivided-delivery";
export const EVENT_HEADER = "x-undivided-event";
export const ATTEMPT_HEADER = "x-undivided-attempt";

/** A fresh signing secret for a store's webhook (shown once to the admin). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString("base64url")}`;

/** `sha256=<hex HMAC-SHA256 of the raw body, keyed with the store's secret>`. */
export function signWebhook(rawBody: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** Whether `header` is the signature of `rawBody` under `secret` (constant-time comparison). */
export function verifyWebhook(
  rawBody: string,
  header: string | undefined,
  secret: string,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhook(rawBody, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
