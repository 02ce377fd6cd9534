import { nanoid } from "nanoid";
import { z } from "zod";
import { arrivingInMinSchema, requestIdSchema, shortText } from "../../../shared/commands.js";
import { AppError } from "../../../shared/errors.js";
import { idSchema, languageSchema } from "../../../shared/settings.js";
import { checkedIn } from "../../app/check-in-reply.js";
import type { HttpContext } from "./context.js";

/** A check-in over HTTP (the call-ahead join, and integrations). */
export const joinSchema = z
  .object({
    requestId: requestIdSchema,
    topicId: idSchema,
    name: shortText(40).default(""),
    language: languageSchema.optional(),
    note: shortText(500).default(""),
    arrivingInMin: arrivingInMinSchema.optional(),
  })
  .strict();

/** Checks a customer in and answers their ticket: code, status, range and their page's link. */
export async function checkInOverHttp(
  ctx: HttpContext,
  storeId: string,
  body: z.infer<typeof joinSchema>,
  channel: string,
) {
  const result = await ctx.execute(storeId, {
    type: "visit:check-in",
    ...body,
    channel,
    customerToken: nanoid(32),
  });
  if (!result.ok) throw new AppError(result.error.code, result.error.message);
  const { ticket, token } = checkedIn(result.data);
  return {
    visitId: ticket.visitId,
    code: ticket.code,
    status: ticket.status,
    customerToken: token,
    customerUrl: ctx.deps.customerUrl(storeId, token),
    wait: ticket.wait,
    duplicate: result.duplicate,
  };
}
