import { timingSafeEqual } from "node:crypto";
import type express from "express";
import type { NextFunction, Request, Response } from "express";
import { nanoid } from "nanoid";
import { AppError } from "../../../shared/errors.js";
import { idSchema } from "../../../shared/settings.js";
import type { AnalyticsProjector } from "../../analytics/projector.js";
import type { CommandResult, QueueService } from "../../app/queue-service.js";
import type { Credentials } from "../../auth/credentials.js";
import type { StoreState } from "../../domain/index.js";
import type { Logger } from "../../logger.js";
import type { PushService } from "../../push/push-service.js";
import type { AdviceMaker } from "../../staffing/advice-maker.js";
import type { EventStore } from "../../store/event-store.js";
import type { WebhookRegistry } from "../../webhooks/registry.js";
import type { Metrics } from "../metrics.js";
import type { OriginPolicy } from "../origins.js";
import type { RateLimits } from "../rate-limits.js";
import { bearer, parse } from "../validate.js";

export interface HttpDeps {
  service: QueueService;
  store: EventStore;
  credentials: Credentials;
  limits: RateLimits;
  metrics: Metrics;
  logger: Logger;
  clock: () => number;
  adminToken: string | undefined;
  customerUrl: (storeId: string, token: string) => string;
  pageUrl: (page: string, storeId: string, fragment?: string) => string;
  /** Serves the built pages, if any. */
  staticDir?: string;
  /** Express's `trust proxy`: "loopback", a hop count, or addresses/subnets, comma separated. */
  trustProxy?: string;
  /** Which browser pages may call the API (`ALLOWED_ORIGINS`). */
  origins: OriginPolicy;
  /** Ends the sockets of a session that signed out (they get `session:ended`). */
  endSession?: (storeId: string, sessionId: string) => void;
  /** Ends the sockets of a device that was unpaired (they get `session:ended`). */
  endDevice?: (storeId: string, deviceId: string) => void;
  /** The manager's routes (manager-api.ts), mounted at /api/stores/:storeId/manage. */
  managerRoutes?: express.Router;
  /** Stores' outgoing webhooks (admin API: PUT/GET/DELETE /api/admin/stores/:id/webhook). */
  webhooks?: WebhookRegistry;
  /** Customers' notifications with their page closed (Web Push): /api/stores/:id/visit/push. */
  push?: PushService;
  /** The analytics read models: GET /api/stores/:id/analytics. */
  analytics?: AnalyticsProjector;
  /** Where the staffing advice is made (GET /api/stores/:id/staffing); default in process. */
  staffingAdvice?: AdviceMaker;
}

type Handler = (req: Request, res: Response) => Promise<unknown>;
type Succeeded = Extract<CommandResult, { ok: true }>;

/** What every HTTP router shares: its dependencies and the few steps each route repeats. */
export interface HttpContext {
  deps: HttpDeps;
  /** An async handler whose failures go to the error handler. */
  route(handler: Handler): (req: Request, res: Response, next: NextFunction) => void;
  storeIdOf(req: Request): string;
  /** Throws UNAUTHORIZED unless the request carries the admin token. */
  requireAdmin(req: Request): void;
  /** The store of the request's `:storeId`, which must exist. */
  createdStore(req: Request): Promise<StoreState>;
  execute(storeId: string, input: Record<string, unknown>): Promise<CommandResult>;
  /** Runs a command that must succeed (a refusal becomes the HTTP error). */
  mustExecute(storeId: string, input: Record<string, unknown>): Promise<Succeeded>;
}

export function httpContext(deps: HttpDeps): HttpContext {
  const { service } = deps;
  const storeIdOf = (req: Request) => parse(idSchema, req.params.storeId);
  const execute = (storeId: string, input: Record<string, unknown>) =>
    service.execute(storeId, input, deps.clock());
  return {
    deps,
    route: (handler) => (req, res, next) => {
      handler(req, res).catch(next);
    },
    storeIdOf,
    requireAdmin(req) {
      const given = bearer(req);
      const expected = deps.adminToken;
      if (!expected || !given || !sameSecret(given, expected)) {
        throw new AppError("UNAUTHORIZED", "This needs the admin token (Authorization: Bearer …).");
      }
    },
    async createdStore(req) {
      const storeId = storeIdOf(req);
      const state = await service.state(storeId);
      if (!state.created) throw new AppError("STORE_NOT_FOUND", `There is no store ${storeId}.`);
      return state;
    },
    execute,
    async mustExecute(storeId, input) {
      const result = await execute(storeId, { requestId: `http-${nanoid(16)}`, ...input });
      if (!result.ok) throw new AppError(result.error.code, result.error.message);
      return result;
    },
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
