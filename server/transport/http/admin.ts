import express from "express";
import { z } from "zod";
import { AppError } from "../../../shared/errors.js";
import { idSchema, storeSettingsSchema } from "../../../shared/settings.js";
import { webhookUrlSchema } from "../../webhooks/registry.js";
import {
  associateSchema,
  deviceSchema,
  issueDevice,
  pinBodySchema,
  resetPin,
  revokeDevice,
  saveAssociate,
} from "../people-and-devices.js";
import { parse } from "../validate.js";
import type { HttpContext } from "./context.js";

/**
 * The admin API, with the admin token: stores and their settings, associates and PINs, paired
 * kiosks and displays, and a store's outgoing webhook.
 */
export function adminRoutes(ctx: HttpContext): express.Router {
  const { deps, route, storeIdOf, requireAdmin, createdStore, mustExecute } = ctx;
  const { credentials } = deps;
  const router = express.Router();
  // Every route here needs the admin token, before anything else is looked at.
  router.use("/admin", (req, _res, next) => {
    try {
      requireAdmin(req);
      next();
    } catch (error) {
      next(error);
    }
  });

  router.post(
    "/admin/stores",
    route(async (req, res) => {
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
  router.put(
    "/admin/stores/:storeId/settings",
    route(async (req, res) => {
      const storeId = storeIdOf(req);
      const settings = parse(storeSettingsSchema, req.body, "INVALID_SETTINGS");
      const result = await mustExecute(storeId, { type: "store:update-settings", settings });
      res.json({ storeId, version: result.version });
    }),
  );
  router.get(
    "/admin/stores/:storeId/settings",
    route(async (req, res) => {
      const state = await createdStore(req);
      res.json({ storeId: state.storeId, version: state.version, settings: state.settings });
    }),
  );
  router.post(
    "/admin/stores/:storeId/associates",
    route(async (req, res) => {
      const body = parse(associateSchema, req.body);
      res.status(201).json(await saveAssociate(deps, storeIdOf(req), body));
    }),
  );
  router.put(
    "/admin/stores/:storeId/associates/:associateId/pin",
    route(async (req, res) => {
      const associateId = parse(idSchema, req.params.associateId);
      const { pin } = parse(pinBodySchema, req.body);
      await resetPin(deps, storeIdOf(req), associateId, pin);
      res.status(204).end();
    }),
  );
  router.post(
    "/admin/stores/:storeId/devices",
    route(async (req, res) => {
      const body = parse(deviceSchema, req.body);
      const state = await createdStore(req);
      res.status(201).json(await issueDevice(deps, state.storeId, body));
    }),
  );
  router.get(
    "/admin/stores/:storeId/devices",
    route(async (req, res) => {
      res.json({ devices: await credentials.devices(storeIdOf(req)) });
    }),
  );
  router.delete(
    "/admin/stores/:storeId/devices/:deviceId",
    route(async (req, res) => {
      const storeId = storeIdOf(req);
      const deviceId = parse(idSchema, req.params.deviceId);
      await revokeDevice(deps, storeId, deviceId, () => deps.endDevice?.(storeId, deviceId));
      res.status(204).end();
    }),
  );

  const webhooks = deps.webhooks;
  if (webhooks) {
    router.put(
      "/admin/stores/:storeId/webhook",
      route(async (req, res) => {
        const { url } = parse(z.object({ url: webhookUrlSchema }).strict(), req.body);
        const state = await createdStore(req);
        const config = await webhooks.set(state.storeId, url);
        res.json({ storeId: state.storeId, ...config });
      }),
    );
    router.get(
      "/admin/stores/:storeId/webhook",
      route(async (req, res) => {
        const storeId = storeIdOf(req);
        const config = await webhooks.get(storeId, { fresh: true });
        if (!config) throw new AppError("NOT_FOUND", `Store ${storeId} has no webhook.`);
        res.json({ storeId, url: config.url, createdAt: config.createdAt });
      }),
    );
    router.delete(
      "/admin/stores/:storeId/webhook",
      route(async (req, res) => {
        const storeId = storeIdOf(req);
        if (!(await webhooks.remove(storeId)))
          throw new AppError("NOT_FOUND", `Store ${storeId} has no webhook.`);
        res.status(204).end();
      }),
    );
  }
  return router;
}
