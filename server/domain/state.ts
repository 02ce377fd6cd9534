import { Map as IMap, List, OrderedMap } from "immutable";
import type { Presence } from "../../shared/commands.js";
import type { StoreSettings } from "../../shared/settings.js";

/**
 * The state of one store, rebuilt from its log. Immutable: every change makes a new value that
 * shares what did not change (immutable-js maps keep a command's cost independent of the line's
 * length). Only events change it, through evolve().
 */

export type OpenStatus = "expected" | "waiting" | "offered" | "serving";
export type ClosedStatus = "done" | "left" | "expired";
export type VisitStatus = OpenStatus | ClosedStatus;
export type Outcome = "resolved" | "follow_up" | "not_resolved" | "no_show";
export type Channel = "kiosk" | "remote" | "staff";
export type Satisfaction = "yes" | "partly" | "no";
export type AlertKind =
  | "sla"
  | "manager_called"
  | "offer_expired_repeatedly"
  | "tablet_dropped"
  | "declined_by_all"
  | "follow_up_needed";

export interface VisitNote {
  at: number;
  by: string;
  text: string;
}

export interface Feedback {
  at: number;
  satisfaction: Satisfaction;
  comment: string;
  kudos: boolean;
}

export interface Visit {
  id: string;
  /** Public code, e.g. "P-017": the topic's letter and a number unique in the store for the day. */
  code: string;
  /** Secret for the customer's own page. */
  token: string;
  topicId: string;
  name: string;
  language: string | undefined;
  note: string;
  channel: Channel;
  status: VisitStatus;
  priority: number;
  /** Check-in order in the store; breaks ties between equal queue times. */
  seq: number;
  checkedInAt: number;
  /** The visit's place in line. Kept through declines, expiries, pauses and transfers. */
  queuedAt: number;
  /** Since when the customer is in the store (arrival for call-ahead); SLA counts from here. */
  presentSince: number | undefined;
  /** Start of the current wait for its current topic/associate; widening counts from here. */
  waitingSince: number | undefined;
  /** Call-ahead: the place is given up at this time if they have not arrived. */
  holdUntil: number | undefined;
  paused: boolean;
  /** Waited past the widening limit: any available associate may take it. */
  widened: boolean;
  slaBreached: boolean;
  /** Transferred or reassigned to a named associate: only they are offered it (until widened). */
  targetAssociateId: string | undefined;
  /**
   * Associates who declined or handed it on ("not me, not now"): not offered it again while
   * anyone else available may take it (see canServe).
   */
  declinedBy: readonly string[];
  /** Until then a decliner is not offered it again, even with nobody else available. */
  declineCooldownUntil: number | undefined;
  offerId: string | undefined;
  /** The associate offered or serving it; after it ends, who served it. */
  associateId: string | undefined;
  servingSince: number | undefined;
  notes: readonly VisitNote[];
  outcome: Outcome | undefined;
  closedAt: number | undefined;
  feedback: Feedback | undefined;
  /** The wait the customer was told: at check-in, and again at arrival for call-ahead. */
  quotes: readonly Quote[];
  /** Associates named to the customer (they accepted), in order; a change earns an apology. */
  named: readonly string[];
  /**
   * Each decliner's latest reason (a code of the tablet's list, or free text), for the manager.
   * Absent until someone declines (and in states from before it existed).
   */
  declineReasons?: Readonly<Record<string, string>>;
}

/**
 * A visit the associate closed `resolved` while the customer said it was not, or only partly:
 * on the store's follow-up list until a manager follows it up. Copies what the manager needs
 * (the visit itself leaves the state a week after it ends). Personal words (the customer's name,
 * their comment, the manager's note) go by retention, as a closed visit's do.
 */
export interface FollowUp {
  visitId: string;
  code: string;
  topicId: string;
  customerName: string;
  /** Who closed the visit `resolved`. */
  associateId: string | undefined;
  satisfaction: "partly" | "no";
  comment: string;
  /** When the customer's answer came (the list's order; retention counts from here). */
  at: number;
  /** When the visit ended. */
  closedAt: number;
  /** Set once a manager followed it up (`by` absent: an administrator). */
  done: { by: string | undefined; at: number; note: string } | undefined;
}

/** A wait range told to a customer, as recorded in the log. */
export interface Quote {
  at: number;
  lowMin: number;
  highMin: number;
}

export interface Associate {
  id: string;
  name: string;
  skills: readonly string[];
  languages: readonly string[];
  manager: boolean;
  presence: Presence;
  /** Whether the tablet's connection is up, kept apart from presence. */
  connected: boolean;
  disconnectedAt: number | undefined;
  /** The tablet has been gone longer than the grace: offered nothing until it reconnects. */
  connectionLost: boolean;
  /** Since when they are free; the longest idle gets the next offer. */
  idleSince: number;
  offerId: string | undefined;
  visitId: string | undefined;
  /** No offers until then, after finishing a visit. */
  wrapUpUntil: number | undefined;
  expiredOffersInRow: number;
  /**
   * Why they are `away` when they did not say so themselves: an offer expired on them, or the
   * visit they served went back to the line while their tablet was gone. Absent otherwise (and
   * in states from before it existed, which read the same).
   */
  awayReason?: AwayReason;
}

export type AwayReason = "offer_expired" | "tablet_lost";

export interface Offer {
  id: string;
  visitId: string;
  associateId: string;
  createdAt: number;
  deadline: number;
}

export interface Alert {
  id: string;
  kind: AlertKind;
  at: number;
  visitId: string | undefined;
  associateId: string | undefined;
  note: string;
}

/** One offer event, for the manager's live stats. */
export interface RecentOffer {
  at: number;
  kind: "created" | "accepted" | "declined" | "expired";
}

/** How far back the manager's offer stats look. */
export const RECENT_OFFERS_MS = 15 * 60_000;

/** Measured times of one kind (service of a topic, or accepting an offer). */
export interface ServiceStat {
  count: number;
  totalMs: number;
  /** Sums of ln(minutes) and its square, for the lognormal the estimator draws from. */
  sumLog: number;
  sumLogSq: number;
}

export interface StoreState {
  storeId: string;
  /** Number of commits applied. */
  version: number;
  /** The newest commit's time; commands never move time backwards. */
  clock: number;
  created: boolean;
  settings: StoreSettings;
  intakeOpen: boolean;
  /** Visits in an open state. */
  visits: IMap<string, Visit>;
  /** Ended visits, oldest end first, kept CLOSED_RETENTION_MS for feedback. */
  closed: OrderedMap<string, Visit>;
  associates: IMap<string, Associate>;
  /** Pending offers. */
  offers: IMap<string, Offer>;
  /** Open alerts. */
  alerts: IMap<string, Alert>;
  /** Disputed resolutions by visit id, oldest answer first: open, and followed up (until retention). */
  followUps: OrderedMap<string, FollowUp>;
  /** Customer token -> visit id, for open and retained closed visits. */
  tokens: IMap<string, string>;
  /** Visit code counters for the current local day, per letter. */
  codeDay: string;
  codeCounters: IMap<string, number>;
  visitSeq: number;
  offerSeq: number;
  alertSeq: number;
  /** Measured service time per topic (accept to complete). */
  serviceStats: IMap<string, ServiceStat>;
  /** Measured time from an offer to its accept. */
  acceptStat: ServiceStat;
  /** The earliest pending timer (derived, cached at each commit), or null. */
  nextDeadline: number | null;
  /** Offer events of the last RECENT_OFFERS_MS, oldest first. */
  recentOffers: List<RecentOffer>;
  /**
   * Retention: the start of each hour (ms since the epoch) with commits whose copies in the log
   * have not expired yet, oldest first. R days (retentionDays) after an hour ends, it expires
   * (`data:expired`): closed visits that ended before it are forgotten and the log before it
   * is trimmed. A commit that only expires data is not counted.
   */
  logHours: List<number>;
  /** The latest expiry: data before `before` is gone; the commit at `version` said so. */
  dataExpiry: { before: number; version: number } | undefined;
}

export const noStat: ServiceStat = { count: 0, totalMs: 0, sumLog: 0, sumLogSq: 0 };

/** A stat with one more measured time. */
export function measured(stat: ServiceStat, ms: number): ServiceStat {
  const log = Math.log(Math.max(ms, 1000) / 60_000);
  return {
    count: stat.count + 1,
    totalMs: stat.totalMs + ms,
    sumLog: stat.sumLog + log,
    sumLogSq: stat.sumLogSq + log * log,
  };
}

/** How long an ended visit is kept in state (feedback window, customer page). */
export const CLOSED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

export const emptySettings: StoreSettings = {
  name: "",
  timezone: "UTC",
  languages: ["en"],
  topics: [],
  offerTimeoutSec: 30,
  disconnectGraceSec: 15,
  wideningMin: 10,
  wideningMinBySkill: {},
  wrapUpSec: 30,
  slaWaitMin: 15,
  callAheadHoldMin: 30,
  declineCooldownSec: 60,
  orphanedVisitMin: 5,
  retentionDays: 30,
  quoteTargetPct: 80,
  serviceLevelPct: 80,
  serviceLevelSec: 300,
};

/** The state of a store that has no log yet. */
export function emptyState(storeId: string): StoreState {
  return {
    storeId,
    version: 0,
    clock: 0,
    created: false,
    settings: emptySettings,
    intakeOpen: true,
    visits: IMap(),
    closed: OrderedMap(),
    associates: IMap(),
    offers: IMap(),
    alerts: IMap(),
    followUps: OrderedMap(),
    tokens: IMap(),
    codeDay: "",
    codeCounters: IMap(),
    visitSeq: 0,
    offerSeq: 0,
    alertSeq: 0,
    serviceStats: IMap(),
    acceptStat: noStat,
    nextDeadline: null,
    recentOffers: List(),
    logHours: List(),
    dataExpiry: undefined,
  };
}

export const isOpen = (v: Visit): boolean =>
  v.status === "expected" ||
  v.status === "waiting" ||
  v.status === "offered" ||
  v.status === "serving";
