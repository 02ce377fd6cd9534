import express, { type NextFunction, type Request, type Response } from "express";
import { nanoid } from "nanoid";
import { z } from "zod";
import { AppError } from "../../shared/errors.js";
import { idSchema, languageSchema, pinSchema } from "../../shared/settings.js";
import type { QueueService } from "../app/queue-service.js";
import type { Credentials, Identity } from "../auth/credentials.js";
import type { Metrics } from "./metrics.js";
import { bearer, parse } from "./validate.js";

export interface ManagerApiDeps {
  service: QueueService;
  credentials: Credentials;
  metrics: Metrics;
  clock: () => number;
  pageUrl: (page: string, storeId: string, fragment?: string) => string;
  /** Ends the sockets in `room` with `session:ended` (a revoked device, a signed-out session). */
  endSockets: (room: string, reason: { code: string; message: string }) => void;
  deviceRoom: (storeId: string, deviceId: string) => string;
}

/**
 * What a signed-in manager may do over HTTP from the console, with their session token as the
 * bearer: associates (add or change, reset a PIN) and devices (issue a kiosk or display token
 * with its pairing link, list, revoke). Settings and overrides go over the socket.
 */
export function managerRouter(deps: ManagerApiDeps): express.Router {
  const router = express.Router({ mergeParams: true });
  const { service, credentials } = deps;

  const route =
    (
      handler: (
        req: Request,
        res: Response,
        manager: Identity & { associateId: string },
      ) => Promise<unknown>,
    ) =>
    (req: Request, res: Response, next: NextFunction) => {
      managerOf(req)
        .then((manager) => handler(req, res, manager))
        .catch(next);
    };

  async function managerOf(req: Request): Promise<Identity & { associateId: string }> {
    const storeId = parse(idSchema, req.params.storeId);
    const token = bearer(req) ?? "";
    if (token.length < 20) throw new AppError("UNAUTHORIZED", "Sign in as a manager first.");
    const state = await service.state(storeId);
    const identity = await credentials.identify({ storeId, sessionToken: token }, state);
    if (identity.role !== "manager")
      throw new AppError("NOT_A_MANAGER", "Only a manager may do this.");
    return identity;
  }

  const run = async (storeId: string, input: Record<string, unknown>) => {
    const result = await service.execute(
      storeId,
      { requestId: `mgr-${nanoid(16)}`, ...input },
      deps.clock(),
    );
    if (!result.ok) throw new AppError(result.error.code, result.error.message);
    return result;
  };

  const associateSchema = z
    .object({
      associateId: idSchema,
      name: z.string().trim().min(1).max(40),
      pin: pinSchema.optional(),
      skills: z.array(idSchema).max(30).default([]),
      languages: z.array(languageSchema).max(20).default(["en"]),
      manager: z.boolean().default(false),
    })
    .strict();

  router.post(
    "/associates",
    route(async (req, res, manager) => {
      const { pin, ...associate } = parse(associateSchema, req.body);
      const state = await service.state(manager.storeId);
      if (!state.associates.has(associate.associateId) && !pin) {
        throw new AppError("INVALID_COMMAND", "pin: a new associate needs a PIN (4 to 8 digits).");
      }
      const result = await run(manager.storeId, {
        type: "associate:register",
        managerId: manager.associateId,
        ...associate,
      });
      if (pin) await credentials.setPin(manager.storeId, associate.associateId, pin);
      res.status(201).json({ ...associate, version: result.version });
    }),
  );

  router.put(
    "/associates/:associateId/pin",
    route(async (req, res, manager) => {
      const associateId = parse(idSchema, req.params.associateId);
      const { pin } = parse(z.object({ pin: pinSchema }).strict(), req.body);
      const state = await service.state(manager.storeId);
      if (!state.associates.has(associateId)) {
        throw new AppError("ASSOCIATE_NOT_FOUND", `There is no associate ${associateId}.`);
      }
      await credentials.setPin(manager.storeId, associateId, pin);
      res.status(204).end();
    }),
  );

  router.get(
    "/devices",
    route(async (_req, res, manager) => {
      res.json({ devices: await credentials.devices(manager.storeId) });
    }),
  );

  router.post(
    "/devices",
    route(async (req, res, manager) => {
      const body = parse(
        z
          .object({ kind: z.enum(["kiosk", "display"]), name: z.string().trim().min(1).max(60) })
          .strict(),
        req.body,
      );
      const { device, token } = await credentials.issueDevice(
        manager.storeId,
        body.kind,
        body.name,
      );
      res.status(201).json({
        ...device,
        token,
        pairingUrl: deps.pageUrl(body.kind, manager.storeId, `token=${token}`),
      });
    }),
  );

  router.delete(
    "/devices/:deviceId",
    route(async (req, res, manager) => {
      const deviceId = parse(idSchema, req.params.deviceId);
      if (!(await credentials.revokeDevice(manager.storeId, deviceId))) {
        throw new AppError("NOT_FOUND", "There is no such device.");
      }
      deps.endSockets(deps.deviceRoom(manager.storeId, deviceId), {
        code: "UNAUTHORIZED",
        message: "This device was unpaired by a manager.",
      });
      res.status(204).end();
    }),
  );

  return router;
}
