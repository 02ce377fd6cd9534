import { Map as IMap, List, OrderedMap } from "immutable";
import {
  type Alert,
  type Associate,
  type FollowUp,
  HOUR_MS,
  type Offer,
  type RecentOffer,
  type ServiceStat,
  type StoreState,
  type Visit,
} from "./state.js";
import { computeNextDeadline } from "./timers.js";

/**
 * Bump when StoreState's shape changes, and teach `fromSnapshot` to read the schema before: a
 * store whose journal was compacted (or whose log was trimmed by retention) behind a snapshot
 * cannot be replayed from its log, so its snapshot must stay readable.
 */
export const SNAPSHOT_SCHEMA = 6;

export interface StateData {
  storeId: string;
  version: number;
  clock: number;
  created: boolean;
  settings: StoreState["settings"];
  intakeOpen: boolean;
  visits: Record<string, Visit>;
  closed: [string, Visit][];
  associates: Record<string, Associate>;
  offers: Record<string, Offer>;
  alerts: Record<string, Alert>;
  followUps: [string, FollowUp][];
  tokens: Record<string, string>;
  codeDay: string;
  codeCounters: Record<string, number>;
  visitSeq: number;
  offerSeq: number;
  alertSeq: number;
  serviceStats: Record<string, ServiceStat>;
  acceptStat: ServiceStat;
  nextDeadline: number | null;
  recentOffers: RecentOffer[];
  logHours: number[];
  dataExpiry: StoreState["dataExpiry"];
}

/** Plain JSON of a state; also what tests compare to prove two states are the same. */
export function toStateData(s: StoreState): StateData {
  return {
    ...s,
    visits: s.visits.toObject(),
    closed: [...s.closed.entries()],
    associates: s.associates.toObject(),
    offers: s.offers.toObject(),
    alerts: s.alerts.toObject(),
    followUps: [...s.followUps.entries()],
    tokens: s.tokens.toObject(),
    codeCounters: s.codeCounters.toObject(),
    serviceStats: s.serviceStats.toObject(),
    recentOffers: s.recentOffers.toArray(),
    logHours: s.logHours.toArray(),
  };
}

export function fromStateData(d: StateData): StoreState {
  return {
    ...d,
    visits: IMap(d.visits),
    closed: OrderedMap(d.closed),
    associates: IMap(d.associates),
    offers: IMap(d.offers),
    alerts: IMap(d.alerts),
    followUps: OrderedMap(d.followUps),
    tokens: IMap(d.tokens),
    codeCounters: IMap(d.codeCounters),
    serviceStats: IMap(d.serviceStats),
    recentOffers: List(d.recentOffers),
    logHours: List(d.logHours),
  };
}

/** The state a snapshot holds, from this schema or one this server can still read; else undefined. */
export function fromSnapshot(schema: number, data: unknown): StoreState | undefined {
  if (schema === SNAPSHOT_SCHEMA) return fromStateData(data as StateData);
  // Schema 5 had no follow-up list: nobody was told of a disputed resolution, so it is empty.
  if (schema === 5)
    return fromStateData({ ...(data as Omit<StateData, "followUps">), followUps: [] });
  if (schema === 4) {
    // Schema 4 had no retention: what was logged up to the snapshot expires from its hour on.
    const old = data as Omit<StateData, "logHours" | "dataExpiry" | "followUps">;
    const hour = old.clock - (old.clock % HOUR_MS);
    const state = fromStateData({
      ...old,
      logHours: old.clock > 0 ? [hour] : [],
      dataExpiry: undefined,
      followUps: [],
    });
    return { ...state, nextDeadline: computeNextDeadline(state) };
  }
  return undefined;
}
