import express from "express";
import { AppError } from "../../../shared/errors.js";
import { Projection, estimateTime } from "../../domain/index.js";
import { parse } from "../validate.js";
import { checkInOverHttp, joinSchema } from "./check-in.js";
import type { HttpContext } from "./context.js";

/** For anyone: what a store offers (the kiosk's view), and calling ahead. */
export function publicRoutes(ctx: HttpContext): express.Router {
  const { deps, route, storeIdOf, createdStore } = ctx;
  const router = express.Router();
  // Every call-ahead page open on a phone asks this every few seconds, and each answer is a
  // Monte Carlo estimate per topic: made once per store version and estimate step (the same
  // state and step always estimate the same), not once per phone.
  const answers = new Map<string, { key: string; body: string }>();
  router.get(
    "/stores/:storeId/public",
    route(async (req, res) => {
      const state = await createdStore(req);
      const now = deps.clock();
      const key = `${state.version}|${estimateTime(state, now)}`;
      let answer = answers.get(state.storeId);
      if (answer?.key !== key) {
        const view = new Projection(state, now).kiosk();
        answer = { key, body: JSON.stringify({ version: state.version, view }) };
        answers.set(state.storeId, answer);
      }
      res.type("application/json").send(answer.body);
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
