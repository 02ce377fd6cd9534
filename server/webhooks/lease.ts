import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { type RedisLink, sendCommand } from "../redis-client.js";

/**
 * Who sends a store's webhook events: one holder at a time, so that with several processes
 * each event is sent once in the normal case. A holder that dies loses it after its time to live.
 */
export interface StoreLease {
  /** A token if this process now holds the store's lease; undefined if another does. */
  acquire(storeId: string): Promise<string | undefined>;
  /** Extends the lease; false if the holder no longer has it. */
  renew(storeId: string, token: string): Promise<boolean>;
  release(storeId: string, token: string): Promise<void>;
  /** How often a holder must renew. */
  readonly renewMs: number;
}

/** One process (the embedded store): the dispatcher's own one-worker-per-store is the lease. */
export const localLease: StoreLease = {
  acquire: async () => "local",
  renew: async () => true,
  release: async () => {},
  renewMs: 60_000,
};

const script = readFileSync(new URL("./lease.lua", import.meta.url), "utf8");

/**
 * The lease as a Redis key per store (`<prefix>{storeId}:<name>:lease`, `webhook` unless named
 * otherwise, in the store's hash slot), set with NX and a time to live, renewed and released only
 * by its holder (lease.lua).
 */
export class RedisLease implements StoreLease {
  readonly renewMs: number;

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    private readonly ttlMs = 10_000,
    private readonly name = "webhook",
  ) {
    this.renewMs = Math.max(50, Math.floor(ttlMs / 3));
  }

  private key(storeId: string) {
    return `${this.prefix}{${storeId}}:${this.name}:lease`;
  }

  async acquire(storeId: string): Promise<string | undefined> {
    const token = randomBytes(12).toString("base64url");
    const key = this.key(storeId);
    const set = await sendCommand<string | null>(this.link, key, [
      "SET",
      key,
      token,
      "NX",
      "PX",
      String(this.ttlMs),
    ]);
    return set === "OK" ? token : undefined;
  }

  async renew(storeId: string, token: string): Promise<boolean> {
    return (await this.run(storeId, token, "renew")) === 1;
  }

  async release(storeId: string, token: string): Promise<void> {
    await this.run(storeId, token, "release");
  }

  private run(storeId: string, token: string, action: string): Promise<number> {
    const key = this.key(storeId);
    return sendCommand<number>(this.link, key, [
      "EVAL",
      script,
      "1",
      key,
      token,
      action,
      String(this.ttlMs),
    ]);
  }
}
