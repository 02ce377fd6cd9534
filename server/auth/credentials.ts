import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { nanoid } from "nanoid";
import { AppError } from "../../shared/errors.js";
import type { Handshake } from "../../shared/protocol.js";
import { pinSchema } from "../../shared/settings.js";
import type { Role } from "../../shared/views.js";
import type { StoreState } from "../domain/index.js";
import type { Directory } from "./directory.js";

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

/** Who a socket or request is, from its credentials. */
export type Identity =
  | { role: "kiosk" | "display"; storeId: string; deviceId: string }
  | { role: "customer"; storeId: string; visitId: string }
  | { role: "associate" | "manager"; storeId: string; associateId: string; sessionId: string };

export interface DeviceRecord {
  deviceId: string;
  kind: "kiosk" | "display";
  name: string;
  createdAt: number;
}

interface SessionRecord {
  sessionId: string;
  associateId: string;
  createdAt: number;
}

export const MAX_PIN_TRIES = 5;
export const LOCKOUT_MS = 5 * 60_000;
export const SESSION_TTL_MS = 14 * 60 * 60 * 1000;

const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(pin, salt, 32);
  return `scrypt$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scrypt(pin, Buffer.from(salt, "base64"), expected.length);
  return timingSafeEqual(actual, expected);
}

/** PINs: 4 to 8 digits (`pinSchema`). */
export const isValidPin = (pin: unknown): pin is string => pinSchema.safeParse(pin).success;

/**
 * Sign-in and the checks of every handshake: associates by PIN (scrypt; 5 wrong tries lock the
 * associate out for 5 minutes), kiosks and displays by device token, customers by the secret
 * token of their visit. Tokens are stored only as SHA-256 hashes.
 */
export class Credentials {
  constructor(private readonly directory: Directory) {}

  async setPin(storeId: string, associateId: string, pin: string): Promise<void> {
    if (!isValidPin(pin)) throw new AppError("INVALID_COMMAND", "A PIN is 4 to 8 digits.");
    await this.directory.set(storeId, `pin:${associateId}`, await hashPin(pin));
    await this.directory.delete(storeId, `fails:${associateId}`);
  }

  /** Checks a PIN and opens a session; returns its token (shown once). */
  async signIn(
    state: StoreState,
    associateId: string,
    pin: string,
  ): Promise<{ token: string; role: "associate" | "manager"; expiresAt: number }> {
    const storeId = state.storeId;
    const fails = (await this.directory.get<number>(storeId, `fails:${associateId}`)) ?? 0;
    if (fails >= MAX_PIN_TRIES) {
      throw new AppError(
        "SIGN_IN_LOCKED",
        "Too many wrong PINs. Try again in 5 minutes or ask a manager.",
      );
    }
    const stored = await this.directory.get<string>(storeId, `pin:${associateId}`);
    const associate = state.associates.get(associateId);
    const ok = stored !== undefined && associate !== undefined && (await verifyPin(pin, stored));
    if (!ok) {
      const count = await this.directory.increment(storeId, `fails:${associateId}`, LOCKOUT_MS);
      if (count >= MAX_PIN_TRIES) {
        throw new AppError(
          "SIGN_IN_LOCKED",
          "Too many wrong PINs. Try again in 5 minutes or ask a manager.",
        );
      }
      throw new AppError("WRONG_PIN", "That name and PIN do not match.");
    }
    await this.directory.delete(storeId, `fails:${associateId}`);
    const token = `ses_${nanoid(32)}`;
    const record: SessionRecord = { sessionId: nanoid(12), associateId, createdAt: Date.now() };
    await this.directory.set(storeId, `session:${tokenHash(token)}`, record, SESSION_TTL_MS);
    return {
      token,
      role: associate.manager ? "manager" : "associate",
      expiresAt: Date.now() + SESSION_TTL_MS,
    };
  }

  async signOut(storeId: string, sessionToken: string): Promise<void> {
    await this.directory.delete(storeId, `session:${tokenHash(sessionToken)}`);
  }

  /** Issues a kiosk or display token; the token is returned once and stored only hashed. */
  async issueDevice(
    storeId: string,
    kind: "kiosk" | "display",
    name: string,
  ): Promise<{ device: DeviceRecord; token: string }> {
    const token = `dev_${nanoid(40)}`;
    const device: DeviceRecord = { deviceId: nanoid(10), kind, name, createdAt: Date.now() };
    await this.directory.set(storeId, `device:${tokenHash(token)}`, device);
    await this.directory.set(storeId, `device-id:${device.deviceId}`, tokenHash(token));
    return { device, token };
  }

  async revokeDevice(storeId: string, deviceId: string): Promise<boolean> {
    const hash = await this.directory.get<string>(storeId, `device-id:${deviceId}`);
    if (!hash) return false;
    await this.directory.delete(storeId, `device:${hash}`);
    await this.directory.delete(storeId, `device-id:${deviceId}`);
    return true;
  }

  async devices(storeId: string): Promise<DeviceRecord[]> {
    const keys = await this.directory.keys(storeId, "device:");
    const devices = await Promise.all(
      keys.map((k) => this.directory.get<DeviceRecord>(storeId, k)),
    );
    return devices
      .filter((d): d is DeviceRecord => d !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Who the handshake's credentials belong to; throws UNAUTHORIZED if nobody. */
  async identify(handshake: Handshake, state: StoreState): Promise<Identity> {
    const { storeId } = handshake;
    if (!state.created) throw unauthorized();
    if ("deviceToken" in handshake) {
      const device = await this.directory.get<DeviceRecord>(
        storeId,
        `device:${tokenHash(handshake.deviceToken)}`,
      );
      if (!device) throw unauthorized();
      return { role: device.kind, storeId, deviceId: device.deviceId };
    }
    if ("customerToken" in handshake) {
      const visitId = state.tokens.get(handshake.customerToken);
      if (!visitId) throw unauthorized();
      return { role: "customer", storeId, visitId };
    }
    const session = await this.directory.get<SessionRecord>(
      storeId,
      `session:${tokenHash(handshake.sessionToken)}`,
    );
    const associate = session ? state.associates.get(session.associateId) : undefined;
    if (!session || !associate) throw unauthorized();
    return {
      role: associate.manager ? "manager" : "associate",
      storeId,
      associateId: associate.id,
      sessionId: session.sessionId,
    };
  }
}

const unauthorized = () =>
  new AppError("UNAUTHORIZED", "Those credentials are not valid for this store (any more).");

export const roleOf = (identity: Identity): Role => identity.role;
