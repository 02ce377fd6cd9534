import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CommandResult } from "../app/queue-service.js";

/**
 * Prometheus metrics, served at /metrics. One registry per app, so tests can start several
 * apps in one process without their metrics colliding.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly latency = new Histogram({
    name: "undivided_command_duration_seconds",
    help: "Time from a command's arrival to its answer",
    labelNames: ["command"],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  private readonly commands = new Counter({
    name: "undivided_commands_total",
    help: "Commands by type and result (ok, duplicate or an error code)",
    labelNames: ["command", "result"],
    registers: [this.registry],
  });
  private readonly sockets = new Gauge({
    name: "undivided_connected_sockets",
    help: "Connected sockets in this process, by role",
    labelNames: ["role"],
    registers: [this.registry],
  });
  readonly waiting = new Gauge({
    name: "undivided_waiting_visits",
    help: "Visits waiting, per store (as of this process's latest view of it)",
    labelNames: ["store"],
    registers: [this.registry],
  });
  readonly timerLag = new Histogram({
    name: "undivided_timer_lag_seconds",
    help: "How late a due timer fired, from its deadline to its tick",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: "undivided_webhook_deliveries_total",
    help: "Webhook events by how they ended: delivered, failed (after retries) or dropped (queue full)",
    labelNames: ["result"],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  commandDone(command: string, result: CommandResult, ms: number): void {
    this.latency.observe({ command }, ms / 1000);
    const outcome = result.ok ? (result.duplicate ? "duplicate" : "ok") : result.error.code;
    this.commands.inc({ command, result: outcome });
  }

  socketConnected(role: string): void {
    this.sockets.inc({ role });
  }

  socketDisconnected(role: string): void {
    this.sockets.dec({ role });
  }
}
