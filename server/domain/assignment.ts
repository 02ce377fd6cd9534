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
 * Whether `a` may serve `v` by the matching rules, ignoring whether either is free: the topic's
 * skill and the asked language, or anyone once widened; only the named associate of a transfer
 * until widened. A decline means "not me, not now": a decliner may serve it only once its
 * cool-down is over and nobody else available may. `widened` lets the estimator ask about a
 * later moment.
 */
export function canServe(state: StoreState, a: Associate, v: Visit, widened = v.widened): boolean {
  if (!matches(state, a, v, widened)) return false;
  if (!v.declinedBy.includes(a.id)) return true;
  return v.declineCooldownUntil === undefined && !someoneElseMay(state, v, widened);
}

/** The matching rules without declines: skill and language, a named associate, or widened. */
export function matches(state: StoreState, a: Associate, v: Visit, widened = v.widened): boolean {
  if (widened) return true;
  if (v.targetAssociateId !== undefined) return v.targetAssociateId === a.id;
  const skill = skillOf(state, v);
  if (skill === undefined || !a.skills.includes(skill)) return false;
  return v.language === undefined || a.languages.includes(v.language);
}

/** Present: available and reachable (they may be busy). */
export const isPresent = (a: Associate): boolean => a.presence === "available" && !a.connectionLost;

/** Whether an available associate who has not declined `v` may take it. */
export function someoneElseMay(state: StoreState, v: Visit, widened = v.widened): boolean {
  for (const b of state.associates.values()) {
    if (isPresent(b) && !v.declinedBy.includes(b.id) && matches(state, b, v, widened)) return true;
  }
  return false;
}

/**
 * Every available associate who could serve `v` has declined it (at least one such did; one who
 * only handed it on to a topic they cannot serve does not count): it should widen at once rather
 * than wait for its timer.
 */
export function declinedByAllWhoCould(state: StoreState, v: Visit): boolean {
  if (v.declinedBy.length === 0 || v.widened) return false;
  const someoneDeclined = v.declinedBy.some((id) => {
    const a = state.associates.get(id);
    return a !== undefined && isPresent(a) && matches(state, a, v, false);
  });
  return someoneDeclined && !someoneElseMay(state, v, false);
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
