import {
  type AssociateView,
  type BoardUpdate,
  type Colleague,
  type OwnUpdate,
  type StaffBoard,
  type StaffVisit,
  type Versioned,
  type View,
  withBoard,
} from "./views.js";

/** The server's view-carrying events, as a client receives them. */
export const VIEW_EVENTS = ["view:full", "view:update", "board:update", "view:own"] as const;
export type ViewEvent = (typeof VIEW_EVENTS)[number];

/** What applying one pushed message did. */
export interface Applied {
  /** The view held now differs from before. */
  changed: boolean;
  /** The message showed that something was missed: ask for a full view (`view:sync`). */
  gap: boolean;
}

const IGNORED: Applied = { changed: false, gap: false };

/**
 * The newest view a client holds, built from what the server pushes. Every page, test client
 * and load generator applies the messages through this, so they all follow the same rules:
 *
 * - `view:full` replaces the view unless it is older than the one held.
 * - `view:update` replaces it if newer; its `since` above the held version means one was missed.
 *   One marked `refresh` (waits re-estimated, nothing else changed) replaces the view of its own
 *   version; of a newer version it shows one was missed.
 *   A manager's leaves out `recent` when that did not change: the held one is kept.
 * - `board:update` (plain associates) replaces the shared part (line, colleagues, topics) if newer:
 *   a whole board, or a patch to the board of version `since`, which applies only to that board
 *   (else a full view is asked for).
 * - `view:own` (plain associates) replaces the associate's own part (me, offer, visit). The
 *   server sends it just before the board of the same version; it is kept until that board
 *   comes, so the view changes once, whole. (Of the held version, it applies at once.)
 */
export class HeldView<V extends View = View> {
  view: V | undefined;
  version = -1;
  /** An own part sent ahead of the board of its version. */
  private pending: OwnUpdate | undefined;
  /** The version of the board the held view shows (what a patch applies to). */
  private boardVersion = -1;

  apply(event: ViewEvent, update: unknown): Applied {
    switch (event) {
      case "view:full":
        return this.full(update as Versioned);
      case "view:update":
        return this.update(update as Versioned);
      case "board:update":
        return this.board(update as BoardUpdate);
      case "view:own":
        return this.own(update as OwnUpdate);
    }
  }

  private full(update: Versioned): Applied {
    if (update.version < this.version) return IGNORED;
    if (this.pending && this.pending.version <= update.version) this.pending = undefined;
    this.boardVersion = update.version;
    return this.hold(update.view, update.version, false);
  }

  private update(update: Versioned): Applied {
    // A re-estimate of the version held replaces it; of a newer one, shows one was missed.
    if (update.refresh && update.version >= this.version && this.view)
      return update.version === this.version
        ? this.hold(update.view, update.version, false)
        : { changed: false, gap: true };
    if (update.version <= this.version) return IGNORED;
    let gap = this.version >= 0 && (update.since ?? update.version - 1) > this.version;
    let view = update.view;
    // A manager's update leaves out `recent` (today's ended visits) when it did not change.
    if (view.role === "manager" && !("recent" in view)) {
      const held = this.view as View | undefined;
      const recent = held?.role === "manager" && "recent" in held ? held.recent : undefined;
      if (!recent) gap = true;
      view = { ...view, recent: recent ?? [] };
    }
    return this.hold(view, update.version, gap);
  }

  private board(update: BoardUpdate): Applied {
    const held = this.associate();
    if (!held || update.version <= this.version) return IGNORED;
    const board = update.board ?? this.patched(update);
    // A patch to a board other than the one held: ask for a whole view.
    if (!board) return { changed: false, gap: true };
    const gap = update.since > this.version;
    let view = withBoard(held, board);
    const pending = this.pending;
    this.pending = undefined;
    if (pending && pending.version <= update.version) view = { ...view, ...pending.own };
    this.boardVersion = update.version;
    return this.hold(view, update.version, gap);
  }

  /** The board a patch makes of the held one; undefined if it does not apply to it. */
  private patched(update: BoardUpdate): StaffBoard | undefined {
    const patch = update.patch;
    const held = this.associate();
    if (!patch || !held || this.boardVersion !== update.since) return undefined;
    const me = held.me.id;
    // What the held view shows, each entry replaced by its changed one if the patch has it.
    const visits = new Map([...held.line, ...patch.changedVisits].map((v) => [v.visitId, v]));
    const colleagues = new Map(
      [...held.colleagues, ...patch.changedColleagues].map((c) => [c.id, c]),
    );
    const line: StaffVisit[] = [];
    for (const id of patch.line) {
      const visit = visits.get(id);
      if (!visit) return undefined;
      line.push(visit);
    }
    const everyone: Colleague[] = [];
    for (const id of patch.colleagues) {
      const colleague = colleagues.get(id);
      // The receiver itself is left out of its colleagues; nothing to keep of it.
      if (colleague) everyone.push(colleague);
      else if (id !== me) return undefined;
    }
    return { storeName: patch.storeName, topics: patch.topics, line, colleagues: everyone };
  }

  private own(update: OwnUpdate): Applied {
    const held = this.associate();
    if (!held || update.version < this.version) return IGNORED;
    // The board of its version follows: show both together when it comes.
    if (update.version > this.version) {
      this.pending = update;
      return IGNORED;
    }
    return this.hold({ ...held, ...update.own }, update.version, false);
  }

  private associate(): AssociateView | undefined {
    const held = this.view as View | undefined;
    return held && (held.role === "associate" || held.role === "manager") && "line" in held
      ? (held as AssociateView)
      : undefined;
  }

  private hold(view: View, version: number, gap: boolean): Applied {
    this.view = view as V;
    this.version = version;
    return { changed: true, gap };
  }
}

/** Anything socket-like that delivers events (socket.io-client's Socket). */
export interface EventSource {
  on(event: string, listener: (update: never) => void): unknown;
}

/**
 * Keeps `held` up to date from `socket`'s view events. `onChange` runs after each change;
 * `onGap` when a message showed a missed one (the caller asks for `view:sync`).
 */
export function follow<V extends View>(
  socket: EventSource,
  held: HeldView<V>,
  onChange: (view: V, version: number, event: ViewEvent) => void,
  onGap: () => void,
): void {
  for (const event of VIEW_EVENTS) {
    socket.on(event, (update: never) => {
      const applied = held.apply(event, update);
      if (applied.changed && held.view) onChange(held.view, held.version, event);
      if (applied.gap) onGap();
    });
  }
}
