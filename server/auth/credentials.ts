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

/** A browser where these associates signed in before (its token in a cookie, stored hashed). */
interface SignInDevice {
  associateIds: string[];
}

/** Where a sign-in comes from: the client's address and the browser's sign-in device token. */
export interface SignInSource {
  address: string;
  deviceToken?: string;
}

interface SessionRecord {
  sessionId: string;
  associateId: string;
  createdAt: number;
}

export const MAX_PIN_TRIES = 5;
export const LOCKOUT_MS = 5 * 60_000;
export const SESSION_TTL_MS = 14 * 60 * 60 * 1000;
/** How long a browser stays known for its associates after their last sign-in there. */
export const SIGN_IN_DEVICE_TTL_MS = 90 * 24 * 60 * 60 * 1000;

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
 * Sign-in and the checks of every handshake: associates by PIN (scrypt; 5 wrong tries from one
 * client address lock the associate out at that address for 5 minutes), kiosks and displays by
 * device token, customers by the secret token of their visit. Tokens are stored only as SHA-256
 * hashes.
 */
export class Credentials {
  /** A hash no PIN is known to match, checked in place of a missing one (the same work). */
  private readonly decoy = hashPin(randomBytes(12).toString("hex"));

  constructor(private readonly directory: Directory) {}

  async setPin(storeId: string, associateId: string, pin: string): Promise<void> {
    if (!isValidPin(pin)) throw new AppError("INVALID_COMMAND", "A PIN is 4 to 8 digits.");
    await this.directory.set(storeId, `pin:${associateId}`, await hashPin(pin));
    // A new PIN lifts the lock at every address.
    const counters = await this.directory.keys(storeId, failsPrefix(associateId));
    await Promise.all(counters.map((key) => this.directory.delete(storeId, key)));
  }

  /**
   * Checks a PIN and opens a session; returns its token (shown once). Wrong PINs are counted
   * per associate and client address: five from one address lock that associate out at that
   * address only, so wrong PINs sent from elsewhere never keep them from signing in. A browser
   * where the associate signed in before (its device token, `from.deviceToken`) is counted on
   * its own instead, so it signs them in even from an address someone else has locked. Answers
   * the device token the browser should keep, if it needs a new one. An unknown associate costs
   * the same hash work as a known one, so answer times do not tell which ids exist.
   */
  async signIn(
    state: StoreState,
    associateId: string,
    pin: string,
    from: SignInSource,
  ): Promise<{
    token: string;
    role: "associate" | "manager";
    expiresAt: number;
    deviceToken?: string;
  }> {
    const storeId = state.storeId;
    const deviceKey = from.deviceToken && `signin-device:${tokenHash(from.deviceToken)}`;
    const device = deviceKey
      ? await this.directory.get<SignInDevice>(storeId, deviceKey)
      : undefined;
    const known = device?.associateIds.includes(associateId) === true;
    const failsKey = `${failsPrefix(associateId)}${known ? deviceKey : from.address}`;
    const fails = (await this.directory.get<number>(storeId, failsKey)) ?? 0;
    if (fails >= MAX_PIN_TRIES) throw locked();
    const stored = await this.directory.get<string>(storeId, `pin:${associateId}`);
    const matches = await verifyPin(pin, stored ?? (await this.decoy));
    const associate = state.associates.get(associateId);
    if (!matches || stored === undefined || associate === undefined) {
      const count = await this.directory.increment(storeId, failsKey, LOCKOUT_MS);
      if (count >= MAX_PIN_TRIES) throw locked();
      throw new AppError("WRONG_PIN", "That associate id and PIN do not match.");
    }
    await this.directory.delete(storeId, failsKey);
    // The browser is now known for this associate; one the server does not know gets a token.
    const deviceToken = device ? undefined : `sid_${nanoid(32)}`;
    const key = deviceToken ? `signin-device:${tokenHash(deviceToken)}` : String(deviceKey);
    const associateIds = (device?.associateIds ?? []).filter((id) => id !== associateId);
    await this.directory.set(
      storeId,
      key,
      { associateIds: [...associateIds, associateId] } satisfies SignInDevice,
      SIGN_IN_DEVICE_TTL_MS,
    );
    const token = `ses_${nanoid(32)}`;
    const record: SessionRecord = { sessionId: nanoid(12), associateId, createdAt: Date.now() };
    await this.directory.set(storeId, `session:${tokenHash(token)}`, record, SESSION_TTL_MS);
    return {
      token,
      role: associate.manager ? "manager" : "associate",
      expiresAt: Date.now() + SESSION_TTL_MS,
      deviceToken,
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

/** Wrong-PIN counters of one associate, one per client address: `fails:<associateId>/<address>`. */
const failsPrefix = (associateId: string) => `fails:${associateId}/`;

const locked = () =>
  new AppError(
    "SIGN_IN_LOCKED",
    "Too many wrong PINs from this address. Try again in 5 minutes or ask a manager.",
  );

const unauthorized = () =>
  new AppError("UNAUTHORIZED", "Those credentials are not valid for this store (any more).");

export const roleOf = (identity: Identity): Role => identity.role;
