/**
 * Stable error codes. Clients branch on `code`; `message` is for people and may change.
 * Adding a code is backwards compatible; renaming or removing one is not.
 */
export const ErrorCode = {
  /** The payload failed validation (shape, length, enum). Nothing changed. */
  INVALID_COMMAND: "INVALID_COMMAND",
  STORE_NOT_FOUND: "STORE_NOT_FOUND",
  STORE_EXISTS: "STORE_EXISTS",
  INVALID_SETTINGS: "INVALID_SETTINGS",
  INTAKE_PAUSED: "INTAKE_PAUSED",
  UNKNOWN_TOPIC: "UNKNOWN_TOPIC",
  UNKNOWN_LANGUAGE: "UNKNOWN_LANGUAGE",
  TOPIC_IN_USE: "TOPIC_IN_USE",
  VISIT_NOT_FOUND: "VISIT_NOT_FOUND",
  /** The visit is not in a state that allows this command (e.g. leave after done). */
  INVALID_TRANSITION: "INVALID_TRANSITION",
  ASSOCIATE_NOT_FOUND: "ASSOCIATE_NOT_FOUND",
  NOT_SIGNED_IN: "NOT_SIGNED_IN",
  /** The associate holds a visit and cannot do this until it ends or is transferred. */
  ASSOCIATE_BUSY: "ASSOCIATE_BUSY",
  /** Accept/decline of an offer that is no longer pending (expired, withdrawn, answered). */
  OFFER_NOT_PENDING: "OFFER_NOT_PENDING",
  /** The offer exists but was made to another associate. */
  OFFER_NOT_YOURS: "OFFER_NOT_YOURS",
  /** The associate is not serving the visit named in the command. */
  NOT_SERVING: "NOT_SERVING",
  /** An undo asked for after its window (a no-show is undone within 60 s of it). */
  UNDO_EXPIRED: "UNDO_EXPIRED",
  NOT_A_MANAGER: "NOT_A_MANAGER",
  FEEDBACK_NOT_ALLOWED: "FEEDBACK_NOT_ALLOWED",
  FEEDBACK_ALREADY_GIVEN: "FEEDBACK_ALREADY_GIVEN",
  ALERT_NOT_FOUND: "ALERT_NOT_FOUND",
  /** Too many concurrent writers on one store; the command was not applied. Safe to retry. */
  CONFLICT: "CONFLICT",
  /**
   * Too many commands are already waiting on this store (or this server): answered at once,
   * nothing was changed. Retry after a moment (HTTP: 503 with Retry-After).
   */
  BUSY: "BUSY",
  /** The store back end could not be reached. The command was not applied. */
  UNAVAILABLE: "UNAVAILABLE",
  /** No credentials, or credentials that are not (or no longer) valid. */
  UNAUTHORIZED: "UNAUTHORIZED",
  /** Valid credentials, but this role may not do that. */
  FORBIDDEN: "FORBIDDEN",
  /** Associate sign-in with a wrong PIN (or an unknown associate). */
  WRONG_PIN: "WRONG_PIN",
  /** Too many wrong PINs: this associate is locked out for a while. */
  SIGN_IN_LOCKED: "SIGN_IN_LOCKED",
  /** Too many requests from this device, address or account; try again shortly. */
  RATE_LIMITED: "RATE_LIMITED",
  /** A browser page of an origin not in ALLOWED_ORIGINS (nor the server's own) sent this. */
  ORIGIN_NOT_ALLOWED: "ORIGIN_NOT_ALLOWED",
  /** An HTTP resource that does not exist (device, route). */
  NOT_FOUND: "NOT_FOUND",
  /** The request body is larger than the server accepts. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** Something unexpected; logged in full on the server, never detailed to the client. */
  INTERNAL: "INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** The one error type the server throws on purpose; anything else is a bug and becomes INTERNAL. */
export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "AppError";
    this.code = code;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

export const isAppError = (value: unknown): value is AppError => value instanceof AppError;
