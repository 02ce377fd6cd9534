import type { Request } from "express";
import { AppError } from "../../../shared/errors.js";
import type { StoreState } from "../../domain/index.js";
import { bearer } from "../validate.js";
import type { HttpContext } from "./context.js";

/**
 * Lets through the admin token, or the session of one of the store's managers; anyone else gets
 * UNAUTHORIZED (no credentials worth a look) or NOT_A_MANAGER. `what` ends the refusal: "may
 * read the store's analytics".
 */
export async function requireManagerOrAdmin(
  ctx: HttpContext,
  req: Request,
  state: StoreState,
  what: string,
): Promise<void> {
  try {
    ctx.requireAdmin(req);
    return;
  } catch {
    // Not the admin token: a manager's session, then.
  }
  const token = bearer(req) ?? "";
  if (token.length < 20)
    throw new AppError("UNAUTHORIZED", "Sign in as a manager, or send the admin token.");
  const identity = await ctx.deps.credentials.identify(
    { storeId: state.storeId, sessionToken: token },
    state,
  );
  if (identity.role !== "manager") throw new AppError("NOT_A_MANAGER", `Only a manager ${what}.`);
}
