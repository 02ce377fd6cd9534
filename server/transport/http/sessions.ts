import express from "express";
import { z } from "zod";
import { AppError } from "../../../shared/errors.js";
import { idSchema } from "../../../shared/settings.js";
import { SIGN_IN_DEVICE_TTL_MS } from "../../auth/credentials.js";
import { associateIdFor } from "../../domain/index.js";
import { bearer, parse } from "../validate.js";
import type { HttpContext } from "./context.js";

/**
 * The browser's sign-in device token: set at its first sign-in, it lets the associates who
 * signed in there before do so even from an address someone else's wrong PINs have locked.
 */
const DEVICE_COOKIE = "undivided_device";

function cookie(req: express.Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=") || undefined;
  }
  return undefined;
}

/** Associates sign in with their PIN (a session token for the tablet) and sign out. */
export function sessionRoutes(ctx: HttpContext): express.Router {
  const { deps, route, storeIdOf, createdStore, mustExecute } = ctx;
  const { service, credentials, limits } = deps;
  const router = express.Router();
  router.post(
    "/stores/:storeId/sessions",
    route(async (req, res) => {
      const storeId = storeIdOf(req);
      const body = parse(
        z.object({ associateId: idSchema, pin: z.string().max(16) }).strict(),
        req.body,
      );
      const address = req.ip ?? "?";
      const limited = await limits.signInFrom(address);
      if (limited) throw new AppError(limited.code, limited.message);
      const state = await createdStore(req);
      // Typed at sign-in: "Julia" signs in as julia (an unknown id goes on to WRONG_PIN).
      const associateId = associateIdFor(state, body.associateId) ?? body.associateId;
      const { deviceToken, ...session } = await credentials.signIn(state, associateId, body.pin, {
        address,
        deviceToken: cookie(req, DEVICE_COOKIE),
      });
      if (deviceToken)
        res.cookie(DEVICE_COOKIE, deviceToken, {
          httpOnly: true,
          secure: req.secure,
          sameSite: "strict",
          path: `/api/stores/${storeId}/sessions`,
          maxAge: SIGN_IN_DEVICE_TTL_MS,
        });
      const associate = state.associates.get(associateId);
      if (associate?.presence === "offline") {
        await mustExecute(storeId, { type: "associate:sign-in", associateId });
      }
      res.status(201).json({ ...session, associateId, name: associate?.name });
    }),
  );
  router.delete(
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
  return router;
}
