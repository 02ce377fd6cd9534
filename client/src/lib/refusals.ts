import { hasText, language, t } from "./i18n.js";

/**
 * Who reads a refusal. `staff` and `customer` read it on their own page; `kiosk` is a screen
 * the public shares, where a server message (it names visit and topic ids) is never shown when
 * there is a sentence for its code, in English too.
 */
export type Audience = "staff" | "customer" | "kiosk";

/** What the server answers when it refuses: a stable code and an English message. */
export interface Refusal {
  code: string;
  message: string;
}

/**
 * What a refusal from the server says to whoever met it, in the page's language. In English on
 * a person's own page: the server's message, which names who did what. Otherwise the sentence
 * for its code, staff wording (`staffError.CODE`) before the customers' (`error.CODE`); the
 * server's message only for a code without one.
 */
export function refusalText(refusal: Refusal, audience: Audience): string {
  if (audience !== "kiosk" && language() === "en") return refusal.message;
  const keys = [`error.${refusal.code}`];
  if (audience === "staff") keys.unshift(`staffError.${refusal.code}`);
  const key = keys.find(hasText);
  return key ? t(key) : refusal.message;
}
