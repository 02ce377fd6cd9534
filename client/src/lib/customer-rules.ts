import type { CustomerView } from "../../../shared/views.js";

/**
 * The customer pages' rules that need no page: when to alert, when to remind, how a text too
 * long is cut. (No DOM here, so the unit tests run them as they are.)
 */

/**
 * Whether "alert me when `nearAhead` are ahead" is due: someone is being found for them, or at
 * most that many are ahead of them while they wait (not browsing).
 */
export function isNear(
  c: Pick<CustomerView, "status" | "paused" | "ahead">,
  nearAhead: number,
): boolean {
  return (
    c.status === "offered" ||
    (c.status === "waiting" && !c.paused && c.ahead !== null && c.ahead <= nearAhead)
  );
}

/** How long before a call-ahead's hold runs out the customer is reminded. */
export const HOLD_REMINDER_MS = 5 * 60_000;

/**
 * When to remind a call-ahead customer that their hold runs out: `HOLD_REMINDER_MS` before it
 * (at once if that is past); null when there is no hold to lose.
 */
export function holdReminderAt(c: Pick<CustomerView, "status" | "holdUntil">): number | null {
  if (c.status !== "expected" || c.holdUntil === null) return null;
  return c.holdUntil - HOLD_REMINDER_MS;
}

/** What a customer may type at check-in (shared/commands.ts: name 40, note 500 characters). */
export const NAME_MAX = 40;
export const NOTE_MAX = 500;

/**
 * `text` within `max` characters; when it has to be cut, it is cut at a word where one is near
 * and ends in "…", so nobody reads a cut text as whole.
 */
export function fitText(text: string, max: number): string {
  const trimmed = text.trim();
  if (trimmed.length <= max) return trimmed;
  const room = trimmed.slice(0, max - 1);
  const space = room.lastIndexOf(" ");
  const cut = space >= max * 0.6 ? room.slice(0, space) : room;
  return `${cut.trimEnd()}…`;
}
