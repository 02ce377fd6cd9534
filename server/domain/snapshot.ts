import { Map as IMap, List, OrderedMap } from "immutable";
import type {
  Alert,
  Associate,
  Offer,
  RecentOffer,
  ServiceStat,
  StoreState,
  Visit,
} from "./state.js";

/** Bump when StoreState's shape changes: older snapshots are then ignored and the log replayed. */
export const SNAPSHOT_SCHEMA = 4;

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
    tokens: s.tokens.toObject(),
    codeCounters: s.codeCounters.toObject(),
    serviceStats: s.serviceStats.toObject(),
    recentOffers: s.recentOffers.toArray(),
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
    tokens: IMap(d.tokens),
    codeCounters: IMap(d.codeCounters),
    serviceStats: IMap(d.serviceStats),
    recentOffers: List(d.recentOffers),
  };
}
