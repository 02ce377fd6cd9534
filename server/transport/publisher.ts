import { setTimeout as delay } from "node:timers/promises";
import type { Server, Socket } from "socket.io";
import { diff } from "../../shared/patch.js";
import type { ClientToServerEvents, ServerToClientEvents } from "../../shared/protocol.js";
import type { View } from "../../shared/views.js";
import type { QueueService } from "../app/queue-service.js";
import type { Identity } from "../auth/credentials.js";
import { Projection, type StoreState } from "../domain/index.js";
import type { Logger } from "../logger.js";
import { rooms } from "./rooms.js";

export interface SocketData {
  identity: Identity;
  /**
   * What this socket was last sent: the view it holds and its store version. Sockets sent the
   * same view share one record, so they are sent the next change together.
   */
  sent?: Sent;
}

interface Sent {
  version: number;
  view: View;
}

export type AppSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  ServerEvents,
  SocketData
>;

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, ServerEvents, SocketData>;

/** Between server processes (through the socket.io adapter). */
export interface ServerEvents {
  "store:changed": (storeId: string, version: number) => void;
}

/** A store's publishing in progress: what to do in one more pass, and when all of it is done. */
interface Pass {
  again: boolean;
  /** The next pass also sends what moved with time at the same version. */
  refresh: boolean;
  state: StoreState | undefined;
  done: Promise<void>;
}

/** Roles whose sockets of a store all see the same view. */
const SHARED = new Set(["kiosk", "display"]);

/** The view a socket of this identity sees; undefined if it no longer exists (visit gone). */
function viewFor(identity: Identity, projection: Projection): View | undefined {
  switch (identity.role) {
    case "kiosk":
      return projection.kiosk();
    case "display":
      return projection.display();
    case "customer":
      return projection.customer(identity.visitId);
    case "associate":
      return projection.associate(identity.associateId);
    case "manager":
      return projection.manager(identity.associateId) ?? projection.associate(identity.associateId);
  }
}

/**
 * Pushes fresh views to this process's sockets when a store changes. A change committed here is
 * announced to the other processes, and each one reads the store's new commits and updates its
 * own sockets, so every process sends views built from the latest log. Changes that arrive while
 * a store is being published are folded into one more pass.
 */
export class Publisher {
  private readonly busy = new Map<string, Pass>();
  /** Per store: when its last publish started (performance.now()) and how long it took. */
  private readonly published = new Map<string, { at: number; took: number }>();
  /** Per store: the newest state committed here and not yet published (see `committed`). */
  private readonly newest = new Map<string, StoreState>();
  /** Told of a tablet here whose associate the store has as disconnected (see `reassert`). */
  absentTablet: ((identity: Identity & { associateId: string }) => void) | undefined;
  constructor(
    private readonly io: IoServer,
    private readonly service: QueueService,
    private readonly logger: Logger,
    private readonly clock: () => number,
    /** Whether other server processes share the store (Redis adapter): then tell them. */
    private readonly shared: boolean,
    /** Least time between two publishes of one store, ms (changes between are folded). */
    private readonly interval = 5,
  ) {
    io.on("store:changed", (storeId: string) => void this.changed(storeId));
  }

  /**
   * A commit was made in this process: publish it here and tell the others. The commits of one
   * batch (made durable together) are published once, as the newest state: a socket gets the
   * latest view, not every one in between.
   */
  committed(storeId: string, state: StoreState): void {
    const waiting = this.newest.has(storeId);
    this.newest.set(storeId, state);
    if (waiting) return;
    queueMicrotask(() => {
      const newest = this.newest.get(storeId) ?? state;
      this.newest.delete(storeId);
      if (this.shared) this.io.serverSideEmit("store:changed", storeId, newest.version);
      void this.changed(storeId, newest);
    });
  }

  /**
   * Publishes the store. With `state` (a commit made here) that state is shown as it is; without
   * (another process's commit, a re-estimate) the store's new commits are read first. With
   * `refresh`, sockets holding the newest version are sent what moved in it as time passed.
   * Resolves once published (with what came in meanwhile).
   */
  changed(storeId: string, state?: StoreState, refresh = false): Promise<void> {
    const running = this.busy.get(storeId);
    if (running) {
      running.again = true;
      running.refresh ||= refresh;
      // Remember the newest known state; a notice from elsewhere means "read the log".
      running.state =
        state && running.state && running.state.version > state.version ? running.state : state;
      return running.done;
    }
    const mark: Pass = { again: false, refresh, state, done: Promise.resolve() };
    this.busy.set(storeId, mark);
    mark.done = (async () => {
      try {
        do {
          // At most one publish per store every `interval` ms, or twice as long as the last one
          // took (a long line is costly to estimate): what changes meanwhile is folded into the
          // next, and publishing a busy store leaves at least half the time to its commands. A
          // quiet store's change goes out at once. (5 ms and twice: offers reach a busy store's
          // tablets in p99 39-45 ms at 1.5x the check-ins/s of 20 ms and four times, whose p99
          // was 67-84 ms; see docs/PERFORMANCE.md.)
          const last = this.published.get(storeId);
          const wait = last ? last.at + Math.max(this.interval, 2 * last.took) : 0;
          if (wait > performance.now()) await delay(wait - performance.now());
          mark.again = false;
          const known = mark.state;
          const again = mark.refresh;
          mark.state = undefined;
          mark.refresh = false;
          const started = performance.now();
          await this.publish(storeId, known, again);
          this.published.set(storeId, { at: started, took: performance.now() - started });
        } while (mark.again);
      } catch (err) {
        this.logger.warn({ err, storeId }, "publishing views failed");
      } finally {
        this.busy.delete(storeId);
      }
    })();
    return mark.done;
  }

  /**
   * Sends each of this process's sockets of the store its view as the change from the view it
   * was sent before, in one message, only when it changed. Sockets sent the same view before
   * (kiosks, displays) are sent the same change together: encoded once.
   */
  async publish(storeId: string, known?: StoreState, again = false): Promise<void> {
    const members = this.io.of("/").adapter.rooms.get(rooms.store(storeId));
    if (!members || members.size === 0) return;
    // The committing process has the state in hand: no read, no wait behind queued commands.
    const state = known ?? (await this.service.state(storeId));
    this.sendAll([...members], new Projection(state, this.clock()), again);
  }

  /**
   * A socket's view now, whole (on connect, and on `view:sync` with `whole`): unless a newer
   * one went out meanwhile.
   */
  async sendWhole(socket: AppSocket, whole: boolean): Promise<number | undefined> {
    if (whole) socket.data.sent = undefined;
    const state = await this.service.state(socket.data.identity.storeId);
    this.sendAll([socket.id], new Projection(state, this.clock()), false);
    return socket.data.sent?.version;
  }

  /**
   * Re-estimates what this process's sockets see as time passes, with no change to the store
   * (wait ranges, minutes waited): each is sent the change at the same version, when what it
   * shows moved, so every page shown one state at one moment agrees.
   */
  async refreshEstimates(): Promise<void> {
    const stores: string[] = [];
    for (const room of this.io.of("/").adapter.rooms.keys()) {
      const storeId = /^s:([^:]+)$/.exec(room)?.[1];
      if (storeId) stores.push(storeId);
    }
    // One store after another: the whole process's re-estimate is not one long stall.
    for (const storeId of stores) await this.changed(storeId, undefined, true);
  }

  /**
   * Sends each socket (by id) its view of `projection` as a change from what it holds. With
   * `again`, a socket holding this very version is sent what moved in it too (re-estimates).
   */
  private sendAll(ids: Iterable<string>, projection: Projection, again: boolean): void {
    const sockets = this.io.of("/").sockets;
    const state = projection.state;
    const version = state.version;
    /** Per shared role: its view of this projection, and the sockets by what they were sent. */
    const shared = new Map<string, { view: View; bySent: Map<Sent | undefined, string[]> }>();
    for (const id of ids) {
      const socket = sockets.get(id);
      if (!socket) continue;
      const { identity, sent } = socket.data;
      if (sent && (sent.version > version || (sent.version === version && !again))) continue;
      if (
        (identity.role === "associate" || identity.role === "manager") &&
        state.associates.get(identity.associateId)?.connected === false
      )
        this.absentTablet?.(identity);
      if (SHARED.has(identity.role)) {
        let role = shared.get(identity.role);
        if (!role) {
          const view = viewFor(identity, projection);
          if (!view) continue;
          role = { view, bySent: new Map() };
          shared.set(identity.role, role);
        }
        const group = role.bySent.get(sent);
        if (group) group.push(id);
        else role.bySent.set(sent, [id]);
        continue;
      }
      const view = viewFor(identity, projection);
      if (view) this.send([socket.id], sent, { version, view });
    }
    for (const { view, bySent } of shared.values())
      for (const [sent, group] of bySent) this.send(group, sent, { version, view });
  }

  /** Sends the sockets `ids`, which were all sent `sent`, the change to `next`, if any. */
  private send(ids: string[], sent: Sent | undefined, next: Sent): void {
    const patch = sent ? diff(sent.view, next.view) : { "=": next.view };
    if (!patch) return;
    const sockets = this.io.of("/").sockets;
    for (const id of ids) {
      const socket = sockets.get(id);
      if (socket) socket.data.sent = next;
    }
    const update = { version: next.version, since: sent?.version ?? -1, patch };
    // Local only: every process sends its own sockets what they need.
    if (ids.length === 1) sockets.get(ids[0] as string)?.emit("view:patch", update);
    else this.io.local.to(ids).emit("view:patch", update);
  }
}
