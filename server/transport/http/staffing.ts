import express from "express";
import { z } from "zod";
import { AppError } from "../../../shared/errors.js";
import type { AnalyticsProjector } from "../../analytics/projector.js";
import { StaffingService } from "../../staffing/staffing-service.js";
import { parse } from "../validate.js";
import type { HttpContext } from "./context.js";
import { requireManagerOrAdmin } from "./manager-or-admin.js";

/** The most weeks one request may measure. */
export const MAX_WEEKS = 12;
/**
 * Weeks measured when the request does not say: four weeks' mean of an hour is off the store's
 * true rate by up to a tenth, enough to move the advice by one (docs/PERFORMANCE.md).
 */
export const DEFAULT_WEEKS = 8;

const querySchema = z
  .object({ weeks: z.coerce.number().int().min(1).max(MAX_WEEKS).default(DEFAULT_WEEKS) })
  .strict();

/**
 * The staffing advisor (docs/HTTP-API.md, "Staffing advisor"): per hour of the week, how many
 * associates meet the store's service level, from the last `weeks` weeks of its analytics, beside
 * how many were signed in. For a manager of the store (session token) or the admin token.
 */
export function staffingRoutes(ctx: HttpContext, analytics: AnalyticsProjector): express.Router {
  const { deps, route, storeIdOf } = ctx;
  const advisor = new StaffingService(analytics, deps.staffingAdvice);
  const router = express.Router();
  router.get(
    "/stores/:storeId/staffing",
    route(async (req, res) => {
      // Credentials first: a stranger learns nothing, not even whether the store exists.
      const state = await deps.service.state(storeIdOf(req));
      await requireManagerOrAdmin(ctx, req, state, "may read the staffing advice");
      if (!state.created)
        throw new AppError("STORE_NOT_FOUND", `There is no store ${state.storeId}.`);
      const query = parse(querySchema, req.query);
      res.json(await advisor.report(state, query.weeks, deps.clock()));
    }),
  );
  return router;
}
