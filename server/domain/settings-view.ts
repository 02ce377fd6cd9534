import type { Topic } from "../../shared/settings.js";
import type { StoreState, Visit } from "./state.js";

/** Small, pure readers of a store's settings, in the units the engine works in (ms). */

export const topicOf = (state: StoreState, topicId: string): Topic | undefined =>
  state.settings.topics.find((t) => t.id === topicId);

export const offerTimeoutMs = (state: StoreState): number => state.settings.offerTimeoutSec * 1000;

export const disconnectGraceMs = (state: StoreState): number =>
  state.settings.disconnectGraceSec * 1000;

export const slaWaitMs = (state: StoreState): number => state.settings.slaWaitMin * 60_000;

/** Older stores' settings predate the setting: they get its default. */
export const declineCooldownMs = (state: StoreState): number =>
  (state.settings.declineCooldownSec ?? 60) * 1000;

/** Older stores' settings predate the setting: they get its default. */
export const orphanedVisitMs = (state: StoreState): number =>
  (state.settings.orphanedVisitMin ?? 5) * 60_000;

/** How long personal data is kept (see StoreState.logHours). Older stores: the default. */
export const retentionMs = (state: StoreState): number =>
  (state.settings.retentionDays ?? 30) * 24 * 60 * 60_000;

/** The analytics targets a manager sets (older stores: the defaults). */
export const analyticsTargets = (state: StoreState) => ({
  quoteTargetPct: state.settings.quoteTargetPct ?? 80,
  serviceLevelPct: state.settings.serviceLevelPct ?? 80,
  serviceLevelSec: state.settings.serviceLevelSec ?? 300,
});

export const callAheadHoldMs = (state: StoreState): number =>
  state.settings.callAheadHoldMin * 60_000;

/** How long a visit for this skill waits before any available associate may take it. */
export function wideningMs(state: StoreState, skill: string | undefined): number {
  const bySkill = skill === undefined ? undefined : state.settings.wideningMinBySkill[skill];
  return (bySkill ?? state.settings.wideningMin) * 60_000;
}

export const skillOf = (state: StoreState, visit: Visit): string | undefined =>
  topicOf(state, visit.topicId)?.skill;
