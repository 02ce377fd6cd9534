import type { Server } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../../shared/protocol.js";
import type { BoardUpdate, CustomerView, KioskView, View } from "../../shared/views.js";
import type { QueueService } from "../app/queue-service.js";
import type { Identity } from "../auth/credentials.js";
import { Projection, type StoreState } from "../domain/index.js";
import type { Logger } from "../logger.js";
import { rooms } from "./rooms.js";

export interface SocketData {
  identity: Identity;
  /** The newest store version this socket was sent. */
  version: number;
  /** A plain associate's own part of the view as last sent (JSON), to send only changes. */
  own?: string;
  /** What the manager's `recent` list last sent was built from (`recentSource`). */
  recent?: RecentSource;
  /** A customer's range (and lateness) as last sent, so a re-estimate goes out only if it moved. */
  wait?: string;
}

/**
 * What a manager's `recent` list (today's ended visits) is built from: the store's closed visits
 * (an immutable map, a new one whenever one changes) and its local day. The same source, the
 * same list, so it need not be built or sent again.
 */
export interface RecentSource {
  closed: object;
  day: string;
}

export const recentSource = (state: StoreState, projection: Projection): RecentSource => ({
  closed: state.closed,
  day: projection.today,
});

const sameRecent = (a: RecentSource | undefined, b: RecentSource) =>
  a !== undefined && a.closed === b.closed && a.day === b.day;

/** Roles whose sockets of a store all see the same thing (plain associates: the board). */
const SHARED_ROLES = ["kiosk", "display", "associate"] as const;
type SharedRole = (typeof SHARED_ROLES)[number];

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, ServerEvents, SocketData>;

/** Between server processes (through the socket.io adapter). */
export interface ServerEvents {
  "store:changed": (storeId: string, version: number) => void;
}

/** What a re-estimate may change on a customer's page: the range, and whether we are late. */
export const shownEstimate = (view: CustomerView): string => JSON.stringify([view.wait, view.late]);

const kioskWaitsOf = (view: KioskView): string =>
  JSON.stringify(view.topics.map((t) => [t.wait, t.waits]));

/** The view a socket of this identity sees; undefined if it no longer exists (visit gone). */
export function viewFor(identity: Identity, projection: Projection): View | undefined {
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
  private readonly busy = new Map<string, { again: boolean; state: StoreState | undefined }>();
  /** Per store: the newest state committed here and not yet published (see `committed`). */
  private readonly newest = new Map<string, StoreState>();
  /** Told of a tablet here whose associate the store has as disconnected (see `reassert`). */
  absentTablet: ((identity: Identity & { associateId: string }) => void) | undefined;
  /** Per store: the board last broadcast here, each entry as JSON by id (to send changes). */
  private readonly boards = new Map<
    string,
    { version: number; visits: Map<string, string>; colleagues: Map<string, string> }
  >();
  /** Per store and shared role: the version last broadcast to this process's sockets. */
  private readonly broadcasts = new Map<string, Map<SharedRole, number>>();
  /** Per store: the kiosks' waits as last broadcast here (JSON), for re-estimates. */
  private readonly kioskWaits = new Map<string, { version: number; waits: string }>();

  constructor(
    private readonly io: IoServer,
    private readonly service: QueueService,
    private readonly logger: Logger,
    private readonly clock: () => number,
    /** Whether other server processes share the store (Redis adapter): then tell them. */
    private readonly shared: boolean,
  ) {
    io.on("store:changed", (storeId: string) => this.changed(storeId));
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
      this.changed(storeId, newest);
    });
  }

  /**
   * Publishes the store. With `state` (a commit made here) that state is shown as it is; without
   * (another process's commit) the store's new commits are read first.
   */
  changed(storeId: string, state?: StoreState): void {
    const running = this.busy.get(storeId);
    if (running) {
      running.again = true;
      // Remember the newest known state; a notice from elsewhere means "read the log".
      running.state =
        state && running.state && running.state.version > state.version ? running.state : state;
      return;
    }
    const mark: { again: boolean; state: StoreState | undefined } = { again: false, state };
    this.busy.set(storeId, mark);
    void (async () => {
      try {
        do {
          mark.again = false;
          const known = mark.state;
          mark.state = undefined;
          await this.publish(storeId, known);
        } while (mark.again);
      } catch (err) {
        this.logger.warn({ err, storeId }, "publishing views failed");
      } finally {
        this.busy.delete(storeId);
      }
    })();
  }

  /**
   * Sends this process's sockets of the store what changed. Views every socket of a role sees
   * alike (kiosks, displays, and the board plain associates share) are broadcast to the role's
   * room, so socket.io encodes each once per store; the rest goes to each socket: a customer's
   * or manager's whole view, or an associate's own part when it changed. The own part goes out
   * before the board of the same version, which the client waits for to show both at once.
   */
  async publish(storeId: string, known?: StoreState): Promise<void> {
    const sockets = this.io.of("/").sockets;
    const localRooms = this.io.of("/").adapter.rooms;
    const members = localRooms.get(rooms.store(storeId));
    if (!members || members.size === 0) return;
    // The committing process has the state in hand: no read, no wait behind queued commands.
    const state = known ?? (await this.service.state(storeId));
    const version = state.version;
    const projection = new Projection(state, this.clock());

    for (const socketId of members) {
      const socket = sockets.get(socketId);
      if (!socket || socket.data.version >= version) continue;
      const identity = socket.data.identity;
      const since = socket.data.version;
      if (
        (identity.role === "associate" || identity.role === "manager") &&
        state.associates.get(identity.associateId)?.connected === false
      )
        this.absentTablet?.(identity);
      if (identity.role === "kiosk" || identity.role === "display") {
        socket.data.version = version;
      } else if (identity.role === "associate") {
        const own = projection.own(identity.associateId);
        if (!own) continue;
        socket.data.version = version;
        const encoded = JSON.stringify(own);
        if (encoded === socket.data.own) continue;
        socket.data.own = encoded;
        socket.emit("view:own", { version, own });
      } else {
        const view =
          identity.role === "manager"
            ? this.managerView(socket.data, identity.associateId, projection)
            : viewFor(identity, projection);
        if (!view) continue;
        socket.data.version = version;
        if (view.role === "customer") socket.data.wait = shownEstimate(view);
        socket.emit("view:update", { version, since, view });
      }
    }

    const sent = this.broadcasts.get(storeId) ?? new Map<SharedRole, number>();
    this.broadcasts.set(storeId, sent);
    for (const role of SHARED_ROLES) {
      const room = rooms.role(storeId, role);
      if (!localRooms.get(room)?.size) {
        // Nobody here to follow on: whoever comes gets a full view, then a whole board.
        sent.delete(role);
        if (role === "associate") this.boards.delete(storeId);
        continue;
      }
      const since = sent.get(role) ?? -1;
      if (since >= version) continue;
      sent.set(role, version);
      // Local only: every process sends its own sockets what they need.
      const to = this.io.local.to(room);
      if (role === "associate")
        to.emit("board:update", this.boardUpdate(storeId, since, projection));
      else if (role === "kiosk") {
        const view = projection.kiosk();
        this.kioskWaits.set(storeId, { version, waits: kioskWaitsOf(view) });
        to.emit("view:update", { version, since, view });
      } else to.emit("view:update", { version, since, view: projection.display() });
    }
  }

  /**
   * Re-estimates the waits this process's customers and kiosks see as time passes, with no
   * change to the store: each gets the view again (same version, `refresh`) only when the range
   * it shows moved. Stores being published now are left to that.
   */
  async refreshEstimates(): Promise<void> {
    const localRooms = this.io.of("/").adapter.rooms;
    const stores = new Set<string>();
    for (const room of localRooms.keys()) {
      const match = /^s:([^:]+):r:(customer|kiosk)$/.exec(room);
      if (match?.[1]) stores.add(match[1]);
    }
    for (const storeId of stores) {
      if (this.busy.has(storeId)) continue;
      try {
        await this.refreshStore(storeId);
      } catch (err) {
        this.logger.warn({ err, storeId }, "re-estimating waits failed");
      }
    }
  }

  private async refreshStore(storeId: string): Promise<void> {
    const state = await this.service.state(storeId);
    const version = state.version;
    const projection = new Projection(state, this.clock());
    const localRooms = this.io.of("/").adapter.rooms;
    const sockets = this.io.of("/").sockets;
    for (const socketId of localRooms.get(rooms.role(storeId, "customer")) ?? []) {
      const socket = sockets.get(socketId);
      const identity = socket?.data.identity;
      // A socket behind this version gets it from the publisher, whole.
      if (!socket || identity?.role !== "customer" || socket.data.version !== version) continue;
      const view = projection.customer(identity.visitId);
      const wait = view ? shownEstimate(view) : "";
      if (!view || wait === socket.data.wait) continue;
      socket.data.wait = wait;
      socket.emit("view:update", { version, since: version, view, refresh: true });
    }
    const kiosks = rooms.role(storeId, "kiosk");
    const kioskIds = localRooms.get(kiosks);
    if (!kioskIds?.size) return;
    // What the kiosks here were last broadcast of this version. Kiosks that all got full views
    // of it instead (none was here at its broadcast, as after a restart) are sent it once.
    const last = this.kioskWaits.get(storeId);
    const shown = last?.version === version ? last.waits : undefined;
    if (
      shown === undefined &&
      ![...kioskIds].every((id) => sockets.get(id)?.data.version === version)
    )
      return;
    const view = projection.kiosk();
    const waits = kioskWaitsOf(view);
    if (waits === shown) return;
    this.kioskWaits.set(storeId, { version, waits });
    this.io.local.to(kiosks).emit("view:update", { version, since: version, view, refresh: true });
  }

  /**
   * A manager's view, leaving out today's ended visits when the socket was sent them built from
   * the same closed visits on the same day (they grow all day). An associate's view if they are
   * no longer a manager.
   */
  private managerView(
    data: SocketData,
    managerId: string,
    projection: Projection,
  ): View | undefined {
    const source = recentSource(projection.state, projection);
    const manager = sameRecent(data.recent, source)
      ? projection.manager(managerId, false)
      : projection.manager(managerId);
    if (!manager) return projection.associate(managerId);
    data.recent = source;
    return manager as View;
  }

  /**
   * A plain associate's tablet here was sent a full view of `version`. Unless that is the board
   * last broadcast, a patch to that one would not fit the tablet's board (it would ask for
   * another full view, and under load all of them would, again and again): the next board goes
   * out whole.
   */
  fullSent(storeId: string, version: number): void {
    if (this.boards.get(storeId)?.version !== version) this.boards.delete(storeId);
  }

  /**
   * The board for plain associates' tablets: only what changed since the board broadcast before
   * (`since`), or the whole board when there was none here.
   */
  private boardUpdate(storeId: string, since: number, projection: Projection): BoardUpdate {
    const version = projection.state.version;
    const board = projection.board();
    const visits = new Map(board.line.map((v) => [v.visitId, JSON.stringify(v)]));
    const colleagues = new Map(board.colleagues.map((c) => [c.id, JSON.stringify(c)]));
    const last = this.boards.get(storeId);
    this.boards.set(storeId, { version, visits, colleagues });
    if (!last || last.version !== since) return { version, since, board };
    return {
      version,
      since,
      patch: {
        storeName: board.storeName,
        topics: board.topics,
        line: board.line.map((v) => v.visitId),
        changedVisits: board.line.filter(
          (v) => last.visits.get(v.visitId) !== visits.get(v.visitId),
        ),
        colleagues: board.colleagues.map((c) => c.id),
        changedColleagues: board.colleagues.filter(
          (c) => last.colleagues.get(c.id) !== colleagues.get(c.id),
        ),
      },
    };
  }
}
