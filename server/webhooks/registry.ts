import { z } from "zod";
import type { Directory } from "../auth/directory.js";
import { newWebhookSecret } from "./signature.js";

/** One store's webhook: where events go and the secret that signs them. */
export interface WebhookConfig {
  url: string;
  secret: string;
  createdAt: number;
}

/** An http(s) URL, at most 2,000 characters, with no credentials in it. */
export const webhookUrlSchema = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && !url.username;
    } catch {
      return false;
    }
  }, "an http:// or https:// URL without user or password");

const KEY = "webhook";

/**
 * Stores' webhook settings, kept in the directory (they hold a secret, not history). Reads are
 * cached for `cacheMs` so that sending does not ask the directory once per event; a change made
 * through this process is seen at once, one made through another process within `cacheMs`.
 */
export class WebhookRegistry {
  private readonly cache = new Map<string, { config: WebhookConfig | undefined; until: number }>();

  constructor(
    private readonly directory: Directory,
    private readonly cacheMs = 5000,
  ) {}

  /** The store's webhook, from the cache unless `fresh`. */
  async get(storeId: string, { fresh = false } = {}): Promise<WebhookConfig | undefined> {
    const cached = this.cache.get(storeId);
    if (!fresh && cached && cached.until > Date.now()) return cached.config;
    const config = await this.directory.get<WebhookConfig>(storeId, KEY);
    this.cache.set(storeId, { config, until: Date.now() + this.cacheMs });
    return config;
  }

  /** Sets the store's webhook URL with a new secret, which is returned (and shown) only here. */
  async set(storeId: string, url: string): Promise<WebhookConfig> {
    const config: WebhookConfig = { url, secret: newWebhookSecret(), createdAt: Date.now() };
    await this.directory.set(storeId, KEY, config);
    this.cache.delete(storeId);
    return config;
  }

  /** Removes the store's webhook; false if it had none. */
  async remove(storeId: string): Promise<boolean> {
    const had = (await this.directory.get(storeId, KEY)) !== undefined;
    await this.directory.delete(storeId, KEY);
    this.cache.delete(storeId);
    return had;
  }
}
