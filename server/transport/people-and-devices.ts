import { nanoid } from "nanoid";
import { z } from "zod";
import { AppError } from "../../shared/errors.js";
import { idSchema, languageSchema, pinSchema } from "../../shared/settings.js";
import type { QueueService } from "../app/queue-service.js";
import type { Credentials } from "../auth/credentials.js";

/**
 * Associates (with their PINs) and paired devices, as the admin API and the manager's console
 * both change them: one set of rules for either door.
 */

export const associateSchema = z
  .object({
    associateId: idSchema,
    name: z.string().trim().min(1).max(40),
    pin: pinSchema.optional(),
    skills: z.array(idSchema).max(30).default([]),
    languages: z.array(languageSchema).max(20).default(["en"]),
    manager: z.boolean().default(false),
  })
  .strict();

export const pinBodySchema = z.object({ pin: pinSchema }).strict();

export const deviceSchema = z
  .object({ kind: z.enum(["kiosk", "display"]), name: z.string().trim().min(1).max(60) })
  .strict();

export interface PeopleDeps {
  service: QueueService;
  credentials: Credentials;
  clock: () => number;
  pageUrl: (page: string, storeId: string, fragment?: string) => string;
}

/**
 * Adds or changes an associate (as `managerId`, or as the administrator), and sets their PIN if
 * one is given; a new associate needs one. Answers the associate and the store version.
 */
export async function saveAssociate(
  deps: PeopleDeps,
  storeId: string,
  body: z.infer<typeof associateSchema>,
  managerId?: string,
) {
  const { pin, ...associate } = body;
  const state = await deps.service.state(storeId);
  if (state.created && !state.associates.has(associate.associateId) && !pin) {
    throw new AppError("INVALID_COMMAND", "pin: a new associate needs a PIN (4 to 8 digits).");
  }
  const result = await deps.service.execute(
    storeId,
    {
      requestId: `people-${nanoid(16)}`,
      type: "associate:register",
      ...(managerId ? { managerId } : {}),
      ...associate,
    },
    deps.clock(),
  );
  if (!result.ok) throw new AppError(result.error.code, result.error.message);
  if (pin) await deps.credentials.setPin(storeId, associate.associateId, pin);
  return { ...associate, version: result.version };
}

/** Sets a known associate's PIN (their lockout ends). */
export async function resetPin(
  deps: PeopleDeps,
  storeId: string,
  associateId: string,
  pin: string,
): Promise<void> {
  const state = await deps.service.state(storeId);
  if (!state.associates.has(associateId)) {
    throw new AppError("ASSOCIATE_NOT_FOUND", `There is no associate ${associateId}.`);
  }
  await deps.credentials.setPin(storeId, associateId, pin);
}

/** Issues a kiosk or display token, with the link that pairs the device. */
export async function issueDevice(
  deps: PeopleDeps,
  storeId: string,
  body: z.infer<typeof deviceSchema>,
) {
  const { device, token } = await deps.credentials.issueDevice(storeId, body.kind, body.name);
  return { ...device, token, pairingUrl: deps.pageUrl(body.kind, storeId, `token=${token}`) };
}

/** Revokes a device's token; `ended` then closes its live connections. */
export async function revokeDevice(
  deps: PeopleDeps,
  storeId: string,
  deviceId: string,
  ended: () => void,
): Promise<void> {
  if (!(await deps.credentials.revokeDevice(storeId, deviceId))) {
    throw new AppError("NOT_FOUND", "There is no such device.");
  }
  ended();
}
