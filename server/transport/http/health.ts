import express from "express";
import type { HttpDeps } from "./context.js";

/** Liveness, readiness (the store answers) and Prometheus metrics, outside /api. */
export function healthRoutes(deps: HttpDeps): express.Router {
  const router = express.Router();
  router.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  router.get("/readyz", async (_req, res) => {
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
  router.get("/metrics", async (_req, res) => {
    res.setHeader("content-type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}
