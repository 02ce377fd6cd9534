import express, { type Request } from "express";
import { z } from "zod";
import { AppError } from "../../../shared/errors.js";
import type { StoreState } from "../../domain/index.js";
import type { PushService } from "../../push/push-service.js";
import { bearer, parse } from "../validate.js";
import type { HttpContext } from "./context.js";

/** base64url (padding allowed) of exactly `bytes` bytes. */
const base64url = (bytes: number) =>
  z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, "base64url")
    .refine((s) => Buffer.from(s, "base64url").length === bytes, `${bytes} bytes, base64url`);

const endpointSchema = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && !url.username;
    } catch {
      return false;
    }
  }, "an https:// URL without user or password");

/** A browser's `PushSubscription.toJSON()`, the language to write in, and "alert me at N ahead". */
const subscribeSchema = z.strictObject({
  subscription: z.object({
    endpoint: endpointSchema,
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: base64url(65), auth: base64url(16) }),
  }),
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/, "a language tag such as en or pt-BR")
    .optional(),
  nearAhead: z.number().int().min(0).max(50).nullable().optional(),
});

/**
 * The customer's notifications with their page closed (Web Push), authenticated like their
 * socket: `Authorization: Bearer <customer token>`. GET answers the server's VAPID public key
 * and whether this visit is subscribed; PUT saves the browser's subscription for the visit
 * (replacing one before); DELETE forgets it.
 */
export function pushRoutes(ctx: HttpContext, push: PushService): express.Router {
  const { route, createdStore } = ctx;
  const router = express.Router();
  const path = "/stores/:storeId/visit/push";

  /** The store and the visit whose customer token the request carries. */
  const customer = async (req: Request): Promise<{ state: StoreState; visitId: string }> => {
    const state = await createdStore(req);
    const token = bearer(req);
    const visitId = token ? state.tokens.get(token) : undefined;
    if (!visitId)
      throw new AppError(
        "UNAUTHORIZED",
        "This needs the visit's own token (Authorization: Bearer …).",
      );
    return { state, visitId };
  };

  router.get(
    path,
    route(async (req, res) => {
      const { state, visitId } = await customer(req);
      res.json({
        publicKey: push.publicKey,
        subscribed: await push.subscribed(state.storeId, visitId),
      });
    }),
  );
  router.put(
    path,
    route(async (req, res) => {
      const { state, visitId } = await customer(req);
      await push.subscribe(state, visitId, parse(subscribeSchema, req.body));
      res.status(204).end();
    }),
  );
  router.delete(
    path,
    route(async (req, res) => {
      const { state, visitId } = await customer(req);
      await push.unsubscribe(state.storeId, visitId);
      res.status(204).end();
    }),
  );
  return router;
}
