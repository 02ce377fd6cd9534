import express, { type Request } from "express";
import { z } from "zod";
import type { AnalyticsReport } from "../../../shared/analytics.js";
import { AppError } from "../../../shared/errors.js";
import type { AnalyticsProjector } from "../../analytics/projector.js";
import { BREAKDOWNS, breakdown, toCsv, total } from "../../analytics/report.js";
import { analyticsTargets } from "../../domain/settings-view.js";
import { parse } from "../validate.js";
import type { HttpContext } from "./context.js";
import { requireManagerOrAdmin } from "./manager-or-admin.js";

/** The longest range one request may ask for, in days. */
export const MAX_RANGE_DAYS = 400;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A store-local calendar date in a query: YYYY-MM-DD, a real one. */
export const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD")
  .refine((d) => {
    const at = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(at) && new Date(at).toISOString().startsWith(d);
  }, "not a calendar date");

const querySchema = z
  .object({
    from: dateSchema,
    to: dateSchema,
    by: z.enum(BREAKDOWNS).default("day"),
    format: z.enum(["json", "csv"]).optional(),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: "must not be before from", path: ["to"] })
  .refine((q) => daysBetween(q.from, q.to).length <= MAX_RANGE_DAYS, {
    message: `at most ${MAX_RANGE_DAYS} days at a time`,
    path: ["to"],
  });

/** CSV when asked for by `format=csv`, or by `Accept: text/csv` without a `format`. */
export const wantsCsv = (req: Request, format: "json" | "csv" | undefined): boolean =>
  format === "csv" ||
  (format === undefined && req.accepts(["application/json", "text/csv"]) === "text/csv");

/** Every date from `from` to `to`, both included (at most MAX_RANGE_DAYS + 1 are made). */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end; at += DAY_MS) {
    days.push(new Date(at).toISOString().slice(0, 10));
    if (days.length > MAX_RANGE_DAYS) break;
  }
  return days;
}

/**
 * A store's analytics over a range of its local days, by day, hour, topic, associate or
 * language (docs/HTTP-API.md, "Analytics"): JSON, or CSV with `format=csv` or `Accept: text/csv`.
 * For a manager of the store (session token) or the admin token. Read from the read models
 * (server/analytics), which are caught up first; nothing is recomputed from the log.
 */
export function analyticsRoutes(ctx: HttpContext, analytics: AnalyticsProjector): express.Router {
  const { deps, route, storeIdOf } = ctx;
  const router = express.Router();

  router.get(
    "/stores/:storeId/analytics",
    route(async (req, res) => {
      // Credentials first: a stranger learns nothing, not even whether the store exists.
      const state = await deps.service.state(storeIdOf(req));
      await requireManagerOrAdmin(ctx, req, state, "may read the store's analytics");
      if (!state.created)
        throw new AppError("STORE_NOT_FOUND", `There is no store ${state.storeId}.`);
      const query = parse(querySchema, req.query);
      const { working, days } = await analytics.readRollups(
        state.storeId,
        daysBetween(query.from, query.to),
      );
      const topics = new Map(state.settings.topics.map((t) => [t.id, t.name]));
      const rows = breakdown(days, query.by, {
        topic: (id) => topics.get(id),
        associate: (id) => working.names.get(id) ?? state.associates.get(id)?.name,
      });
      if (wantsCsv(req, query.format)) {
        res.setHeader("content-type", "text/csv; charset=utf-8");
        res.setHeader(
          "content-disposition",
          `attachment; filename="analytics-${state.storeId}-${query.from}-${query.to}-${query.by}.csv"`,
        );
        res.send(toCsv(rows, query.by));
        return;
      }
      const since = working.since;
      const { quoteTargetPct } = analyticsTargets(state);
      const daysBelowTarget = breakdown(days, "day")
        .filter((d) => d.quoteInsidePct !== null && d.quoteInsidePct < quoteTargetPct)
        .map((d) => ({
          day: d.key,
          quoteInsidePct: d.quoteInsidePct,
          // The share's own base: told a wait and accepted (a visit still being served counts).
          quoted: d.quoteInside + d.quoteBelow + d.quoteAbove,
          served: d.served,
        }));
      const report: AnalyticsReport = {
        storeId: state.storeId,
        timezone: working.timezone,
        from: query.from,
        to: query.to,
        by: query.by,
        version: working.version,
        countedSince: since ?? null,
        notes:
          since === undefined || query.from < since
            ? [`No data before ${since ?? "the store's first visit"}: counting started then.`]
            : [],
        total: total(days),
        quoteTargetPct,
        daysBelowTarget,
        rows,
      };
      res.json(report);
    }),
  );
  return router;
}
