import type { Ticket } from "../../shared/protocol.js";
import type { Reply } from "../domain/index.js";

/**
 * A check-in's committed answer (the engine's reply, completed by `withQuotes`) holds the visit,
 * its secret token and what the customer is told at that moment, so a ticket needs no second
 * read of the store, and a retried check-in answers what the first one did.
 */
export interface CheckedIn {
  /** The ticket without its link: the range only while waiting, nobody named yet. */
  ticket: Omit<Ticket, "customerUrl">;
  token: string;
}

const STATUSES: readonly Ticket["status"][] = ["waiting", "offered", "expected"];

export function checkedIn(reply: Reply): CheckedIn {
  const text = (key: string): string => {
    const value = reply[key];
    if (typeof value !== "string") throw new Error(`a check-in's answer has no ${key}`);
    return value;
  };
  const status = STATUSES.find((s) => s === reply.status) ?? "waiting";
  const { waitLowMin: lowMin, waitHighMin: highMin } = reply;
  const ranged = status === "waiting" && typeof lowMin === "number" && typeof highMin === "number";
  return {
    ticket: {
      visitId: text("visitId"),
      code: text("code"),
      status,
      wait: ranged ? { lowMin, highMin } : null,
      associate: null,
    },
    token: text("token"),
  };
}
