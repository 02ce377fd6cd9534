import type { Request } from "express";
import type { z } from "zod";
import { AppError, type ErrorCode } from "../../shared/errors.js";

/** Validates an HTTP input with `schema`; a bad one throws an AppError naming the first problem. */
export function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  code: ErrorCode = "INVALID_COMMAND",
): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new AppError(code, `${where}${issue?.message ?? "invalid"}`);
}

/** The request's bearer token, if it sent one. */
export function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
}
