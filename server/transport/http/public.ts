import express from "express";
import { AppError } from "../../../shared/errors.js";
import { Projection } from "../../domain/index.js";
import { parse } from "../validate.js";
import { checkInOverHttp, joinSchema } from "./check-in.js";
import type { HttpContext } from "./context.js";

/** For anyone: what a store offers (the kiosk's view), and calling ahead. */
export function publicRoutes(ctx: HttpContext): express.Router {
  const { deps, route, storeIdOf, createdStore } = ctx;
  const router = express.Router();
  router.get(
    "/stores/:storeId/public",
    route(async (req, res) => {
      const state = await createdStore(req);
      res.json({ version: state.version, view: new Projection(state, deps.clock()).kiosk() });
    }),
  );
  router.post(
    "/stores/:storeId/join",
    route(async (req, res) => {
      const storeId = storeIdOf(req);
      const limited = await deps.limits.ipCheckInAt(req.ip ?? "?");
      if (limited) throw new AppError(limited.code, limited.message);
      const body = parse(joinSchema, req.body);
      res.status(201).json(await checkInOverHttp(ctx, storeId, body, "remote"));
    }),
  );
  return router;
}
