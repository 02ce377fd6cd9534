import { type Patch, PatchMismatch, applyPatch } from "./patch.js";
import type { View, ViewPatch } from "./views.js";

/** What applying one pushed message did. */
export interface Applied {
  /** The view held now differs from before. */
  changed: boolean;
  /** The message showed that something was missed: ask for a whole view (`view:sync`). */
  gap: boolean;
}

const IGNORED: Applied = { changed: false, gap: false };

/**
 * The newest view a client holds, built from the server's `view:patch` messages. Every page,
 * test client and load generator applies them through this, so they all follow one rule: a
 * whole view (`since` -1) replaces the held one unless older; a patch applies only to the view
 * of version `since`. One older than what is held is ignored; one made for another view shows
 * a gap (ask for `view:sync`).
 */
export class HeldView<V extends View = View> {
  view: V | undefined;
  version = -1;

  apply(update: ViewPatch): Applied {
    const { version, since, patch } = update;
    if (since < 0) {
      if (version < this.version) return IGNORED;
      if (!("=" in patch)) return { changed: false, gap: true };
      return this.hold(patch["="] as V, version);
    }
    // Older than what is held, or a change to an older view of the version held: seen already.
    if (version < this.version || (version === this.version && since !== this.version))
      return IGNORED;
    if (since !== this.version || !this.view) return { changed: false, gap: true };
    try {
      return this.hold(applyPatch(this.view, patch) as V, version);
    } catch (error) {
      if (error instanceof PatchMismatch) return { changed: false, gap: true };
      throw error;
    }
  }

  private hold(view: V, version: number): Applied {
    this.view = view;
    this.version = version;
    return { changed: true, gap: false };
  }
}

/** Anything socket-like that delivers events (socket.io-client's Socket). */
export interface EventSource {
  on(event: "view:patch", listener: (update: ViewPatch) => void): unknown;
}

/**
 * Keeps `held` up to date from `socket`'s `view:patch` messages. `onChange` runs after each
 * change; `resync` when a message showed a missed one (the caller asks for `view:sync`), once
 * until a whole view comes.
 */
export function follow<V extends View>(
  socket: EventSource,
  held: HeldView<V>,
  onChange: (view: V, version: number) => void,
  resync: () => void,
): void {
  let asked = false;
  socket.on("view:patch", (update: ViewPatch) => {
    const applied = held.apply(update);
    if (update.since < 0 && applied.changed) asked = false;
    if (applied.changed && held.view) onChange(held.view, held.version);
    if (applied.gap && !asked) {
      asked = true;
      resync();
    }
  });
}

export type { Patch };
