import { randomBytes } from "node:crypto";
import type { lookup as dnsLookup } from "node:dns";
import { z } from "zod";
import { AppError } from "../../shared/errors.js";
import type { Directory } from "../auth/directory.js";
import { checkWebhookTarget } from "./addresses.js";
import { newWebhookSecret } from "./signature.js";

/** One store's webhook: where events go and the secret that signs them. */
export interface WebhookConfig {
  url: string;
  secret: string;
  createdAt: number;
}

/**
 * As kept: `id` tells this webhook from one set before it, and `fromVersion` is the store's
 * version when it was set (its events start after it). Webhooks set before these existed lack
 * them.
 */
export interface StoredWebhook extends WebhookConfig {
  id?: string;
  fromVersion?: number;
}

/** How far a webhook's events were delivered (or given up), and for which webhook. */
interface Cursor {
  version: number;
  webhook: string;
}

export interface RegistryOptions {
  /** The store's current version (a new webhook starts there, not at the store's history). */
  version: (storeId: string) => Promise<number>;
  /** Accept URLs on loopback and private addresses (`WEBHOOKS_ALLOW_PRIVATE`). */
  allowPrivate?: boolean;
  cacheMs?: number;
  /** Name resolution (tests). */
  lookup?: typeof dnsLookup;
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
const CURSOR_KEY = "webhook-cursor";

/**
 * Stores' webhook settings, kept in the directory (they hold a secret, not history). Reads are
 * cached for `cacheMs` so that sending does not ask the directory once per event; a change made
 * through this process is seen at once, one made through another process within `cacheMs`.
 */
export class WebhookRegistry {
  private readonly cache = new Map<string, { config: StoredWebhook | undefined; until: number }>();
  private readonly cacheMs: number;

  constructor(
    private readonly directory: Directory,
    private readonly options: RegistryOptions,
  ) {
    this.cacheMs = options.cacheMs ?? 5000;
  }

  /** The store's webhook, from the cache unless `fresh`. */
  async get(storeId: string, { fresh = false } = {}): Promise<StoredWebhook | undefined> {
    const cached = this.cache.get(storeId);
    if (!fresh && cached && cached.until > Date.now()) return cached.config;
    const config = await this.directory.get<StoredWebhook>(storeId, KEY);
    this.cache.set(storeId, { config, until: Date.now() + this.cacheMs });
    return config;
  }

  /**
   * Sets the store's webhook URL with a new secret, which is returned (and shown) only here. Its
   * events start with the store's next change: a new URL is not sent the store's history.
   * Refuses (INVALID_COMMAND) a URL whose host is, or resolves to, a loopback, private,
   * link-local or unspecified address, unless `allowPrivate`.
   */
  async set(storeId: string, url: string): Promise<WebhookConfig> {
    if (!this.options.allowPrivate) {
      const target = await checkWebhookTarget(url, this.options.lookup);
      if (target.ok === false)
        throw new AppError(
          "INVALID_COMMAND",
          `Webhooks are not sent to loopback, private or link-local addresses (${new URL(url).hostname} is ${target.address}) unless the server sets WEBHOOKS_ALLOW_PRIVATE=true.`,
        );
    }
    const config: StoredWebhook = {
      url,
      secret: newWebhookSecret(),
      createdAt: Date.now(),
      id: randomBytes(9).toString("base64url"),
      fromVersion: await this.options.version(storeId),
    };
    await this.directory.set(storeId, KEY, config);
    this.cache.delete(storeId);
    return { url: config.url, secret: config.secret, createdAt: config.createdAt };
  }

  /**
   * The version up to which `config`'s events were delivered (or given up on). A webhook with no
   * cursor of its own starts at `fromVersion`; one set before cursors existed, at the store's
   * current version (what was sent before is not known).
   */
  async cursor(storeId: string, config: StoredWebhook): Promise<number> {
    const cursor = await this.directory.get<Cursor>(storeId, CURSOR_KEY);
    const id = config.id ?? "";
    if (cursor && cursor.webhook === id) return cursor.version;
    const start = config.fromVersion ?? (await this.options.version(storeId));
    await this.advance(storeId, config, start);
    return start;
  }

  /** Records that `config`'s events up to `version` are delivered (or given up on). */
  async advance(storeId: string, config: StoredWebhook, version: number): Promise<void> {
    const cursor: Cursor = { version, webhook: config.id ?? "" };
    await this.directory.set(storeId, CURSOR_KEY, cursor);
  }

  /** Removes the store's webhook; false if it had none. */
  async remove(storeId: string): Promise<boolean> {
    const had = (await this.directory.get(storeId, KEY)) !== undefined;
    await this.directory.delete(storeId, KEY);
    await this.directory.delete(storeId, CURSOR_KEY);
    this.cache.delete(storeId);
    return had;
  }
}
