import type { Server } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../../shared/protocol.js";
import type { Versioned, View } from "../../shared/views.js";
import type { QueueService } from "../app/queue-service.js";
import type { Identity } from "../auth/credentials.js";
import { Projection, type StoreState } from "../domain/index.js";
import type { Logger } from "../logger.js";
import { rooms } from "./rooms.js";

export interface SocketData {
  identity: Identity;
  /** The newest store version this socket was sent. */
  version: number;
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, ServerEvents, SocketData>;

/** Between server processes (through the socket.io adapter). */
export interface ServerEvents {
  "store:changed": (storeId: string, version: number) => void;
}

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

  /** A commit was made in this process: publish it here and tell the others. */
  committed(storeId: string, state: StoreState): void {
    if (this.shared) this.io.serverSideEmit("store:changed", storeId, state.version);
    this.changed(storeId, state);
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

  /** Sends every local socket of the store its view, if it is newer than what it has. */
  async publish(storeId: string, known?: StoreState): Promise<void> {
    const members = this.io.of("/").adapter.rooms.get(rooms.store(storeId));
    if (!members || members.size === 0) return;
    // The committing process has the state in hand: no read, no wait behind queued commands.
    const state = known ?? (await this.service.state(storeId));
    const projection = new Projection(state, this.clock());
    const shared = new Map<string, View | undefined>();
    for (const socketId of members) {
      const socket = this.io.of("/").sockets.get(socketId);
      if (!socket || socket.data.version >= state.version) continue;
      const identity = socket.data.identity;
      const key =
        identity.role === "kiosk" || identity.role === "display" ? identity.role : undefined;
      let view = key ? shared.get(key) : undefined;
      if (!view) {
        view = viewFor(identity, projection);
        if (key) shared.set(key, view);
      }
      if (!view) continue;
      socket.data.version = state.version;
      const update: Versioned = { version: state.version, view };
      socket.emit("view:update", update);
    }
  }
}
