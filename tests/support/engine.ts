import {
  type DomainEvent,
  type Reply,
  type StoreState,
  decide,
  emptyState,
} from "../../server/domain/index.js";
import { type Command, type CommandInput, commandSchema } from "../../shared/commands.js";
import type { ErrorBody } from "../../shared/errors.js";
import type { StoreSettingsInput } from "../../shared/settings.js";
import { storeSettingsSchema } from "../../shared/settings.js";

/** Test helpers for driving the pure engine directly, with time passed in. */

export const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
export const SEC = 1000;
export const MIN = 60_000;

export const demoSettings: StoreSettingsInput = {
  name: "Test store",
  timezone: "Europe/Kyiv",
  languages: ["en", "uk", "es"],
  topics: [
    { id: "phones", name: "Phones", letter: "P", skill: "phones", expectedServiceMin: 6 },
    { id: "fitting", name: "Fitting room", letter: "F", skill: "fashion", expectedServiceMin: 4 },
    { id: "returns", name: "Returns", letter: "R", skill: "service", expectedServiceMin: 3 },
  ],
  offerTimeoutSec: 30,
  disconnectGraceSec: 15,
  wideningMin: 10,
  wrapUpSec: 0,
  slaWaitMin: 15,
  callAheadHoldMin: 30,
};

/** A command as a test writes it: any command, without its request id. */
export type CommandBody = CommandInput extends infer C
  ? C extends unknown
    ? Omit<C, "requestId">
    : never
  : never;

let requestCounter = 0;
/** A fresh request id for every command, as a well-behaved client sends. */
export const rid = (): string => `req-${(++requestCounter).toString().padStart(6, "0")}`;

export type Step = { state: StoreState; events: DomainEvent[]; reply: Reply };

/** Runs a command that must succeed; returns the new state and what it emitted. */
export function run(state: StoreState, input: CommandBody, now: number): Step {
  const command = commandSchema.parse({ requestId: rid(), ...input }) as Command;
  const decision = decide(state, command, now);
  if (!decision.ok)
    throw new Error(`${command.type} refused: ${decision.error.code} ${decision.error.message}`);
  return { state: decision.state, events: decision.events, reply: decision.reply };
}

/** Runs a command that must be refused; returns the error. */
export function refuse(state: StoreState, input: CommandBody, now: number): ErrorBody {
  const command = commandSchema.parse({ requestId: rid(), ...input }) as Command;
  const decision = decide(state, command, now);
  if (decision.ok)
    throw new Error(`${command.type} was accepted: ${JSON.stringify(decision.events)}`);
  return decision.error;
}

export interface AssociateSpec {
  id: string;
  skills?: string[];
  languages?: string[];
  manager?: boolean;
  signIn?: boolean;
}

/** A created store with the given associates registered and (by default) signed in, in order. */
export function storeWith(
  associates: AssociateSpec[] = [],
  settings: Partial<StoreSettingsInput> = {},
  now = T0,
): StoreState {
  let state = run(
    emptyState("s1"),
    { type: "store:create", settings: storeSettingsSchema.parse({ ...demoSettings, ...settings }) },
    now,
  ).state;
  for (const a of associates) {
    state = run(
      state,
      {
        type: "associate:register",
        associateId: a.id,
        name: a.id.charAt(0).toUpperCase() + a.id.slice(1),
        skills: a.skills ?? ["phones"],
        languages: a.languages ?? ["en"],
        manager: a.manager ?? false,
      },
      now,
    ).state;
  }
  for (const a of associates) {
    if (a.signIn !== false)
      state = run(state, { type: "associate:sign-in", associateId: a.id }, now).state;
  }
  return state;
}

let tokenCounter = 0;
export const token = (): string => `tok_${(++tokenCounter).toString().padStart(20, "0")}`;

/** Checks a customer in at the kiosk; returns the step and the new visit's id. */
export function checkIn(
  state: StoreState,
  now: number,
  extra: {
    topicId?: string;
    language?: string;
    channel?: "kiosk" | "remote" | "staff";
    arrivingInMin?: number;
  } = {},
): Step & { visitId: string } {
  const step = run(
    state,
    {
      type: "visit:check-in",
      topicId: extra.topicId ?? "phones",
      channel: extra.channel ?? "kiosk",
      customerToken: token(),
      name: "Alex",
      ...(extra.language ? { language: extra.language } : {}),
      ...(extra.arrivingInMin !== undefined ? { arrivingInMin: extra.arrivingInMin } : {}),
    },
    now,
  );
  return { ...step, visitId: String(step.reply.visitId) };
}

/** The pending offer an associate holds, or throws. */
export function offerOf(
  state: StoreState,
  associateId: string,
): { offerId: string; visitId: string } {
  const offerId = state.associates.get(associateId)?.offerId;
  if (!offerId) throw new Error(`${associateId} holds no offer`);
  const offer = state.offers.get(offerId);
  if (!offer) throw new Error(`offer ${offerId} missing`);
  return { offerId, visitId: offer.visitId };
}

/**
 * A queue lag bound (`maxLagMs`) no test reaches: tests of what the queue does must not have a
 * loaded machine's pauses turn commands away as BUSY (tests/contract/overload.test.ts tests it).
 */
export const NO_LAG_BOUND = 60_000;
