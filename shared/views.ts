import type { Patch } from "./patch.js";

/**
 * What each role sees: the live views the server pushes. Server and pages share these shapes.
 * Every view carries the store's `version`; a client keeps the highest it has seen, ignores
 * older ones, and asks for a full view (`view:sync`) when it sees a gap.
 */

export type Role = "kiosk" | "display" | "customer" | "associate" | "manager";

/** A promised wait in whole minutes; null when nobody could serve it now. */
export type WaitRange = { lowMin: number; highMin: number } | null;

export type VisitStatus =
  | "expected"
  | "waiting"
  | "offered"
  | "serving"
  | "done"
  | "left"
  | "expired";
export type Presence = "offline" | "available" | "away";

export interface TopicInfo {
  id: string;
  name: string;
  letter: string;
  /** The name per language, where the store set one (staff views; the page picks its own). */
  names?: Record<string, string>;
}

/** Kiosk by the door: what it may offer. No names, notes or contact details, ever. */
export interface KioskView {
  role: "kiosk";
  storeName: string;
  open: boolean;
  languages: string[];
  /**
   * `wait`: what a customer checking in now would be told, asking for no language; `waits`:
   * the same for a customer asking for each of the store's languages (show the one they pick).
   */
  topics: Array<
    TopicInfo & {
      wait: WaitRange;
      waits: Record<string, WaitRange>;
      waiting: number;
      /** The topic's name per language, where the store set one (else `name`). */
      names?: Record<string, string>;
    }
  >;
}

/** Wall display: codes and first names of associates only. */
export interface DisplayView {
  role: "display";
  storeName: string;
  open: boolean;
  language: string;
  waiting: Array<{ topicId: string; topicName: string; codes: string[] }>;
  nowServing: Array<{
    code: string;
    topicName: string;
    /** Null while offered: a person is named only once they accepted. */
    associateFirstName: string | null;
    status: "offered" | "serving";
  }>;
}

export interface AssociateBrief {
  firstName: string;
  initials: string;
}

/** The customer's own page: their visit only. */
export interface CustomerView {
  role: "customer";
  storeName: string;
  visitId: string;
  code: string;
  topicId: string;
  topicName: string;
  /** The topic's name per language, where the store set one (else `topicName`). */
  topicNames: Record<string, string>;
  /** The language the customer asked for at check-in. */
  language: string | null;
  /** The store's languages (the page offers these) and its IANA time zone (times are in it). */
  languages: string[];
  timeZone: string;
  /**
   * `offered`: someone is being found for them (no name yet); `serving`: `associate` accepted
   * and is coming or helping.
   */
  status: VisitStatus;
  paused: boolean;
  /**
   * 1-based place among the visits competing for the same associates; for a call-ahead
   * (`expected`), the place kept for them; null otherwise.
   */
  place: number | null;
  ahead: number | null;
  /** Waiting: their range; expected: what someone checking in now for their topic is told. */
  wait: WaitRange;
  youreNext: boolean;
  /** Who accepted them (serving), or who helped (done). Never before they accepted. */
  associate: AssociateBrief | null;
  /**
   * Someone named to them before is no longer the one: say sorry. While serving, `associate`
   * is the new person; while waiting or offered again, someone else is being found.
   */
  apology: { previousFirstName: string } | null;
  /** Where to meet the associate, by language (the topic's setting); null: they come to you. */
  meetAt: Record<string, string> | null;
  /** What to bring, by language (the topic's setting); null: nothing said. */
  bring: Record<string, string> | null;
  /** Still waiting past the high end of the range they were told: say sorry. */
  late: boolean;
  /** Call-ahead: until when the place is kept. */
  holdUntil: number | null;
  feedbackGiven: boolean;
  canGiveFeedback: boolean;
  /** How it ended (`done` only): a `no_show` is not thanked for a visit that did not happen. */
  outcome: "resolved" | "follow_up" | "not_resolved" | "no_show" | null;
}

/** A visit as staff see it. */
export interface StaffVisit {
  visitId: string;
  code: string;
  topicId: string;
  topicName: string;
  name: string;
  language: string | null;
  note: string;
  notes: Array<{ at: number; by: string; text: string }>;
  channel: "kiosk" | "remote" | "staff";
  status: VisitStatus;
  paused: boolean;
  priority: number;
  checkedInAt: number;
  /** Minutes since they are in the store (arrival for call-ahead). */
  waitedMin: number;
  wait: WaitRange;
  slaBreached: boolean;
  associateId: string | null;
  targetAssociateId: string | null;
}

export interface Colleague {
  id: string;
  name: string;
  presence: Presence;
  connected: boolean;
  busy: "offer" | "visit" | "wrap_up" | null;
  manager: boolean;
  /** Given to managers (and in `me`); left out of plain associates' colleague lists. */
  skills?: string[];
  languages?: string[];
}

/**
 * Why an associate is away without having said so: `offer_expired`, an offer was not answered
 * in time; `tablet_lost`, the visit they served went back to the line while their tablet was gone.
 */
export type AwayReason = "offer_expired" | "tablet_lost";

export interface AssociateView {
  role: "associate" | "manager";
  storeName: string;
  me: Colleague & { wrapUpUntil: number | null; awayReason: AwayReason | null };
  /** Open visits, in line order. */
  line: StaffVisit[];
  offer: { offerId: string; deadline: number; visit: StaffVisit } | null;
  visit: (StaffVisit & { servingSince: number | null; apologyHint: boolean }) | null;
  /** Their latest no-show, while it may still be undone (`visit:undo-no-show`) until `until`. */
  undoNoShow: { visitId: string; code: string; until: number } | null;
  colleagues: Colleague[];
  topics: TopicInfo[];
}

export interface AlertView {
  alertId: string;
  kind:
    | "sla"
    | "manager_called"
    | "offer_expired_repeatedly"
    | "tablet_dropped"
    | "declined_by_all"
    | "follow_up_needed";
  at: number;
  visitId: string | null;
  code: string | null;
  /** The visit's status now (null: no visit, or it is gone); `paused`: the customer is browsing. */
  visitStatus: VisitStatus | null;
  paused: boolean;
  associateId: string | null;
  /** The associate's display name (null: none, or no longer in the store). */
  associateName: string | null;
  note: string;
  /**
   * What fits now, in order: `serve_next` (priority 9) and `bring_back` only while the visit
   * waits; `reassign` while it is open; `open_follow_up` (the follow-up list's entry, by
   * `visitId`) for `follow_up_needed`; `resolve` always.
   */
  actions: Array<"serve_next" | "bring_back" | "reassign" | "open_follow_up" | "resolve">;
  /** `follow_up_needed`: what the customer answered (the alert's `associateName` closed it). */
  followUp: { customerName: string; satisfaction: "partly" | "no"; comment: string } | null;
  /**
   * Who declined the alert's visit and why, in the order they declined (`declined_by_all`; empty
   * otherwise). `reason`: a code of DECLINE_REASON_CODES (shown in the page's language), other
   * text as the associate typed it, or "" for none given.
   */
  declines: DeclineView[];
}

export interface DeclineView {
  associateId: string;
  associateName: string | null;
  reason: string;
}

/**
 * A disputed resolution: its associate closed the visit `resolved`, the customer answered
 * `partly` or `no`. Customer name and comment are "" once retention erased them.
 */
export interface FollowUpView {
  visitId: string;
  code: string;
  topicName: string;
  customerName: string;
  /** Who closed it `resolved`, and their name (null: no longer in the store). */
  associateId: string | null;
  associateName: string | null;
  satisfaction: "partly" | "no";
  comment: string;
  /** When the customer answered. */
  at: number;
  closedAt: number;
  /** Who followed it up (null `by`: an administrator), when, and their note. */
  done: { by: string | null; byName: string | null; at: number; note: string } | null;
}

export interface ManagerStats {
  availableAssociates: number;
  /** Available associates who can serve at least one visit now waiting. */
  eligibleAssociates: number;
  longestWaitMin: number;
  visitsByStatus: Record<string, number>;
  /** Offers in the last 15 minutes. */
  offers: { created: number; accepted: number; declined: number; expired: number };
}

export interface ManagerView extends Omit<AssociateView, "role"> {
  role: "manager";
  open: boolean;
  alerts: AlertView[];
  stats: ManagerStats;
  /** Visits ended today (store-local), newest first, with outcome and feedback. */
  recent: Array<
    StaffVisit & {
      outcome: string | null;
      closedAt: number | null;
      feedback: { satisfaction: string; comment: string; kudos: boolean } | null;
    }
  >;
  settings: unknown;
  /** Disputed resolutions not followed up yet, oldest answer first. */
  followUps: FollowUpView[];
  /** The latest followed up (at most FOLLOWED_UP_SHOWN), newest first. */
  followedUp: FollowUpView[];
}

/** How many followed-up entries the manager's view carries. */
export const FOLLOWED_UP_SHOWN = 10;

export type View = KioskView | DisplayView | CustomerView | AssociateView | ManagerView;

/**
 * What the server pushes (`view:patch`): how the view of store version `since` becomes the view
 * of `version`. `since` is -1 for a whole view (a patch from nothing: on connect and on
 * `view:sync`). The same version twice (`since` = `version`) is the view of that version again,
 * its waits re-estimated as time passed.
 */
export interface ViewPatch {
  version: number;
  since: number;
  patch: Patch;
}

/** The part of an associate's view that is theirs alone: themselves, their offer, their visit. */
export type AssociateOwn = Pick<AssociateView, "role" | "me" | "offer" | "visit" | "undoNoShow">;
