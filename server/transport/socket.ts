import { nanoid } from "nanoid";
import type { CommandInput } from "../../shared/commands.js";
import { AppError, type ErrorBody, isAppError } from "../../shared/errors.js";
import {
  type Ack,
  type ClientEvent,
  MANAGER_EVENTS,
  eventsByRole,
  handshakeSchema,
  payloadSchemas,
} from "../../shared/protocol.js";
import { checkedIn } from "../app/check-in-reply.js";
import type { CommandResult, QueueService } from "../app/queue-service.js";
import type { Credentials, Identity } from "../auth/credentials.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "./metrics.js";
import type { AppSocket, IoServer, Publisher } from "./publisher.js";
import type { RateLimits } from "./rate-limits.js";
import { rooms, roomsOf } from "./rooms.js";

export interface SocketDeps {
  io: IoServer;
  service: QueueService;
  credentials: Credentials;
  publisher: Publisher;
  limits: RateLimits;
  metrics: Metrics;
  logger: Logger;
  clock: () => number;
  /** Set once the server is shutting down (see SocketsHandle). */
  shuttingDown?: boolean;
  /** Builds the customer's own page URL from their token. */
  customerUrl: (storeId: string, token: string) => string;
}

/**
 * The socket.io side: authenticates every socket at the handshake, puts it in its store's and
 * role's rooms, sends it its full view, and turns its events into engine commands acting as the
 * socket's own identity. Every event is checked against the role and validated; a bad one gets
 * an error ack and changes nothing; an event without an ack is ignored.
 */
export interface SocketsHandle {
  /**
   * For a shutdown: from now on a disconnect is recorded without asking the other sockets (they
   * are all going), and the returned promise settles once every tracking command is done.
   */
  shutdown(): () => Promise<void>;
  /**
   * This process holds a tablet of an associate the store has as disconnected (another process
   * recorded a disconnect, racing this tablet's connect, or went down): record it connected.
   */
  reassert(identity: Identity & { associateId: string }): void;
}

export function attachSockets(deps: SocketDeps): SocketsHandle {
  const { io, service, credentials, logger } = deps;

  io.use(async (socket, next) => {
    try {
      const parsed = handshakeSchema.safeParse(socket.handshake.auth);
      if (!parsed.success)
        throw new AppError("UNAUTHORIZED", "Sign in first: no valid credentials were sent.");
      const state = await service.state(parsed.data.storeId);
      socket.data.identity = await credentials.identify(parsed.data, state);
      next();
    } catch (error) {
      const body = toErrorBody(error, logger);
      const refusal = new Error(body.message) as Error & { data: ErrorBody };
      refusal.data = body;
      next(refusal);
    }
  });

  io.on("connection", (socket: AppSocket) => {
    const identity = socket.data.identity;
    // Nothing reads the handshake's HTTP request after this (`socket.handshake` keeps what was
    // sent): letting it go saves some kilobytes per connection held open all day.
    (socket.conn as unknown as { request: unknown }).request = null;
    deps.metrics.socketConnected(identity.role);
    void socket.join(roomsOf(identity));
    background(deps.publisher.sendWhole(socket, false), deps, "sending the whole view");
    if (identity.role === "associate" || identity.role === "manager")
      background(
        oneAtATime(identity, () => tabletConnected(identity, deps)),
        deps,
        "tracking a tablet connection",
      );

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack !== "function") return;
      const payload = args.length > 1 ? args[0] : undefined;
      void handle(socket, event, payload, deps).then(
        (response) => (ack as (r: Ack) => void)(response),
        (error: unknown) =>
          (ack as (r: Ack) => void)({ ok: false, error: toErrorBody(error, logger) }),
      );
    });

    socket.on("disconnect", () => {
      deps.metrics.socketDisconnected(identity.role);
      if (identity.role === "associate" || identity.role === "manager")
        background(
          oneAtATime(identity, () => tabletDisconnected(identity, deps)),
          deps,
          "tracking a tablet disconnection",
        );
    });
  });
  const reasserting = new Set<string>();
  return {
    reassert(identity) {
      const key = `${identity.storeId}/${identity.associateId}`;
      if (deps.shuttingDown || reasserting.has(key)) return;
      reasserting.add(key);
      const work = oneAtATime(identity, () => tabletConnected(identity, deps));
      background(
        work.finally(() => reasserting.delete(key)),
        deps,
        "recording a tablet connected again",
      );
    },
    shutdown() {
      deps.shuttingDown = true;
      return async () => {
        while (tracking.size > 0) await Promise.allSettled([...tracking.values()]);
      };
    },
  };
}

async function handle(
  socket: AppSocket,
  event: string,
  payload: unknown,
  deps: SocketDeps,
): Promise<Ack> {
  const identity = socket.data.identity;
  // Own keys only: "constructor" or "__proto__" are not events.
  if (!Object.hasOwn(payloadSchemas, event)) {
    return fail("INVALID_COMMAND", `There is no event ${event.slice(0, 40)}.`);
  }
  const name = event as ClientEvent;
  if (!eventsByRole[identity.role].includes(name)) {
    return fail("FORBIDDEN", `A ${identity.role} may not send ${name}.`);
  }
  // A missing payload is refused like a malformed one, view:sync's too.
  const parsed = payloadSchemas[name].safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    const code = issue?.path[0] === "settings" ? "INVALID_SETTINGS" : "INVALID_COMMAND";
    return fail(code, `${where}${issue?.message ?? "malformed payload"}`);
  }
  if (name === "view:sync") {
    const version = await deps.publisher.sendWhole(socket, true);
    return version !== undefined
      ? { ok: true, data: { version } }
      : fail("VISIT_NOT_FOUND", "That visit is gone.");
  }
  if (name === "visit:check-in" && identity.role === "kiosk") {
    const limited = await deps.limits.kioskCheckIn(identity.deviceId);
    if (limited) return { ok: false, error: limited };
  }
  const command = toCommand(name, parsed.data as Record<string, unknown>, identity);
  const result = await deps.service.execute(identity.storeId, command, deps.clock());
  return answer(name, result, identity, deps);
}

const managerEvents = new Set<ClientEvent>(MANAGER_EVENTS);

/** Events that check a customer in, and the channel each records. */
const CHECK_IN_CHANNELS: Partial<Record<ClientEvent, "kiosk" | "staff">> = {
  "visit:check-in": "kiosk",
  "visit:walk-in": "staff",
};

/** The engine command for an event, acting as the socket's own identity. */
function toCommand(
  event: ClientEvent,
  payload: Record<string, unknown>,
  identity: Identity,
): CommandInput {
  const channel = CHECK_IN_CHANNELS[event];
  // A check-in (the kiosk's, or a walk-in added by staff): the server makes the secret token.
  if (channel !== undefined)
    return {
      ...payload,
      type: "visit:check-in",
      channel,
      customerToken: nanoid(32),
    } as CommandInput;
  const base = { ...payload, type: event } as Record<string, unknown>;
  switch (identity.role) {
    case "kiosk":
      return base as CommandInput;
    case "customer":
      return { ...base, visitId: identity.visitId } as CommandInput;
    case "associate":
    case "manager": {
      return (
        managerEvents.has(event)
          ? { ...base, managerId: identity.associateId }
          : { ...base, associateId: identity.associateId }
      ) as CommandInput;
    }
    default:
      throw new AppError("FORBIDDEN", "This device may not do that.");
  }
}

async function answer(
  event: ClientEvent,
  result: CommandResult,
  identity: Identity,
  deps: SocketDeps,
): Promise<Ack> {
  if (!result.ok) return { ok: false, error: result.error };
  if (CHECK_IN_CHANNELS[event] !== undefined) {
    const { ticket, token } = checkedIn(result.data);
    return {
      ok: true,
      data: {
        ...ticket,
        customerUrl: deps.customerUrl(identity.storeId, token),
        version: result.version,
        duplicate: result.duplicate,
      },
    };
  }
  const { token: _secret, ...data } = result.data as Record<string, unknown>;
  return { ok: true, data: { ...data, version: result.version, duplicate: result.duplicate } };
}

const tracking = new Map<string, Promise<void>>();

/**
 * Runs an associate's connect and disconnect tracking in order, so that a quick reload (the old
 * socket's disconnect check still running as the new one connects) cannot end "disconnected".
 */
function oneAtATime(
  identity: Identity & { associateId: string },
  task: () => Promise<void>,
): Promise<void> {
  const key = `${identity.storeId}/${identity.associateId}`;
  const previous = tracking.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  const tail = next.catch(() => undefined);
  tracking.set(key, tail);
  void tail.then(() => {
    if (tracking.get(key) === tail) tracking.delete(key);
  });
  return next;
}

async function tabletConnected(
  identity: Identity & { associateId: string },
  deps: SocketDeps,
): Promise<void> {
  const state = await deps.service.state(identity.storeId);
  if (state.associates.get(identity.associateId)?.connected) return;
  await run(deps, identity.storeId, {
    type: "tablet:connected",
    associateId: identity.associateId,
  });
}

async function tabletDisconnected(
  identity: Identity & { associateId: string },
  deps: SocketDeps,
): Promise<void> {
  // Another tablet (here or in another process) may still be signed in as this associate.
  // Not while shutting down: every socket here is going, and a tablet that comes back to another
  // process within the grace keeps its offer.
  const room = rooms.associate(identity.storeId, identity.associateId);
  if (!deps.shuttingDown && (await tabletsIn(room, deps)) > 0) return;
  // A tablet of the same associate may have come back on another process between the look and
  // this commit: that process sees the commit and records it connected again (`reassert`).
  await run(deps, identity.storeId, {
    type: "tablet:disconnected",
    associateId: identity.associateId,
  });
}

/**
 * How many sockets are in `room`, on every process; only this process's when the others do not
 * all answer (one is going down, or the adapter's link is slow). Counting too few is safe: a
 * disconnect recorded while a tablet is connected elsewhere is undone by the process holding it
 * (`reassert`), while not recording one would leave an offer on a closed tablet.
 */
async function tabletsIn(room: string, deps: SocketDeps): Promise<number> {
  try {
    return (await deps.io.in(room).fetchSockets()).length;
  } catch (err) {
    deps.logger.info({ err, room }, "other processes did not say whether they hold a tablet");
    return deps.io.of("/").adapter.rooms.get(room)?.size ?? 0;
  }
}

async function run(
  deps: SocketDeps,
  storeId: string,
  input: Record<string, unknown>,
): Promise<void> {
  const result = await deps.service.execute(
    storeId,
    { requestId: `srv-${nanoid(16)}`, ...input },
    deps.clock(),
  );
  if (!result.ok && result.error.code !== "ASSOCIATE_NOT_FOUND") {
    deps.logger.warn(
      { storeId, command: input.type, error: result.error },
      "connection tracking command refused",
    );
  }
}

/** Work a socket starts but nobody awaits: a failure (store or adapter down) is logged, never thrown. */
function background(work: Promise<unknown>, deps: SocketDeps, what: string): void {
  work.catch((err: unknown) => deps.logger.warn({ err }, `${what} failed`));
}

const fail = (code: ErrorBody["code"], message: string): Ack => ({
  ok: false,
  error: { code, message },
});

export function toErrorBody(error: unknown, logger: Logger): ErrorBody {
  if (isAppError(error)) return error.toBody();
  logger.error({ err: error }, "unexpected error");
  return { code: "INTERNAL", message: "Something went wrong; nothing was changed." };
}
