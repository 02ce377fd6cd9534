import express, { type NextFunction, type Request, type Response } from "express";
import { AppError } from "../../shared/errors.js";
import { idSchema } from "../../shared/settings.js";
import type { QueueService } from "../app/queue-service.js";
import type { Credentials, Identity } from "../auth/credentials.js";
import type { Metrics } from "./metrics.js";
import {
  associateSchema,
  deviceSchema,
  issueDevice,
  pinBodySchema,
  resetPin,
  revokeDevice,
  saveAssociate,
} from "./people-and-devices.js";
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

  router.post(
    "/associates",
    route(async (req, res, manager) => {
      const body = parse(associateSchema, req.body);
      res.status(201).json(await saveAssociate(deps, manager.storeId, body, manager.associateId));
    }),
  );

  router.put(
    "/associates/:associateId/pin",
    route(async (req, res, manager) => {
      const associateId = parse(idSchema, req.params.associateId);
      const { pin } = parse(pinBodySchema, req.body);
      await resetPin(deps, manager.storeId, associateId, pin);
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
      const body = parse(deviceSchema, req.body);
      res.status(201).json(await issueDevice(deps, manager.storeId, body));
    }),
  );

  router.delete(
    "/devices/:deviceId",
    route(async (req, res, manager) => {
      const deviceId = parse(idSchema, req.params.deviceId);
      await revokeDevice(deps, manager.storeId, deviceId, () =>
        deps.endSockets(deps.deviceRoom(manager.storeId, deviceId), {
          code: "UNAUTHORIZED",
          message: "This device was unpaired by a manager.",
        }),
      );
      res.status(204).end();
    }),
  );

  return router;
}
