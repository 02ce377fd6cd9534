import type { PushKind } from "./subscriptions.js";

/** What a notification says: its title and one line. */
export interface PushText {
  title: string;
  body: string;
}

/** What a message needs to be written: the store, the code, and the kind's own detail. */
export type PushFacts =
  | { kind: "ahead"; storeName: string; code: string; ahead: number }
  | { kind: "coming"; storeName: string; code: string; associate: string }
  | { kind: "hold"; storeName: string; code: string; minutes: number };

type Writer = { [K in PushKind]: (facts: Extract<PushFacts, { kind: K }>) => PushText };

/** Ukrainian plural form of a count: one, few, many. */
function ukPlural(n: number, one: string, few: string, many: string): string {
  const tens = n % 100;
  const units = n % 10;
  if (units === 1 && tens !== 11) return one;
  if (units >= 2 && units <= 4 && (tens < 12 || tens > 14)) return few;
  return many;
}

const TEXTS: Record<string, Writer> = {
  en: {
    ahead: (f) => ({
      title: f.ahead === 0 ? `${f.code}: you're next` : `${f.code}: ${f.ahead} ahead of you`,
      body:
        f.ahead === 0
          ? `${f.storeName}: you're next in line. Please stay close.`
          : `${f.storeName}: ${f.ahead === 1 ? "1 person is" : `${f.ahead} people are`} ahead of you.`,
    }),
    coming: (f) => ({
      title: `${f.code}: ${f.associate} is coming`,
      body: `${f.storeName}: ${f.associate} will help you now.`,
    }),
    hold: (f) => ({
      title: `${f.code}: your place ends soon`,
      body: `${f.storeName} keeps your place ${f.minutes} more min. Tap "I'm here" when you arrive.`,
    }),
  },
  uk: {
    ahead: (f) => ({
      title: f.ahead === 0 ? `${f.code}: ви наступні` : `${f.code}: перед вами ${f.ahead}`,
      body:
        f.ahead === 0
          ? `${f.storeName}: ви наступні в черзі. Будь ласка, будьте поруч.`
          : `${f.storeName}: перед вами ${f.ahead} ${ukPlural(f.ahead, "людина", "людини", "людей")}.`,
    }),
    coming: (f) => ({
      title: `${f.code}: ${f.associate} вже йде`,
      body: `${f.storeName}: ${f.associate} зараз вам допоможе.`,
    }),
    hold: (f) => ({
      title: `${f.code}: ваше місце скоро скінчиться`,
      body: `${f.storeName} тримає ваше місце ще ${f.minutes} хв. Натисніть «Я вже тут», коли прийдете.`,
    }),
  },
  es: {
    ahead: (f) => ({
      title:
        f.ahead === 0
          ? `${f.code}: usted es el siguiente`
          : `${f.code}: ${f.ahead} delante de usted`,
      body:
        f.ahead === 0
          ? `${f.storeName}: es el siguiente en la fila. Por favor, quédese cerca.`
          : `${f.storeName}: ${f.ahead === 1 ? "hay 1 persona" : `hay ${f.ahead} personas`} delante de usted.`,
    }),
    coming: (f) => ({
      title: `${f.code}: ${f.associate} va hacia usted`,
      body: `${f.storeName}: ${f.associate} le atenderá ahora.`,
    }),
    hold: (f) => ({
      title: `${f.code}: su lugar termina pronto`,
      body: `${f.storeName} guarda su lugar ${f.minutes} min más. Toque «Ya estoy aquí» al llegar.`,
    }),
  },
};

/** The languages messages are written in; any other gets English. */
export const PUSH_LANGUAGES = Object.keys(TEXTS);

/** The message for `facts` in `language` (its base language: `es-MX` is written as `es`). */
export function pushText(language: string, facts: PushFacts): PushText {
  const writer = TEXTS[language] ?? TEXTS[language.split("-")[0] ?? ""] ?? (TEXTS.en as Writer);
  return (writer[facts.kind] as (f: PushFacts) => PushText)(facts);
}
