import { timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { nanoid } from "nanoid";
import { z } from "zod";
import {
  arrivingInMinSchema,
  channelSchema,
  requestIdSchema,
  shortText,
} from "../../shared/commands.js";
import { AppError, type ErrorBody, type ErrorCode } from "../../shared/errors.js";
import { idSchema, languageSchema, pinSchema, storeSettingsSchema } from "../../shared/settings.js";
import { checkedIn } from "../app/check-in-reply.js";
import type { CommandResult, QueueService } from "../app/queue-service.js";
import type { Credentials } from "../auth/credentials.js";
import { Projection } from "../domain/index.js";
import type { Logger } from "../logger.js";
import type { EventStore } from "../store/event-store.js";
import { type WebhookRegistry, webhookUrlSchema } from "../webhooks/registry.js";
import type { Metrics } from "./metrics.js";
import type { RateLimits } from "./rate-limits.js";
import { bearer, parse } from "./validate.js";

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
  /** Ends the sockets of a session that signed out (they get `session:ended`). */
  endSession?: (storeId: string, sessionId: string) => void;
  /** Ends the sockets of a device that was unpaired (they get `session:ended`). */
  endDevice?: (storeId: string, deviceId: string) => void;
  /** The manager's routes (manager-api.ts), mounted at /api/stores/:storeId/manage. */
  managerRoutes?: express.Router;
  /** Stores' outgoing webhooks (admin API: PUT/GET/DELETE /api/admin/stores/:id/webhook). */
  webhooks?: WebhookRegistry;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_COMMAND: 400,
  INVALID_SETTINGS: 400,
  UNAUTHORIZED: 401,
  WRONG_PIN: 401,
  FORBIDDEN: 403,
  NOT_A_MANAGER: 403,
  NOT_FOUND: 404,
  STORE_NOT_FOUND: 404,
  VISIT_NOT_FOUND: 404,
  ASSOCIATE_NOT_FOUND: 404,
  SIGN_IN_LOCKED: 423,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  CONFLICT: 503,
  INTERNAL: 500,
};
const statusOf = (code: ErrorCode) => STATUS[code] ?? 409;

type Handler = (req: Request, res: Response) => Promise<unknown>;

/**
 * The HTTP side: health, readiness and metrics; associate sign-in; the public call-ahead join;
 * the admin API (stores, associates, devices) behind the admin token; and the integration API.
 * Every body is validated with zod; every error is `{ error: { code, message } }`.
 */
export function createHttpApp(deps: HttpDeps): express.Express {
  const { service, credentials, limits, logger } = deps;
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

  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      await deps.store.ping();
      res.json({ ok: true, store: deps.store.kind });
    } catch {
      res.status(503).json({
        ok: false,
        error: { code: "UNAVAILABLE", message: "The store cannot be reached." },
      });
    }
  });
  app.get("/metrics", async (_req, res) => {
    res.setHeader("content-type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  const api = express.Router();
  api.use(express.json({ limit: "32kb" }));
  api.use(async (req, _res, next) => {
    const limited = await limits.httpFrom(req.ip ?? "?");
    next(limited ? new AppError(limited.code, limited.message) : undefined);
  });

  const route = (handler: Handler) => (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
  const storeIdOf = (req: Request) => parse(idSchema, req.params.storeId);
  const requireAdmin = (req: Request) => {
    const given = bearer(req);
    const expected = deps.adminToken;
    if (!expected || !given || !sameSecret(given, expected)) {
      throw new AppError("UNAUTHORIZED", "This needs the admin token (Authorization: Bearer …).");
    }
  };
  const execute = (storeId: string, input: Record<string, unknown>): Promise<CommandResult> =>
    service.execute(storeId, input, deps.clock());
  const mustExecute = async (storeId: string, input: Record<string, unknown>) => {
    const result = await execute(storeId, { requestId: `http-${nanoid(16)}`, ...input });
    if (!result.ok) throw new AppError(result.error.code, result.error.message);
    return result;
  };

  // --- associates: sign in and out ---------------------------------------------------------
  api.post(
    "/stores/:storeId/sessions",
    route(async (req, res) => {
      const storeId = storeIdOf(req);
      const body = parse(
        z.object({ associateId: idSchema, pin: z.string().max(16) }).strict(),
        req.body,
      );
      const limited = await limits.signInFrom(req.ip ?? "?");
      if (limited) throw new AppError(limited.code, limited.message);
      const state = await service.state(storeId);
      if (!state.created) throw new AppError("STORE_NOT_FOUND", `There is no store ${storeId}.`);
      const session = await credentials.signIn(state, body.associateId, body.pin);
      const associate = state.associates.get(body.associateId);
      if (associate?.presence === "offline") {
        await mustExecute(storeId, { type: "associate:sign-in", associateId: body.associateId });
      }
      res.status(201).json({ ...session, associateId: body.associateId, name: associate?.name });
    }),
  );
  api.delete(
    "/stores/:storeId/sessions",
    route(async (req, res) => {
      const storeId = storeIdOf(req);
      const token = bearer(req);
      if (!token) throw new AppError("UNAUTHORIZED", "Send the session token as a bearer token.");
      const state = await service.state(storeId);
      const identity = await credentials.identify({ storeId, sessionToken: token }, state);
      if (identity.role === "associate" || identity.role === "manager") {
        await mustExecute(storeId, {
          type: "associate:sign-out",
          associateId: identity.associateId,
        });
      }
      await credentials.signOut(storeId, token);
      if (identity.role === "associate" || identity.role === "manager") {
        deps.endSession?.(storeId, identity.sessionId);
      }
      res.status(204).end();
    }),
  );

  // --- public: what the store offers, and call-ahead ----------------------------------------
  api.get(
    "/stores/:storeId/public",
    route(async (req, res) => {
      const storeId = storeIdOf(req);
      const state = await service.state(storeId);
      if (!state.created) throw new AppError("STORE_NOT_FOUND", `There is no store ${storeId}.`);
      res.json({ version: state.version, view: new Projection(state, deps.clock()).kiosk() });
    }),
  );
  const joinSchema = z
    .object({
      requestId: requestIdSchema,
      topicId: idSchema,
      name: shortText(40).default(""),
      language: languageSchema.optional(),
      note: shortText(500).default(""),
      arrivingInMin: arrivingInMinSchema.optional(),
    })
    .strict();
  const checkIn = async (storeId: string, body: z.infer<typeof joinSchema>, channel: string) => {
    const result = await execute(storeId, {
      type: "visit:check-in",
      ...body,
      channel,
      customerToken: nanoid(32),
    });
    if (!result.ok) throw new AppError(result.error.code, result.error.message);
    const { ticket, token } = checkedIn(result.data);
    return {
      visitId: ticket.visitId,
      code: ticket.code,
      status: ticket.status,
      customerToken: token,
      customerUrl: deps.customerUrl(storeId, token),
      wait: ticket.wait,
      duplicate: result.duplicate,
    };
  };
  api.post(
    "/stores/:storeId/join",
    route(async (req, res) => {
      const storeId = storeIdOf(req);
      const limited = await limits.ipCheckInAt(req.ip ?? "?");
      if (limited) throw new AppError(limited.code, limited.message);
      const body = parse(joinSchema, req.body);
      res.status(201).json(await checkIn(storeId, body, "remote"));
    }),
  );

  // --- integrations (admin token) ------------------------------------------------------------
  api.post(
    "/stores/:storeId/visits",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const body = parse(joinSchema.extend({ channel: channelSchema.default("staff") }), req.body);
      const { channel, ...rest } = body;
      res.status(201).json(await checkIn(storeId, rest, channel));
    }),
  );
  api.get(
    "/stores/:storeId/line",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const state = await service.state(storeId);
      if (!state.created) throw new AppError("STORE_NOT_FOUND", `There is no store ${storeId}.`);
      const line = new Projection(state, deps.clock()).staffLine();
      res.json({ version: state.version, open: state.intakeOpen, line });
    }),
  );
  api.get(
    "/stores/:storeId/stats",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const state = await service.state(storeId);
      if (!state.created) throw new AppError("STORE_NOT_FOUND", `There is no store ${storeId}.`);
      res.json({ version: state.version, stats: new Projection(state, deps.clock()).stats() });
    }),
  );
  api.put(
    "/stores/:storeId/intake",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const body = parse(z.object({ open: z.boolean() }).strict(), req.body);
      const result = await mustExecute(storeId, {
        type: body.open ? "intake:resume" : "intake:pause",
      });
      res.json({ open: body.open, version: result.version });
    }),
  );

  // --- admin: provisioning -------------------------------------------------------------------
  api.post(
    "/admin/stores",
    route(async (req, res) => {
      requireAdmin(req);
      const body = parse(
        z.object({ storeId: idSchema, settings: storeSettingsSchema }).strict(),
        req.body,
        "INVALID_SETTINGS",
      );
      const result = await mustExecute(body.storeId, {
        type: "store:create",
        settings: body.settings,
      });
      res.status(201).json({ storeId: body.storeId, version: result.version });
    }),
  );
  api.put(
    "/admin/stores/:storeId/settings",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const settings = parse(storeSettingsSchema, req.body, "INVALID_SETTINGS");
      const result = await mustExecute(storeId, { type: "store:update-settings", settings });
      res.json({ storeId, version: result.version });
    }),
  );
  const associateSchema = z
    .object({
      associateId: idSchema,
      name: z.string().trim().min(1).max(40),
      pin: pinSchema,
      skills: z.array(idSchema).max(30).default([]),
      languages: z.array(languageSchema).max(20).default(["en"]),
      manager: z.boolean().default(false),
    })
    .strict();
  api.post(
    "/admin/stores/:storeId/associates",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const { pin, ...associate } = parse(associateSchema, req.body);
      const result = await mustExecute(storeId, { type: "associate:register", ...associate });
      await credentials.setPin(storeId, associate.associateId, pin);
      res.status(201).json({ ...associate, version: result.version });
    }),
  );
  api.put(
    "/admin/stores/:storeId/associates/:associateId/pin",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const associateId = parse(idSchema, req.params.associateId);
      const { pin } = parse(z.object({ pin: pinSchema }).strict(), req.body);
      const state = await service.state(storeId);
      if (!state.associates.has(associateId)) {
        throw new AppError("ASSOCIATE_NOT_FOUND", `There is no associate ${associateId}.`);
      }
      await credentials.setPin(storeId, associateId, pin);
      res.status(204).end();
    }),
  );
  api.post(
    "/admin/stores/:storeId/devices",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const body = parse(
        z
          .object({ kind: z.enum(["kiosk", "display"]), name: z.string().trim().min(1).max(60) })
          .strict(),
        req.body,
      );
      const state = await service.state(storeId);
      if (!state.created) throw new AppError("STORE_NOT_FOUND", `There is no store ${storeId}.`);
      const { device, token } = await credentials.issueDevice(storeId, body.kind, body.name);
      res
        .status(201)
        .json({ ...device, token, pairingUrl: deps.pageUrl(body.kind, storeId, `token=${token}`) });
    }),
  );
  api.get(
    "/admin/stores/:storeId/devices",
    route(async (req, res) => {
      requireAdmin(req);
      res.json({ devices: await credentials.devices(storeIdOf(req)) });
    }),
  );
  api.delete(
    "/admin/stores/:storeId/devices/:deviceId",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const deviceId = parse(idSchema, req.params.deviceId);
      const revoked = await credentials.revokeDevice(storeId, deviceId);
      if (!revoked) throw new AppError("NOT_FOUND", "There is no such device.");
      deps.endDevice?.(storeId, deviceId);
      res.status(204).end();
    }),
  );

  // --- admin: a store's settings as they are, and its outgoing webhook ------------------------
  const createdStore = async (req: Request) => {
    const storeId = storeIdOf(req);
    const state = await service.state(storeId);
    if (!state.created) throw new AppError("STORE_NOT_FOUND", `There is no store ${storeId}.`);
    return state;
  };
  api.get(
    "/admin/stores/:storeId/settings",
    route(async (req, res) => {
      requireAdmin(req);
      const state = await createdStore(req);
      res.json({ storeId: state.storeId, version: state.version, settings: state.settings });
    }),
  );
  const webhooks = deps.webhooks;
  if (webhooks) {
    api.put(
      "/admin/stores/:storeId/webhook",
      route(async (req, res) => {
        requireAdmin(req);
        const { url } = parse(z.object({ url: webhookUrlSchema }).strict(), req.body);
        const state = await createdStore(req);
        const config = await webhooks.set(state.storeId, url);
        res.json({ storeId: state.storeId, ...config });
      }),
    );
    api.get(
      "/admin/stores/:storeId/webhook",
      route(async (req, res) => {
        requireAdmin(req);
        const storeId = storeIdOf(req);
        const config = await webhooks.get(storeId, { fresh: true });
        if (!config) throw new AppError("NOT_FOUND", `Store ${storeId} has no webhook.`);
        res.json({ storeId, url: config.url, createdAt: config.createdAt });
      }),
    );
    api.delete(
      "/admin/stores/:storeId/webhook",
      route(async (req, res) => {
        requireAdmin(req);
        const storeId = storeIdOf(req);
        if (!(await webhooks.remove(storeId)))
          throw new AppError("NOT_FOUND", `Store ${storeId} has no webhook.`);
        res.status(204).end();
      }),
    );
  }

  if (deps.managerRoutes) api.use("/stores/:storeId/manage", deps.managerRoutes);
  api.use((_req, _res, next) => next(new AppError("NOT_FOUND", "There is no such API route.")));
  app.use("/api", api);
  if (deps.staticDir)
    app.use(express.static(deps.staticDir, { index: "index.html", extensions: ["html"] }));

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const body = httpError(error, logger, req);
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

function trustProxyValue(value: string): string | number | boolean {
  if (/^\d+$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
