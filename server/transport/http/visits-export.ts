import express from "express";
import { z } from "zod";
import { AppError } from "../../../shared/errors.js";
import { csvOf } from "../../analytics/report.js";
import { localDateTime, localDayHour } from "../../domain/local-time.js";
import { retentionMs, topicOf } from "../../domain/settings-view.js";
import { CLOSED_RETENTION_MS, type StoreState, type Visit } from "../../domain/state.js";
import { parse } from "../validate.js";
import { dateSchema, wantsCsv } from "./analytics.js";
import type { HttpContext } from "./context.js";
import { requireManagerOrAdmin } from "./manager-or-admin.js";

const querySchema = z
  .object({ from: dateSchema, to: dateSchema, format: z.enum(["json", "csv"]).optional() })
  .strict()
  .refine((q) => q.from <= q.to, { message: "must not be before from", path: ["to"] });

/** One ended visit as exported: store-local times, display names, seconds. */
export interface VisitRow {
  code: string;
  topic: string;
  language: string;
  channel: string;
  /** The outcome (`resolved`, `follow_up`, `not_resolved`, `no_show`), or `left`, `expired`. */
  ended: string;
  associate: string;
  customer: string;
  checkedIn: string;
  inStoreSince: string;
  accepted: string;
  closed: string;
  waitSec: number | null;
  serviceSec: number | null;
  quoteLowMin: number | null;
  quoteHighMin: number | null;
  /** Where the wait fell against the quote: `inside`, `below`, `above`; "" if not served or quoted. */
  quote: string;
  satisfaction: string;
  kudos: string;
  comment: string;
}

const COLUMNS: Array<[keyof VisitRow, string]> = [
  ["code", "code"],
  ["topic", "topic"],
  ["language", "language"],
  ["channel", "channel"],
  ["ended", "ended"],
  ["associate", "associate"],
  ["customer", "customer"],
  ["checkedIn", "checked_in"],
  ["inStoreSince", "in_store_since"],
  ["accepted", "accepted"],
  ["closed", "closed"],
  ["waitSec", "wait_sec"],
  ["serviceSec", "service_sec"],
  ["quoteLowMin", "quote_low_min"],
  ["quoteHighMin", "quote_high_min"],
  ["quote", "quote"],
  ["satisfaction", "satisfaction"],
  ["kudos", "kudos"],
  ["comment", "comment"],
];

function rowOf(state: StoreState, v: Visit): VisitRow {
  const zone = state.settings.timezone;
  const time = (at: number | undefined) => (at === undefined ? "" : localDateTime(at, zone));
  const served = v.servingSince !== undefined && v.outcome !== "no_show";
  const waitMs =
    v.servingSince !== undefined && v.presentSince !== undefined
      ? v.servingSince - v.presentSince
      : undefined;
  const quote = v.quotes.at(-1);
  const minutes = waitMs === undefined ? undefined : waitMs / 60_000;
  return {
    code: v.code,
    topic: topicOf(state, v.topicId)?.name ?? v.topicId,
    language: v.language ?? "",
    channel: v.channel,
    ended: v.outcome ?? v.status,
    associate: v.associateId ? (state.associates.get(v.associateId)?.name ?? v.associateId) : "",
    customer: v.name,
    checkedIn: time(v.checkedInAt),
    inStoreSince: time(v.presentSince),
    accepted: time(v.servingSince),
    closed: time(v.closedAt),
    waitSec: waitMs === undefined ? null : Math.round(waitMs / 1000),
    serviceSec:
      served && v.closedAt !== undefined && v.servingSince !== undefined
        ? Math.round((v.closedAt - v.servingSince) / 1000)
        : null,
    quoteLowMin: quote?.lowMin ?? null,
    quoteHighMin: quote?.highMin ?? null,
    quote:
      quote === undefined || minutes === undefined
        ? ""
        : minutes < quote.lowMin
          ? "below"
          : minutes > quote.highMin
            ? "above"
            : "inside",
    satisfaction: v.feedback?.satisfaction ?? "",
    kudos: v.feedback === undefined ? "" : v.feedback.kudos ? "yes" : "no",
    comment: v.feedback?.comment ?? "",
  };
}

/**
 * The store's ended visits over a range of its local days, one row each (docs/HTTP-API.md,
 * "Visits export"): for a manager of the store or the admin token, JSON or CSV. The store keeps
 * ended visits a week (for their feedback), and their personal data `retentionDays`: a range
 * reaching back further is refused, and the analytics breakdowns answer for longer ranges.
 */
export function visitsExportRoutes(ctx: HttpContext): express.Router {
  const { deps, route, storeIdOf } = ctx;
  const router = express.Router();
  router.get(
    "/stores/:storeId/visits",
    route(async (req, res) => {
      const state = await deps.service.state(storeIdOf(req));
      await requireManagerOrAdmin(ctx, req, state, "may export the store's visits");
      if (!state.created)
        throw new AppError("STORE_NOT_FOUND", `There is no store ${state.storeId}.`);
      const query = parse(querySchema, req.query);
      const zone = state.settings.timezone;
      const now = deps.clock();
      const kept = Math.min(CLOSED_RETENTION_MS, retentionMs(state));
      // The first whole local day all of whose ended visits are still kept.
      const oldest = localDayHour(now - kept + 24 * 60 * 60_000, zone).day;
      if (query.from < oldest)
        throw new AppError(
          "INVALID_COMMAND",
          `from: ended visits are kept ${Math.round(kept / (24 * 60 * 60_000))} days; ask from ${oldest} on (the analytics keep counts for longer).`,
        );
      const rows: VisitRow[] = [];
      for (const v of state.closed.values()) {
        const day = localDayHour(v.closedAt ?? v.checkedInAt, zone).day;
        if (day >= query.from && day <= query.to) rows.push(rowOf(state, v));
      }
      if (!wantsCsv(req, query.format)) {
        res.json({ storeId: state.storeId, timezone: zone, from: query.from, to: query.to, rows });
        return;
      }
      res.setHeader("content-type", "text/csv; charset=utf-8");
      res.setHeader(
        "content-disposition",
        `attachment; filename="visits-${state.storeId}-${query.from}-${query.to}.csv"`,
      );
      res.send(
        csvOf([
          COLUMNS.map(([, header]) => header),
          ...rows.map((r) => COLUMNS.map(([key]) => String(r[key] ?? ""))),
        ]),
      );
    }),
  );
  return router;
}
