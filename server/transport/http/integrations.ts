import express from "express";
import { z } from "zod";
import { channelSchema } from "../../../shared/commands.js";
import { Projection } from "../../domain/index.js";
import { parse } from "../validate.js";
import { checkInOverHttp, joinSchema } from "./check-in.js";
import type { HttpContext } from "./context.js";

/** For a store's own systems, with the admin token: check in, read the line and stats, intake. */
export function integrationRoutes(ctx: HttpContext): express.Router {
  const { deps, route, storeIdOf, requireAdmin, createdStore, mustExecute } = ctx;
  const router = express.Router();
  router.post(
    "/stores/:storeId/visits",
    route(async (req, res) => {
      requireAdmin(req);
      const storeId = storeIdOf(req);
      const body = parse(joinSchema.extend({ channel: channelSchema.default("staff") }), req.body);
      const { channel, ...rest } = body;
      res.status(201).json(await checkInOverHttp(ctx, storeId, rest, channel));
    }),
  );
  router.get(
    "/stores/:storeId/line",
    route(async (req, res) => {
      requireAdmin(req);
      const state = await createdStore(req);
      const line = new Projection(state, deps.clock()).staffLine();
      res.json({ version: state.version, open: state.intakeOpen, line });
    }),
  );
  router.get(
    "/stores/:storeId/stats",
    route(async (req, res) => {
      requireAdmin(req);
      const state = await createdStore(req);
      res.json({ version: state.version, stats: new Projection(state, deps.clock()).stats() });
    }),
  );
  router.put(
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
  return router;
}
