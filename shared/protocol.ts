import { z } from "zod";
import {
  outcomeSchema,
  presenceSchema,
  requestIdSchema,
  satisfactionSchema,
  shortText,
} from "./commands.js";
import type { ErrorBody } from "./errors.js";
import { idSchema, languageSchema, storeSettingsSchema } from "./settings.js";
import type { BoardUpdate, OwnUpdate, Role, Versioned } from "./views.js";

/**
 * The socket.io protocol, typed once for server and pages. Every client-to-server event takes
 * one payload object and an ack; the ack answers `{ ok: true, data }` or `{ ok: false, error }`.
 * Who the sender is (store, associate, visit) comes from the socket's handshake, never from the
 * payload, so a client can only ever act as itself.
 */

export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckFn<T = unknown> = (response: Ack<T>) => void;

const withRequest = <S extends z.ZodRawShape>(shape: S) =>
  z.object({ requestId: requestIdSchema, ...shape }).strict();

/** Payload schema of every client-to-server event. */
export const payloadSchemas = {
  "view:sync": z.object({}).strict(),
  // kiosk
  "visit:check-in": withRequest({
    topicId: idSchema,
    name: shortText(40).default(""),
    language: languageSchema.optional(),
    note: shortText(500).default(""),
  }),
  // customer (their own visit)
  "visit:arrive": withRequest({}),
  "visit:pause": withRequest({}),
  "visit:resume": withRequest({}),
  "visit:leave": withRequest({}),
  "feedback:give": withRequest({
    satisfaction: satisfactionSchema,
    comment: shortText(1000).default(""),
    kudos: z.boolean().default(false),
  }),
  // associate (as themselves)
  "associate:set-presence": withRequest({ presence: presenceSchema }),
  "offer:accept": withRequest({ offerId: idSchema }),
  "offer:decline": withRequest({ offerId: idSchema, reason: shortText(200).default("") }),
  "visit:complete": withRequest({
    visitId: idSchema,
    outcome: outcomeSchema,
    note: shortText(1000).default(""),
  }),
  "visit:no-show": withRequest({ visitId: idSchema }),
  "visit:transfer": withRequest({
    visitId: idSchema,
    toTopicId: idSchema.optional(),
    toAssociateId: idSchema.optional(),
    note: shortText(500).default(""),
  }),
  "manager:call": withRequest({ visitId: idSchema.optional(), note: shortText(500).default("") }),
  // manager
  "visit:reassign": withRequest({ visitId: idSchema, toAssociateId: idSchema.optional() }),
  "visit:set-priority": withRequest({
    visitId: idSchema,
    priority: z.number().int().min(0).max(9),
  }),
  "intake:pause": withRequest({}),
  "intake:resume": withRequest({}),
  "alert:resolve": withRequest({ alertId: idSchema }),
  "store:update-settings": withRequest({ settings: storeSettingsSchema }),
} as const;

export type ClientEvent = keyof typeof payloadSchemas;
export type Payload<E extends ClientEvent> = z.input<(typeof payloadSchemas)[E]>;

const ASSOCIATE_EVENTS = [
  "view:sync",
  "associate:set-presence",
  "offer:accept",
  "offer:decline",
  "visit:complete",
  "visit:no-show",
  "visit:transfer",
  "manager:call",
] as const satisfies readonly ClientEvent[];

/** What only a manager may send; the server acts on them as that manager (`managerId`). */
export const MANAGER_EVENTS = [
  "visit:reassign",
  "visit:set-priority",
  "intake:pause",
  "intake:resume",
  "alert:resolve",
  "store:update-settings",
] as const satisfies readonly ClientEvent[];

/** Which events each role may send. Anything else is answered FORBIDDEN. */
export const eventsByRole: Record<Role, readonly ClientEvent[]> = {
  kiosk: ["view:sync", "visit:check-in"],
  display: ["view:sync"],
  customer: [
    "view:sync",
    "visit:arrive",
    "visit:pause",
    "visit:resume",
    "visit:leave",
    "feedback:give",
  ],
  associate: ASSOCIATE_EVENTS,
  manager: [...ASSOCIATE_EVENTS, ...MANAGER_EVENTS],
};

const waitRangeSchema = z
  .object({ lowMin: z.number().int(), highMin: z.number().int() })
  .nullable();

/** What a kiosk check-in answers: the ticket. */
export const ticketSchema = z
  .object({
    visitId: idSchema,
    code: z.string(),
    /** The customer's own page (holds their secret token). */
    customerUrl: z.string(),
    wait: waitRangeSchema,
    /** `offered` when an associate was free and is being asked (nobody is named until they accept). */
    status: z.enum(["waiting", "offered", "expected"]),
    /** Who accepted and is on the way; null until someone has (never named on offer). */
    associate: z.object({ firstName: z.string(), initials: z.string() }).nullable(),
  })
  .strict();
export type Ticket = z.infer<typeof ticketSchema>;

const version = { version: z.number().int().min(0) };
const reply = <S extends z.ZodRawShape>(shape: S) => z.object({ ...shape, ...version }).strict();
const visitReply = reply({ visitId: idSchema });
const offerReply = reply({ offerId: idSchema, visitId: idSchema });

/**
 * What each client-to-server event answers in `data` when it succeeds: typed once, so a page's
 * or a test's `send(event, …)` knows its answer without a cast. Every answer carries the store
 * `version` the command was committed at (or read at).
 */
export const replySchemas = {
  "view:sync": reply({}),
  "visit:check-in": ticketSchema.extend(version),
  "visit:arrive": visitReply,
  "visit:pause": visitReply,
  "visit:resume": visitReply,
  "visit:leave": visitReply,
  "feedback:give": visitReply,
  "associate:set-presence": reply({ associateId: idSchema }),
  "offer:accept": offerReply,
  "offer:decline": offerReply,
  "visit:complete": visitReply,
  "visit:no-show": visitReply,
  "visit:transfer": visitReply,
  "manager:call": reply({ alertId: idSchema }),
  "visit:reassign": visitReply,
  "visit:set-priority": visitReply,
  "intake:pause": reply({ intakeOpen: z.boolean() }),
  "intake:resume": reply({ intakeOpen: z.boolean() }),
  "alert:resolve": reply({ alertId: idSchema }),
  "store:update-settings": reply({ storeId: idSchema }),
} as const satisfies Record<ClientEvent, z.ZodType>;

export type Reply<E extends ClientEvent> = z.infer<(typeof replySchemas)[E]>;

export type ClientToServerEvents = {
  [E in ClientEvent]: (payload: Payload<E>, ack: AckFn<Reply<E>>) => void;
};

export interface ServerToClientEvents {
  /** The whole view for this socket's role, on connect and on `view:sync`. */
  "view:full": (update: Versioned) => void;
  /**
   * The view after a change. Versions only grow; ignore one older than what you hold. `since`
   * is the version of the view sent before it: above what you hold, you missed one.
   */
  "view:update": (update: Versioned) => void;
  /**
   * Plain associates: the part every associate of the store shares (line, colleagues, topics),
   * after a change. Replace those fields of the view you hold if it is newer.
   */
  "board:update": (update: BoardUpdate) => void;
  /**
   * Plain associates: their own part (me, offer, visit) when it changed, right after the board
   * of the same version. Replace those fields.
   */
  "view:own": (update: OwnUpdate) => void;
  /** The session or device was revoked, or the visit's page expired: sign in again. */
  "session:ended": (reason: { code: string; message: string }) => void;
}

/** Handshake `auth` of each kind of client. */
export const handshakeSchema = z.union([
  z.object({ storeId: idSchema, deviceToken: z.string().min(20).max(200) }).strict(),
  z.object({ storeId: idSchema, customerToken: z.string().min(21).max(64) }).strict(),
  z.object({ storeId: idSchema, sessionToken: z.string().min(20).max(200) }).strict(),
]);
export type Handshake = z.infer<typeof handshakeSchema>;
