import { pino } from "pino";

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** Where the JSON lines go (default stdout). */
  destination?: pino.DestinationStream;
}

/** The process logger: JSON lines on stdout. Tokens and PINs are never logged (redact list). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      redact: ["pin", "*.pin", "token", "*.token", "customerToken", "*.customerToken"],
    },
    options.destination,
  );
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: "silent" });
