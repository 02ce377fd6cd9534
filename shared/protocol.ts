import { z } from "zod";
import { commandSchemas } from "./commands.js";
import type { ErrorBody } from "./errors.js";
import { idSchema } from "./settings.js";
import type { Role, ViewPatch } from "./views.js";

/**
 * The socket.io protocol, typed once for server and pages. Every client-to-server event takes
 * one payload object and an ack; the ack answers `{ ok: true, data }` or `{ ok: false, error }`.
 * Who the sender is (store, associate, visit) comes from the socket's handshake, never from the
 * payload, so a client can only ever act as itself.
 */

export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckFn<T = unknown> = (response: Ack<T>) => void;

/** An event's payload: the engine command less what the socket's identity fills in. */
const asCustomer = { type: true, visitId: true } as const;
const asAssociate = { type: true, associateId: true } as const;
const asManager = { type: true, managerId: true } as const;
const c = commandSchemas;

/** Payload schema of every client-to-server event, derived from the engine's command schemas. */
export const payloadSchemas = {
  "view:sync": z.object({}).strict(),
  // kiosk: the server makes the customer's token; call-ahead comes over HTTP
  "visit:check-in": c["visit:check-in"].omit({
    type: true,
    channel: true,
    customerToken: true,
    arrivingInMin: true,
  }),
  // kiosk: "I'm back", by the code on the ticket
  "visit:resume-by-code": c["visit:resume-by-code"].omit({ type: true }),
  // customer (their own visit)
  "visit:arrive": c["visit:arrive"].omit(asCustomer),
  "visit:pause": c["visit:pause"].omit(asCustomer),
  "visit:resume": c["visit:resume"].omit(asCustomer),
  "visit:leave": c["visit:leave"].omit(asCustomer),
  "feedback:give": c["feedback:give"].omit(asCustomer),
  // associate (as themselves)
  "associate:set-presence": c["associate:set-presence"].omit(asAssociate),
  "offer:accept": c["offer:accept"].omit(asAssociate),
  "offer:decline": c["offer:decline"].omit(asAssociate),
  "visit:complete": c["visit:complete"].omit(asAssociate),
  "visit:no-show": c["visit:no-show"].omit(asAssociate),
  "visit:transfer": c["visit:transfer"].omit(asAssociate),
  "manager:call": c["manager:call"].omit(asAssociate),
  "visit:undo-no-show": c["visit:undo-no-show"].omit(asAssociate),
  "visit:bring-back": c["visit:bring-back"].omit(asAssociate),
  "associate:end-wrap-up": c["associate:end-wrap-up"].omit(asAssociate),
  // a customer who did not use the kiosk, checked in by staff (channel `staff`)
  "visit:walk-in": c["visit:check-in"].omit({
    type: true,
    channel: true,
    customerToken: true,
    arrivingInMin: true,
  }),
  // manager
  "visit:reassign": c["visit:reassign"].omit(asManager),
  "visit:set-priority": c["visit:set-priority"].omit(asManager),
  "intake:pause": c["intake:pause"].omit(asManager),
  "intake:resume": c["intake:resume"].omit(asManager),
  "alert:resolve": c["alert:resolve"].omit(asManager),
  "follow-up:done": c["follow-up:done"].omit(asManager),
  "store:update-settings": c["store:update-settings"].omit(asManager),
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
  "visit:undo-no-show",
  "visit:bring-back",
  "associate:end-wrap-up",
  "visit:walk-in",
] as const satisfies readonly ClientEvent[];

/** What only a manager may send; the server acts on them as that manager (`managerId`). */
export const MANAGER_EVENTS = [
  "visit:reassign",
  "visit:set-priority",
  "intake:pause",
  "intake:resume",
  "alert:resolve",
  "follow-up:done",
  "store:update-settings",
] as const satisfies readonly ClientEvent[];

/** Which events each role may send. Anything else is answered FORBIDDEN. */
export const eventsByRole: Record<Role, readonly ClientEvent[]> = {
  kiosk: ["view:sync", "visit:check-in", "visit:resume-by-code"],
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
/**
 * A command's answer also says whether it is the answer to a request id applied before
 * (`duplicate: true`: the first answer again, nothing changed now).
 */
const command = { ...version, duplicate: z.boolean() };
const reply = <S extends z.ZodRawShape>(shape: S) => z.object({ ...shape, ...command }).strict();
const visitReply = reply({ visitId: idSchema });
const offerReply = reply({ offerId: idSchema, visitId: idSchema });

/**
 * What each client-to-server event answers in `data` when it succeeds: typed once, so a page's
 * or a test's `send(event, …)` knows its answer without a cast. Every answer carries the store
 * `version` the command was committed at (or read at), and every command's answer `duplicate`.
 */
export const replySchemas = {
  "view:sync": z.object(version).strict(),
  "visit:check-in": ticketSchema.extend(command),
  "visit:arrive": visitReply,
  "visit:pause": visitReply,
  "visit:resume": visitReply,
  "visit:leave": visitReply,
  "feedback:give": visitReply,
  "associate:set-presence": reply({ associateId: idSchema }),
  "offer:accept": offerReply,
  "offer:decline": offerReply,
  "visit:complete": visitReply,
  "visit:no-show": reply({ visitId: idSchema, undoUntil: z.number().int() }),
  "visit:transfer": visitReply,
  "manager:call": reply({ alertId: idSchema }),
  "visit:undo-no-show": reply({ visitId: idSchema, status: z.enum(["serving", "waiting"]) }),
  "visit:bring-back": visitReply,
  "associate:end-wrap-up": reply({ associateId: idSchema }),
  "visit:walk-in": ticketSchema.extend(command),
  "visit:resume-by-code": reply({ visitId: idSchema, code: z.string() }),
  "visit:reassign": visitReply,
  "visit:set-priority": visitReply,
  "intake:pause": reply({ intakeOpen: z.boolean() }),
  "intake:resume": reply({ intakeOpen: z.boolean() }),
  "alert:resolve": reply({ alertId: idSchema }),
  "follow-up:done": visitReply,
  "store:update-settings": reply({ storeId: idSchema }),
} as const satisfies Record<ClientEvent, z.ZodType>;

export type Reply<E extends ClientEvent> = z.infer<(typeof replySchemas)[E]>;

export type ClientToServerEvents = {
  [E in ClientEvent]: (payload: Payload<E>, ack: AckFn<Reply<E>>) => void;
};

export interface ServerToClientEvents {
  /**
   * The socket's view, as the change from the one sent before it (`since`; -1: a whole view, on
   * connect and on `view:sync`). Apply it only to the view of version `since`; holding
   * another, ask for `view:sync`. Sent only when the view changed: one message per change.
   */
  "view:patch": (update: ViewPatch) => void;
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
