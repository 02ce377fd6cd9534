import { skillOf } from "./settings-view.js";
import type { Associate, StoreState, Visit } from "./state.js";

/**
 * Who may be offered what. These predicates are the single source of the matching rules;
 * the engine's fixed point and the estimates both use them.
 */

/** Free to be offered a customer now: available, reachable, holding nothing, not wrapping up. */
export function isFree(a: Associate): boolean {
  return (
    a.presence === "available" &&
    !a.connectionLost &&
    a.offerId === undefined &&
    a.visitId === undefined &&
    a.wrapUpUntil === undefined
  );
}

/** A visit that is waiting in line for an offer (arrived, not paused, not offered). */
export function isOfferable(v: Visit): boolean {
  return v.status === "waiting" && !v.paused && v.offerId === undefined;
}

/**
 * Whether `a` may serve `v` by the matching rules, ignoring whether either is free:
 * the topic's skill and the asked language, or anyone once widened; never someone who declined;
 * only the named associate of a transfer until widened.
 */
export function canServe(state: StoreState, a: Associate, v: Visit): boolean {
  if (v.declinedBy.includes(a.id)) return false;
  if (v.widened) return true;
  if (v.targetAssociateId !== undefined) return v.targetAssociateId === a.id;
  const skill = skillOf(state, v);
  if (skill === undefined || !a.skills.includes(skill)) return false;
  return v.language === undefined || a.languages.includes(v.language);
}

/** Line order: higher priority first, then earlier place in line, then check-in order. */
export function compareLine(a: Visit, b: Visit): number {
  return b.priority - a.priority || a.queuedAt - b.queuedAt || a.seq - b.seq;
}

/** Longest idle first, then id, so the choice never depends on map order. */
export function compareIdle(a: Associate, b: Associate): number {
  return a.idleSince - b.idleSince || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export interface Match {
  visit: Visit;
  associate: Associate;
}

/** Up to this many free associates, each round finds its visit by a scan instead of a sort. */
const SCAN_LIMIT = 4;

/**
 * The offers to make so that no offerable visit and free associate who could serve it are left
 * unmatched (a fixed point). Visits are taken in line order, each going to the longest-idle free
 * associate who can serve it; making an offer frees nobody, so one pass reaches the fixed point.
 */
export function matchesToOffer(state: StoreState): Match[] {
  const free: Associate[] = [];
  state.associates.forEach((a) => {
    if (isFree(a)) free.push(a);
  });
  if (free.length === 0) return [];
  free.sort(compareIdle);
  const line: Visit[] = [];
  state.visits.forEach((v) => {
    if (isOfferable(v)) line.push(v);
  });
  const servable = (v: Visit) => free.some((a) => canServe(state, a, v));
  const matches: Match[] = [];
  const give = (visit: Visit) => {
    const [associate] = free.splice(
      free.findIndex((a) => canServe(state, a, visit)),
      1,
    );
    if (associate) matches.push({ visit, associate });
  };
  if (free.length <= SCAN_LIMIT) {
    // Few free associates (the usual case): the next visit in line order that one of them can
    // serve, found by a linear scan per round.
    const taken = new Set<Visit>();
    while (free.length > 0) {
      let best: Visit | undefined;
      for (const v of line) {
        if (!taken.has(v) && (best === undefined || compareLine(v, best) < 0) && servable(v))
          best = v;
      }
      if (!best) break;
      give(best);
      taken.add(best);
    }
    return matches;
  }
  line.sort(compareLine);
  for (const visit of line) {
    if (free.length === 0) break;
    if (servable(visit)) give(visit);
  }
  return matches;
}
