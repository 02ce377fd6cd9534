/**
 * A decline's reason is free text (up to 200 characters) and could name someone, so analytics
 * keep only the reasons the tablet offers (their code, or their label in a shipped language,
 * client/src/i18n) and count any other (or none given) as `other`.
 */
const REASONS: Record<string, string> = {
  busy: "busy",
  not_my_skill: "not_my_skill",
  language: "language",
  on_break: "on_break",
  "busy with something else": "busy",
  "not my area": "not_my_skill",
  "going on a break": "on_break",
  "зайнятий іншим": "busy",
  "не мій відділ": "not_my_skill",
  мова: "language",
  "іду на перерву": "on_break",
  "ocupado con otra cosa": "busy",
  "no es mi área": "not_my_skill",
  idioma: "language",
  "me voy de descanso": "on_break",
};

export { DECLINE_REASONS } from "../../shared/analytics.js";

export function declineReason(text: string): string {
  return REASONS[text.trim().toLowerCase()] ?? "other";
}
