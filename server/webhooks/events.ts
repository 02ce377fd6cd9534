import type { Committed } from "../app/queue-service.js";
import type { DomainEvent, StoreState, Visit } from "../domain/index.js";

/** What a store's webhook is told about, in the protocol's `noun:verb` style. */
export const WEBHOOK_EVENT_TYPES = [
  "visit:checked-in",
  "visit:offered",
  "visit:serving",
  "visit:done",
  "visit:reopened",
  "visit:left",
  "feedback:given",
  "visit:follow-up-needed",
  "visit:followed-up",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The body of one delivery. It never carries the customer's token, name, note or contact. */
export interface WebhookEvent {
  /** Unique per event and the same on every retry of it: `<storeId>:<version>:<index>`. */
  id: string;
  type: WebhookEventType;
  storeId: string;
  /** When it happened (the commit's time), ISO 8601. */
  at: string;
  /** The store's version after the commit that carried it. */
  version: number;
  data: Record<string, unknown>;
}

/**
 * The webhook events of one commit, in the order the engine produced them. Pure: reads only the
 * commit and the state right after it (which still holds ended visits, for feedback).
 */
export function webhookEventsOf({ storeId, commit, state }: Committed): WebhookEvent[] {
  const out: WebhookEvent[] = [];
  commit.events.forEach((event, index) => {
    const described = describe(event, state, commit.reply);
    if (!described) return;
    out.push({
      id: `${storeId}:${commit.version}:${index}`,
      type: described.type,
      storeId,
      at: new Date(commit.at).toISOString(),
      version: commit.version,
      data: described.data,
    });
  });
  return out;
}

type Described = { type: WebhookEventType; data: Record<string, unknown> } | undefined;

function describe(event: DomainEvent, state: StoreState, reply: unknown): Described {
  switch (event.type) {
    case "visit:checked-in":
      return {
        type: "visit:checked-in",
        data: {
          ...visitBasics(event.visitId, state),
          code: event.code,
          topicId: event.topicId,
          channel: event.channel,
          language: event.language ?? null,
          // Call-ahead visits are `expected` until they arrive or their hold runs out.
          expectedUntil: event.holdUntil === undefined ? null : iso(event.holdUntil),
        },
      };
    case "offer:created":
      return {
        type: "visit:offered",
        data: {
          ...visitBasics(event.visitId, state),
          offerId: event.offerId,
          associateId: event.associateId,
          deadline: iso(event.deadline),
        },
      };
    case "offer:accepted": {
      const visitId = acceptedVisit(event.offerId, reply);
      if (!visitId) return undefined;
      const visit = visitOf(visitId, state);
      return {
        type: "visit:serving",
        data: {
          ...visitBasics(visitId, state),
          offerId: event.offerId,
          associateId: visit?.associateId ?? null,
        },
      };
    }
    case "visit:completed":
      return {
        type: "visit:done",
        data: {
          ...visitBasics(event.visitId, state),
          associateId: visitOf(event.visitId, state)?.associateId ?? null,
          outcome: event.outcome,
        },
      };
    case "visit:no-show-undone":
      // A no-show taken back: the `visit:done` (no_show) sent before no longer stands.
      return {
        type: "visit:reopened",
        data: {
          ...visitBasics(event.visitId, state),
          associateId: visitOf(event.visitId, state)?.associateId ?? null,
          status: event.serving ? "serving" : "waiting",
        },
      };
    case "visit:left":
    case "visit:expired":
      return {
        type: "visit:left",
        data: {
          ...visitBasics(event.visitId, state),
          reason: event.type === "visit:left" ? "left" : "expired",
        },
      };
    case "feedback:given":
      return {
        type: "feedback:given",
        data: {
          ...visitBasics(event.visitId, state),
          associateId: visitOf(event.visitId, state)?.associateId ?? null,
          satisfaction: event.satisfaction,
          kudos: event.kudos,
          comment: event.comment,
        },
      };
    case "visit:follow-up-needed":
    case "visit:followed-up": {
      // From the follow-up list, which keeps the visit's code after the visit leaves the state.
      const followUp = state.followUps.get(event.visitId);
      const about = {
        visitId: event.visitId,
        code: followUp?.code ?? null,
        topicId: followUp?.topicId ?? null,
        associateId: followUp?.associateId ?? null,
      };
      return event.type === "visit:follow-up-needed"
        ? {
            type: "visit:follow-up-needed",
            data: {
              ...about,
              outcome: "resolved",
              satisfaction: followUp?.satisfaction ?? null,
              comment: followUp?.comment ?? "",
            },
          }
        : {
            type: "visit:followed-up",
            data: { ...about, followedUpBy: event.by ?? null, note: event.note },
          };
    }
    default:
      return undefined;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

const visitOf = (visitId: string, state: StoreState): Visit | undefined =>
  state.visits.get(visitId) ?? state.closed.get(visitId);

function visitBasics(visitId: string, state: StoreState): Record<string, unknown> {
  const visit = visitOf(visitId, state);
  return { visitId, code: visit?.code ?? null, topicId: visit?.topicId ?? null };
}

/** offer:accepted names only the offer; the accept command's reply names its visit. */
function acceptedVisit(offerId: string, reply: unknown): string | undefined {
  const r = reply as { offerId?: unknown; visitId?: unknown } | null;
  return r?.offerId === offerId && typeof r.visitId === "string" ? r.visitId : undefined;
}
