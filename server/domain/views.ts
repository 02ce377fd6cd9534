import {
  type AlertView,
  type AssociateBrief,
  type AssociateOwn,
  type AssociateView,
  type Colleague,
  type CustomerView,
  type DeclineView,
  type DisplayView,
  FOLLOWED_UP_SHOWN,
  type FollowUpView,
  type KioskView,
  type ManagerView,
  type StaffVisit,
  type TopicInfo,
} from "../../shared/views.js";
import { alertActions } from "./alert-rules.js";
import { canServe, compareLine } from "./assignment.js";
import { NO_SHOW_UNDO_MS } from "./associate-commands.js";
import { localDay } from "./codes.js";
import { estimateTime, estimateWaits, kioskProbes, probeKey } from "./estimates.js";
import type { Alert, Associate, FollowUp, StoreState, Visit, WaitRange } from "./index.js";
import { quotedWaits } from "./quotes.js";
import { skillOf, slaWaitMs, topicOf } from "./settings-view.js";

/**
 * Projections of a store's state into what each role may see. Pure. One `Projection` is built
 * per commit and shared by every view of it, so the line's estimates are computed once.
 * Kiosk and display views are built from codes, topics and associates' first names only.
 */
/** The manager's list of today's ended visits, per closed-visits map (see `recent`). */
const recentLists = new WeakMap<object, { today: string; list: ManagerView["recent"] }>();
/**
 * An ended visit's entry in that list, per store settings (topic names) and visit record
 * (records are never changed in place).
 */
const endedEntries = new WeakMap<object, WeakMap<Visit, ManagerView["recent"][number]>>();

export class Projection {
  private waitsCache: Map<string, WaitRange> | undefined;
  private lineCache: Visit[] | undefined;
  private staffLineCache: StaffVisit[] | undefined;
  private everyoneCache: Colleague[] | undefined;
  private everyoneBriefCache: Colleague[] | undefined;
  private topicsCache: TopicInfo[] | undefined;
  private todayCache: string | undefined;
  private undoableCache: Map<string, NonNullable<AssociateView["undoNoShow"]>> | undefined;

  constructor(
    readonly state: StoreState,
    readonly now: number,
  ) {}

  /**
   * Every waiting visit's range, and the kiosk's per topic and language, made once for the
   * projection at `estimateTime` (so every page shown this state at this moment agrees).
   */
  get waits(): Map<string, WaitRange> {
    if (!this.waitsCache) {
      const at = estimateTime(this.state, this.now);
      this.waitsCache =
        quotedWaits(this.state, at) ?? estimateWaits(this.state, at, kioskProbes(this.state));
    }
    return this.waitsCache;
  }

  /** Open visits in line order (priority, then place). */
  get line(): Visit[] {
    this.lineCache ??= [...this.state.visits.values()].sort(compareLine);
    return this.lineCache;
  }

  kiosk(): KioskView {
    const s = this.state;
    return {
      role: "kiosk",
      storeName: s.settings.name,
      open: s.intakeOpen,
      languages: [...s.settings.languages],
      topics: s.settings.topics.map((t) => ({
        id: t.id,
        name: t.name,
        letter: t.letter,
        wait: this.waits.get(probeKey(t.id, undefined)) ?? null,
        waits: Object.fromEntries(
          s.settings.languages.map((l) => [l, this.waits.get(probeKey(t.id, l)) ?? null]),
        ),
        waiting: this.line.filter((v) => v.topicId === t.id && v.status === "waiting").length,
        names: { ...t.names },
      })),
    };
  }

  display(): DisplayView {
    const s = this.state;
    const language = s.settings.languages[0] ?? "en";
    // Topic names in the display's language, where the store set one.
    const topicName = (topicId: string) => {
      const topic = topicOf(s, topicId);
      return topic ? (topic.names?.[language] ?? topic.name) : topicId;
    };
    return {
      role: "display",
      storeName: s.settings.name,
      open: s.intakeOpen,
      language,
      waiting: s.settings.topics.map((t) => ({
        topicId: t.id,
        topicName: topicName(t.id),
        codes: this.line
          .filter((v) => v.topicId === t.id && v.status === "waiting")
          .map((v) => v.code),
      })),
      nowServing: this.line
        .filter((v) => v.status === "offered" || v.status === "serving")
        .map((v) => ({
          code: v.code,
          topicName: topicName(v.topicId),
          // Named only once they said yes (invariant 8).
          associateFirstName:
            v.status === "serving"
              ? firstName(s.associates.get(v.associateId ?? "")?.name ?? "")
              : null,
          status: v.status as "offered" | "serving",
        })),
    };
  }

  /** The customer's own visit; undefined if the visit is not (or no longer) known. */
  customer(visitId: string): CustomerView | undefined {
    const s = this.state;
    const v = s.visits.get(visitId) ?? s.closed.get(visitId);
    if (!v) return undefined;
    // A call-ahead's place is kept for them from when they joined.
    const place = v.status === "waiting" || v.status === "expected" ? this.placeOf(v) : null;
    // Who is helping, and afterwards who helped (for the kudos): named only once they said yes.
    const shown = v.status === "serving" || v.status === "done";
    const helper = shown ? s.associates.get(v.associateId ?? "") : undefined;
    const named = v.named;
    // The person named to them changed (a hand-on, a manager's reassign): they are told so.
    const previous =
      v.status === "serving" || v.status === "done"
        ? named.length >= 2 && named.at(-1) === v.associateId
          ? named.at(-2)
          : undefined
        : isWaitingAgain(v)
          ? named.at(-1)
          : undefined;
    const topic = topicOf(s, v.topicId);
    const meetAt = topic?.meetAt;
    const bring = topic?.bring;
    // Past the high end of the range they were told, and still not served: we say sorry.
    const told = v.quotes.at(-1);
    const late =
      (v.status === "waiting" || v.status === "offered") &&
      told !== undefined &&
      estimateTime(s, this.now) > told.at + told.highMin * 60_000;
    return {
      role: "customer",
      storeName: s.settings.name,
      visitId: v.id,
      code: v.code,
      topicId: v.topicId,
      topicName: topic?.name ?? v.topicId,
      topicNames: { ...topic?.names },
      language: v.language ?? null,
      languages: [...s.settings.languages],
      timeZone: s.settings.timezone,
      status: v.status,
      paused: v.paused,
      place,
      ahead: place === null ? null : place - 1,
      wait:
        v.status === "waiting"
          ? (this.waits.get(v.id) ?? null)
          : v.status === "expected"
            ? (this.waits.get(probeKey(v.topicId, v.language)) ?? null)
            : null,
      youreNext: v.status === "waiting" && place === 1 && !v.paused,
      associate: helper ? brief(helper.name) : null,
      apology:
        previous !== undefined && v.status !== "done"
          ? { previousFirstName: firstName(s.associates.get(previous)?.name ?? "") }
          : null,
      meetAt: meetAt && Object.keys(meetAt).length > 0 ? { ...meetAt } : null,
      bring: bring && Object.keys(bring).length > 0 ? { ...bring } : null,
      late,
      holdUntil: v.status === "expected" ? (v.holdUntil ?? null) : null,
      feedbackGiven: v.feedback !== undefined,
      canGiveFeedback: v.status === "done" && v.outcome !== "no_show" && v.feedback === undefined,
      outcome: v.status === "done" ? (v.outcome ?? null) : null,
    };
  }

  associate(associateId: string): AssociateView | undefined {
    const own = this.own(associateId);
    if (!own) return undefined;
    const manager = own.me.manager;
    return {
      ...own,
      storeName: this.state.settings.name,
      line: this.staffLine(),
      // Skills and languages of colleagues are for managers (settings); tablets need less.
      colleagues: (manager ? this.everyone() : this.everyoneBrief()).filter(
        (c) => c.id !== associateId,
      ),
      topics: this.topics(),
    };
  }

  /** The associate's own part of their view: themselves, their offer, their visit. */
  own(associateId: string): AssociateOwn | undefined {
    const s = this.state;
    const a = s.associates.get(associateId);
    if (!a) return undefined;
    const offer = a.offerId ? s.offers.get(a.offerId) : undefined;
    const offered = offer ? s.visits.get(offer.visitId) : undefined;
    const held = a.visitId ? s.visits.get(a.visitId) : undefined;
    return {
      role: a.manager ? "manager" : "associate",
      me: {
        ...this.colleague(a),
        wrapUpUntil: a.wrapUpUntil ?? null,
        awayReason: a.presence === "away" ? (a.awayReason ?? null) : null,
      },
      offer:
        offer && offered
          ? { offerId: offer.id, deadline: offer.deadline, visit: this.staffVisit(offered) }
          : null,
      visit: held
        ? {
            ...this.staffVisit(held),
            servingSince: held.servingSince ?? null,
            apologyHint: this.waitedMs(held, held.servingSince ?? this.now) > slaWaitMs(s),
          }
        : null,
      undoNoShow: this.undoNoShowOf(a.id),
    };
  }

  /** The associate's latest no-show still within its undo window. */
  private undoNoShowOf(associateId: string): AssociateView["undoNoShow"] {
    return this.undoableNoShows().get(associateId) ?? null;
  }

  /**
   * Each associate's latest no-show still within its undo window, in one pass over the visits
   * closed within the window (closed visits are newest last): an associate's view is made for
   * every associate at each change, and scanning per associate cost a busy store dearly.
   */
  private undoableNoShows(): Map<string, NonNullable<AssociateView["undoNoShow"]>> {
    if (this.undoableCache) return this.undoableCache;
    const found = new Map<string, NonNullable<AssociateView["undoNoShow"]>>();
    for (const v of this.state.closed.valueSeq().reverse()) {
      const until = (v.closedAt ?? 0) + NO_SHOW_UNDO_MS;
      if (until < this.now) break;
      if (v.outcome === "no_show" && v.associateId !== undefined && !found.has(v.associateId))
        found.set(v.associateId, { visitId: v.id, code: v.code, until });
    }
    this.undoableCache = found;
    return found;
  }

  private topics(): TopicInfo[] {
    this.topicsCache ??= this.state.settings.topics.map((t) =>
      t.names && Object.keys(t.names).length > 0
        ? { id: t.id, name: t.name, letter: t.letter, names: { ...t.names } }
        : { id: t.id, name: t.name, letter: t.letter },
    );
    return this.topicsCache;
  }

  /** The store's local day now: with `state.closed`, what the manager's `recent` depends on. */
  get today(): string {
    this.todayCache ??= localDay(this.now, this.state.settings.timezone);
    return this.todayCache;
  }

  manager(managerId: string): ManagerView | undefined;
  /** Without `recent` (the caller knows the manager holds it already). */
  manager(managerId: string, withRecent: false): Omit<ManagerView, "recent"> | undefined;
  manager(managerId: string, withRecent = true): Omit<ManagerView, "recent"> | undefined {
    const base = this.associate(managerId);
    const s = this.state;
    if (!base || !s.associates.get(managerId)?.manager) return undefined;
    const today = this.today;
    const recent = withRecent ? this.recent(today) : undefined;
    return {
      ...base,
      role: "manager",
      open: s.intakeOpen,
      alerts: [...s.alerts.values()]
        .sort((x, y) => x.at - y.at)
        .map(
          (al): AlertView => ({
            alertId: al.id,
            kind: al.kind,
            at: al.at,
            visitId: al.visitId ?? null,
            // A follow-up's entry keeps the code after its visit leaves the state.
            code: al.visitId
              ? ((s.visits.get(al.visitId) ?? s.closed.get(al.visitId))?.code ??
                s.followUps.get(al.visitId)?.code ??
                null)
              : null,
            visitStatus: al.visitId
              ? ((s.visits.get(al.visitId) ?? s.closed.get(al.visitId))?.status ?? null)
              : null,
            paused: al.visitId ? (s.visits.get(al.visitId)?.paused ?? false) : false,
            associateId: al.associateId ?? null,
            associateName: al.associateId ? (s.associates.get(al.associateId)?.name ?? null) : null,
            note: al.note,
            actions: alertActions(s, al),
            followUp: this.alertFollowUp(al),
            declines: al.kind === "declined_by_all" ? this.declines(al.visitId) : [],
          }),
        ),
      stats: this.stats(),
      ...(recent ? { recent } : {}),
      settings: s.settings,
      ...this.followUps(),
    };
  }

  /** What the customer answered, for a `follow_up_needed` alert. */
  private alertFollowUp(alert: Alert): AlertView["followUp"] {
    const f = alert.kind === "follow_up_needed" && this.state.followUps.get(alert.visitId ?? "");
    return f
      ? { customerName: f.customerName, satisfaction: f.satisfaction, comment: f.comment }
      : null;
  }

  /** Who declined a visit still open and why, in the order they (last) declined it. */
  private declines(visitId: string | undefined): DeclineView[] {
    const s = this.state;
    const v = visitId === undefined ? undefined : s.visits.get(visitId);
    if (!v?.declineReasons) return [];
    return v.declinedBy
      .filter((id) => v.declineReasons?.[id] !== undefined)
      .map((id) => ({
        associateId: id,
        associateName: s.associates.get(id)?.name ?? null,
        reason: v.declineReasons?.[id] ?? "",
      }));
  }

  /** The open follow-up list, oldest first, and the latest followed up, newest first. */
  private followUps(): Pick<ManagerView, "followUps" | "followedUp"> {
    const open: FollowUpView[] = [];
    const done: FollowUpView[] = [];
    for (const f of this.state.followUps.values()) {
      if (f.done) done.push(this.followUp(f));
      else open.push(this.followUp(f));
    }
    done.sort((x, y) => (y.done?.at ?? 0) - (x.done?.at ?? 0));
    return { followUps: open, followedUp: done.slice(0, FOLLOWED_UP_SHOWN) };
  }

  private followUp(f: FollowUp): FollowUpView {
    const s = this.state;
    const nameOf = (id: string | undefined) =>
      id === undefined ? null : (s.associates.get(id)?.name ?? null);
    return {
      visitId: f.visitId,
      code: f.code,
      topicName: topicOf(s, f.topicId)?.name ?? f.topicId,
      customerName: f.customerName,
      associateId: f.associateId ?? null,
      associateName: nameOf(f.associateId),
      satisfaction: f.satisfaction,
      comment: f.comment,
      at: f.at,
      closedAt: f.closedAt,
      done: f.done
        ? {
            by: f.done.by ?? null,
            byName: nameOf(f.done.by),
            at: f.done.at,
            note: f.done.note,
          }
        : null,
    };
  }

  /**
   * Visits ended on the store's local day `today`, newest first. Kept per closed-visits map and
   * day (a new map whenever a visit closes), so states in between share one list: built once,
   * and the same list to compare when sending changes.
   */
  private recent(today: string): ManagerView["recent"] {
    const s = this.state;
    const kept = recentLists.get(s.closed);
    if (kept?.today === today) return kept.list;
    const list: ManagerView["recent"] = [];
    // Newest first; closed visits are kept in the order they closed.
    for (const v of s.closed.valueSeq().reverse()) {
      if (v.closedAt === undefined) continue;
      const day = localDay(v.closedAt, s.settings.timezone);
      if (day < today) break;
      if (day === today) {
        // The same ended visit (an unchanged record) is the same entry: built once.
        let entries = endedEntries.get(s.settings);
        if (!entries) {
          entries = new WeakMap();
          endedEntries.set(s.settings, entries);
        }
        let entry = entries.get(v);
        if (!entry) {
          entry = this.ended(v);
          entries.set(v, entry);
        }
        list.push(entry);
      }
    }
    recentLists.set(s.closed, { today, list });
    return list;
  }

  private ended(v: Visit): ManagerView["recent"][number] {
    return {
      ...this.staffVisit(v),
      outcome: v.outcome ?? null,
      closedAt: v.closedAt ?? null,
      feedback: v.feedback
        ? {
            satisfaction: v.feedback.satisfaction,
            comment: v.feedback.comment,
            kudos: v.feedback.kudos,
          }
        : null,
    };
  }

  /** Every associate as colleagues see them, by name (built once per projection). */
  private everyone(): Colleague[] {
    this.everyoneCache ??= [...this.state.associates.values()]
      .sort((x, y) => x.name.localeCompare(y.name))
      .map((c) => this.colleague(c));
    return this.everyoneCache;
  }

  private everyoneBrief(): Colleague[] {
    this.everyoneBriefCache ??= this.everyone().map(briefOf);
    return this.everyoneBriefCache;
  }

  /** The open visits as staff see them, in line order. */
  staffLine(): StaffVisit[] {
    this.staffLineCache ??= this.line.map((v) => this.staffVisit(v));
    return this.staffLineCache;
  }

  stats(): ManagerView["stats"] {
    const s = this.state;
    const working = [...s.associates.values()].filter(
      (a) => a.presence === "available" && !a.connectionLost,
    );
    const waiting = this.line.filter((v) => v.status === "waiting");
    const visitsByStatus: Record<string, number> = {};
    for (const v of this.line) visitsByStatus[v.status] = (visitsByStatus[v.status] ?? 0) + 1;
    const offers = { created: 0, accepted: 0, declined: 0, expired: 0 };
    for (const o of s.recentOffers) if (o.at >= this.now - 15 * 60_000) offers[o.kind]++;
    return {
      availableAssociates: working.length,
      eligibleAssociates: working.filter((a) => waiting.some((v) => canServe(s, a, v))).length,
      longestWaitMin: Math.max(0, ...waiting.map((v) => Math.floor(this.waitedMs(v) / 60_000))),
      visitsByStatus,
      offers,
    };
  }

  /** 1-based place among waiting visits ahead that compete for the same kind of help. */
  private placeOf(v: Visit): number {
    const skill = skillOf(this.state, v);
    let place = 1;
    for (const u of this.line) {
      if (u.id === v.id) break;
      if (u.status !== "waiting" || u.paused) continue;
      if (skillOf(this.state, u) === skill || u.widened) place++;
    }
    return place;
  }

  private waitedMs(v: Visit, until = this.now): number {
    return Math.max(0, until - (v.presentSince ?? v.checkedInAt));
  }

  private staffVisit(v: Visit): StaffVisit {
    const s = this.state;
    return {
      visitId: v.id,
      code: v.code,
      topicId: v.topicId,
      topicName: topicOf(s, v.topicId)?.name ?? v.topicId,
      name: v.name,
      language: v.language ?? null,
      note: v.note,
      notes: v.notes.map((n) => ({ at: n.at, by: n.by, text: n.text })),
      channel: v.channel,
      status: v.status,
      paused: v.paused,
      priority: v.priority,
      checkedInAt: v.checkedInAt,
      // Until someone took them (or the visit ended); still counting while they wait.
      waitedMin: Math.floor(this.waitedMs(v, v.servingSince ?? v.closedAt ?? this.now) / 60_000),
      wait: v.status === "waiting" ? (this.waits.get(v.id) ?? null) : null,
      slaBreached: v.slaBreached,
      associateId: v.associateId ?? null,
      targetAssociateId: v.targetAssociateId ?? null,
    };
  }

  /** An associate as colleagues see them: the same record, the same object (see `colleagues`). */
  private colleague(a: Associate): Colleague {
    let seen = colleagues.get(a);
    if (!seen) {
      seen = describe(a);
      colleagues.set(a, seen);
    }
    return seen;
  }
}

/**
 * Colleague entries per associate record (records are never changed in place), and their brief
 * form: views of successive states share the entries of associates that did not change, so
 * they are compared by identity when changes are sent.
 */
const colleagues = new WeakMap<Associate, Colleague>();
const briefs = new WeakMap<Colleague, Colleague>();

function briefOf(colleague: Colleague): Colleague {
  let seen = briefs.get(colleague);
  if (!seen) {
    const { skills: _s, languages: _l, ...rest } = colleague;
    seen = rest;
    briefs.set(colleague, seen);
  }
  return seen;
}

function describe(a: Associate): Colleague {
  return {
    id: a.id,
    name: a.name,
    presence: a.presence,
    connected: a.connected,
    busy: a.offerId
      ? "offer"
      : a.visitId
        ? "visit"
        : a.wrapUpUntil !== undefined
          ? "wrap_up"
          : null,
    manager: a.manager,
    skills: [...a.skills],
    languages: [...a.languages],
  };
}

/** A visit that someone had accepted and that is back in line (handed on, reassigned). */
const isWaitingAgain = (v: Visit): boolean =>
  (v.status === "waiting" || v.status === "offered") && v.named.length > 0;

export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? "";
}

function brief(name: string): AssociateBrief {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return {
    firstName: parts[0] ?? "",
    initials: parts
      .map((p) => p.charAt(0).toUpperCase())
      .join("")
      .slice(0, 3),
  };
}
