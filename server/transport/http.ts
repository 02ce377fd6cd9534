import type { IncomingMessage } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { nanoid } from "nanoid";
import { AppError, type ErrorBody, type ErrorCode } from "../../shared/errors.js";
import type { Logger } from "../logger.js";
import { adminRoutes } from "./http/admin.js";
import { analyticsRoutes } from "./http/analytics.js";
import { type HttpDeps, httpContext } from "./http/context.js";
import { healthRoutes } from "./http/health.js";
import { integrationRoutes } from "./http/integrations.js";
import { publicRoutes } from "./http/public.js";
import { pushRoutes } from "./http/push.js";
import { sessionRoutes } from "./http/sessions.js";
import { staffingRoutes } from "./http/staffing.js";
import { visitsExportRoutes } from "./http/visits-export.js";

export type { HttpDeps } from "./http/context.js";

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_COMMAND: 400,
  INVALID_SETTINGS: 400,
  UNAUTHORIZED: 401,
  WRONG_PIN: 401,
  FORBIDDEN: 403,
  ORIGIN_NOT_ALLOWED: 403,
  NOT_A_MANAGER: 403,
  NOT_FOUND: 404,
  STORE_NOT_FOUND: 404,
  VISIT_NOT_FOUND: 404,
  ASSOCIATE_NOT_FOUND: 404,
  SIGN_IN_LOCKED: 423,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  BUSY: 503,
  UNAVAILABLE: 503,
  CONFLICT: 503,
  INTERNAL: 500,
};
const statusOf = (code: ErrorCode) => STATUS[code] ?? 409;

/**
 * The HTTP side, one router per audience: health, readiness and metrics (`http/health.ts`);
 * associates' sessions (`http/sessions.ts`); the public store view and call-ahead join
 * (`http/public.ts`); integrations (`http/integrations.ts`) and the admin API (`http/admin.ts`)
 * behind the admin token; the manager's API (`manager-api.ts`). Every body is validated with
 * zod; every error is `{ error: { code, message } }`.
 */
export function createHttpApp(deps: HttpDeps): express.Express {
  const { limits, logger } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", trustProxyValue(deps.trustProxy ?? "loopback"));
  app.use(helmet());
  app.use((req, res, next) => {
    const requestId = String(req.headers["x-request-id"] ?? nanoid(12)).slice(0, 64);
    res.setHeader("x-request-id", requestId);
    const started = performance.now();
    res.on("finish", () => {
      logger.info(
        {
          requestId,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        "http",
      );
    });
    next();
  });
  app.use(healthRoutes(deps));

  const api = express.Router();
  api.use((req, res, next) => {
    const { origins } = deps;
    const origin = req.headers.origin;
    if (!origins.allows(req.headers))
      return next(
        new AppError(
          "ORIGIN_NOT_ALLOWED",
          `Pages of ${origin} may not use this API (ALLOWED_ORIGINS).`,
        ),
      );
    if (origins.isListed(origin)) {
      // A listed page (of another origin than the server's) may read answers only with these.
      res.setHeader("access-control-allow-origin", origin);
      res.vary("origin");
      if (req.method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE");
        res.setHeader("access-control-allow-headers", "authorization, content-type, x-request-id");
        res.setHeader("access-control-max-age", "600");
        res.status(204).end();
        return;
      }
    }
    next();
  });
  api.use(express.json({ limit: "32kb" }));
  api.use(async (req, _res, next) => {
    const limited = await limits.httpFrom(req.ip ?? "?");
    next(limited ? new AppError(limited.code, limited.message) : undefined);
  });
  const ctx = httpContext(deps);
  api.use(sessionRoutes(ctx));
  api.use(publicRoutes(ctx));
  api.use(integrationRoutes(ctx));
  api.use(adminRoutes(ctx));
  if (deps.push) api.use(pushRoutes(ctx, deps.push));
  if (deps.analytics) api.use(analyticsRoutes(ctx, deps.analytics));
  api.use(visitsExportRoutes(ctx));
  if (deps.analytics) api.use(staffingRoutes(ctx, deps.analytics));
  if (deps.managerRoutes) api.use("/stores/:storeId/manage", deps.managerRoutes);
  api.use((_req, _res, next) => next(new AppError("NOT_FOUND", "There is no such API route.")));
  app.use("/api", api);
  if (deps.staticDir)
    app.use(express.static(deps.staticDir, { index: "index.html", extensions: ["html"] }));

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const body = httpError(error, logger, req);
    if (body.code === "BUSY") res.setHeader("retry-after", "1");
    res.status(statusOf(body.code)).json({ error: body });
  });
  return app;
}

function httpError(error: unknown, logger: Logger, req: Request): ErrorBody {
  if (error instanceof AppError) return error.toBody();
  const e = error as { type?: string; status?: number };
  if (e?.type === "entity.too.large")
    return { code: "PAYLOAD_TOO_LARGE", message: "The body is too large." };
  if (e?.type === "entity.parse.failed")
    return { code: "INVALID_COMMAND", message: "The body is not valid JSON." };
  logger.error({ err: error, path: req.path }, "http request failed");
  return { code: "INTERNAL", message: "Something went wrong; nothing was changed." };
}

/**
 * The client's address of a request that does not pass through express (socket.io's
 * handshakes): the one `req.ip` gives the API, under the same `trust proxy`.
 */
export function clientAddress(app: express.Express, req: IncomingMessage): string {
  const view = Object.create(app.request, {
    headers: { value: req.headers },
    socket: { value: req.socket },
  }) as Request;
  return view.ip ?? "?";
}

function trustProxyValue(value: string): string | number | boolean {
  if (/^\d+$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}
