import { pino } from "pino";

export type Logger = pino.Logger;

/** The process logger: JSON lines on stdout. Tokens and PINs are never logged (redact list). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    redact: ["pin", "*.pin", "token", "*.token", "customerToken", "*.customerToken"],
  });
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: "silent" });
