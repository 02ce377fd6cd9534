import { describe, expect, it } from "vitest";
import { type EventSource, HeldView, follow } from "../../shared/live-view.js";
import { diff } from "../../shared/patch.js";
import type { AssociateView, KioskView, StaffVisit, ViewPatch } from "../../shared/views.js";
import { colleague, tablet as ownTablet, staffVisit } from "../support/views.js";

/**
 * How a client applies what the server pushes (every page, test client and load generator):
 * `view:patch {version, since, patch}`, a whole view when `since` is -1, else a patch to the
 * view of version `since`. Messages go through JSON as on the wire.
 */

const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A visit whose code follows its id's number ("v2": P-002). */
const visit = (visitId: string, more: Partial<StaffVisit> = {}): StaffVisit =>
  staffVisit(visitId, { code: `P-${visitId.slice(1).padStart(3, "0")}`, ...more });

/** Ana's tablet with these visits in line; Cy is away. */
const tablet = (line: StaffVisit[], more: Partial<AssociateView> = {}): AssociateView =>
  ownTablet(line, {
    colleagues: [colleague("bo"), colleague("cy", { presence: "away" })],
    ...more,
  });

const line = (...ids: string[]) => ids.map((id) => visit(id));

const kiosk = (lowMin: number): KioskView => ({
  role: "kiosk",
  storeName: "Shop",
  open: true,
  languages: ["en", "uk"],
  topics: [
    {
      id: "phones",
      name: "Phones",
      letter: "P",
      wait: { lowMin, highMin: lowMin + 4 },
      waits: {
        en: { lowMin, highMin: lowMin + 4 },
        uk: { lowMin: lowMin + 2, highMin: lowMin + 8 },
      },
      waiting: 2,
    },
  ],
});

/** The whole view of `version`, as sent on connect and on `view:sync`. */
const whole = (view: unknown, version: number): ViewPatch =>
  wire({ version, since: -1, patch: { "=": view } });

/** The change from the view of `since` to the view of `version`. */
function patch(before: unknown, after: unknown, since: number, version: number): ViewPatch {
  const change = diff(before, after);
  if (!change) throw new Error("the views are the same: nothing to send");
  return wire({ version, since, patch: change });
}

const CHANGED = { changed: true, gap: false };
const IGNORED = { changed: false, gap: false };
const GAP = { changed: false, gap: true };

const codes = (held: HeldView<AssociateView>) => held.view?.line.map((v) => v.code);
const lowOf = (held: HeldView<KioskView>) => held.view?.topics[0]?.wait?.lowMin;

describe("a held view", () => {
  it("takes a whole view, and another unless it is older than the one held", () => {
    const held = new HeldView<AssociateView>();
    expect(held.view).toBeUndefined();
    expect(held.version).toBe(-1);
    expect(held.apply(whole(tablet(line("v1")), 5))).toEqual(CHANGED);
    expect([held.version, codes(held)]).toEqual([5, ["P-001"]]);
    // Older: ignored.
    expect(held.apply(whole(tablet(line("v9")), 4))).toEqual(IGNORED);
    expect([held.version, codes(held)]).toEqual([5, ["P-001"]]);
    // Of the version held (a `view:sync` answered): replaces it.
    expect(held.apply(whole(tablet(line("v1", "v2")), 5))).toEqual(CHANGED);
    expect([held.version, codes(held)]).toEqual([5, ["P-001", "P-002"]]);
    // Newer, though several versions on: replaces it, no gap.
    expect(held.apply(whole(tablet([]), 9))).toEqual(CHANGED);
    expect([held.version, codes(held)]).toEqual([9, []]);
  });

  it("applies a patch to the view of its `since`", () => {
    const v5 = tablet(line("v1", "v2"));
    const v6 = tablet([visit("v2", { status: "offered" }), visit("v1"), visit("v3")]);
    const v7 = tablet(line("v3"), { me: { ...v5.me, busy: "visit" } });
    const held = new HeldView<AssociateView>();
    held.apply(whole(v5, 5));
    expect(held.apply(patch(v5, v6, 5, 6))).toEqual(CHANGED);
    expect(held.version).toBe(6);
    expect(held.view).toEqual(v6);
    expect(held.apply(patch(v6, v7, 6, 7))).toEqual(CHANGED);
    expect(held.version).toBe(7);
    expect(held.view).toEqual(v7);
  });

  it("makes a new view, leaving the one held before as it was and sharing what did not change", () => {
    const v1 = tablet(line("v1", "v2"));
    const v2 = { ...v1, line: [visit("v1", { paused: true }), visit("v2")] };
    const held = new HeldView<AssociateView>();
    held.apply(whole(v1, 1));
    const before = held.view as AssociateView;
    const snapshot = structuredClone(before);
    held.apply(patch(v1, v2, 1, 2));
    expect(before).toEqual(snapshot);
    expect(held.view).not.toBe(before);
    expect(held.view?.line[0]?.paused).toBe(true);
    expect(held.view?.line[1]).toBe(before.line[1]);
    expect(held.view?.colleagues).toBe(before.colleagues);
  });

  it("ignores a message older than the view held", () => {
    const v4 = tablet(line("v1"));
    const v5 = tablet(line("v1", "v2"));
    const held = new HeldView<AssociateView>();
    held.apply(whole(v5, 5));
    // Of an older version.
    expect(held.apply(patch(v4, tablet(line("v7")), 3, 4))).toEqual(IGNORED);
    // Of the version held, but a change to an older view: the view held has it already.
    expect(held.apply(patch(v4, v5, 4, 5))).toEqual(IGNORED);
    expect(held.version).toBe(5);
    expect(held.view).toEqual(v5);
  });

  it("shows a gap for a patch to a view it does not hold, and keeps its view", () => {
    const v5 = tablet(line("v1"));
    const held = new HeldView<AssociateView>();
    held.apply(whole(v5, 5));
    const before = held.view;
    // A patch to version 8: 6 to 8 were missed.
    const v8 = tablet(line("v1", "v2"));
    expect(held.apply(patch(v8, tablet(line("v2")), 8, 9))).toEqual(GAP);
    // A patch from version 4 to 6: made for a view older than the one held.
    expect(held.apply(patch(tablet([]), tablet(line("v3")), 4, 6))).toEqual(GAP);
    expect(held.version).toBe(5);
    expect(held.view).toBe(before);
    // The whole view asked for brings it back, and patches to it apply again.
    const v9 = tablet(line("v2"));
    expect(held.apply(whole(v9, 9))).toEqual(CHANGED);
    expect(held.apply(patch(v9, tablet(line("v2", "v4")), 9, 10))).toEqual(CHANGED);
    expect([held.version, codes(held)]).toEqual([10, ["P-002", "P-004"]]);
  });

  it("shows a gap for a patch of its `since` that does not fit the view held", () => {
    // The view held of version 5 has v1, v2; the patch was made from one with v1, v3.
    const held = new HeldView<AssociateView>();
    held.apply(whole(tablet(line("v1", "v2")), 5));
    const before = held.view;
    const theirs = tablet(line("v1", "v3"));
    const next = tablet([visit("v3", { status: "offered" }), visit("v1")]);
    expect(held.apply(patch(theirs, next, 5, 6))).toEqual(GAP);
    expect(held.version).toBe(5);
    expect(held.view).toBe(before);
    // A list where the view held has none.
    const bad: ViewPatch = { version: 6, since: 5, patch: { o: { me: { k: "id", l: [] } } } };
    expect(held.apply(bad)).toEqual(GAP);
    expect(held.view).toBe(before);
  });

  it("shows a gap for a patch before it holds any view", () => {
    const held = new HeldView<AssociateView>();
    expect(held.apply(patch(tablet([]), tablet(line("v1")), 3, 4))).toEqual(GAP);
    expect(held.view).toBeUndefined();
    expect(held.version).toBe(-1);
  });

  describe("re-estimated waits (a patch of the version held to itself)", () => {
    it("applies to the view held, each one to the one before", () => {
      const held = new HeldView<KioskView>();
      held.apply(whole(kiosk(10), 5));
      expect(held.apply(patch(kiosk(10), kiosk(7), 5, 5))).toEqual(CHANGED);
      expect([held.version, lowOf(held)]).toEqual([5, 7]);
      expect(held.view?.topics[0]?.waits.uk).toEqual({ lowMin: 9, highMin: 15 });
      // Again as time passes.
      expect(held.apply(patch(kiosk(7), kiosk(4), 5, 5))).toEqual(CHANGED);
      expect([held.version, lowOf(held)]).toEqual([5, 4]);
      // And the next version's patch, made from the last estimate, applies after them.
      const six = { ...kiosk(4), open: false };
      expect(held.apply(patch(kiosk(4), six, 5, 6))).toEqual(CHANGED);
      expect(held.view).toEqual(six);
    });

    it("of a newer version shows a gap; of an older one is ignored", () => {
      const held = new HeldView<KioskView>();
      held.apply(whole(kiosk(10), 5));
      expect(held.apply(patch(kiosk(10), kiosk(7), 6, 6))).toEqual(GAP);
      expect(held.apply(patch(kiosk(10), kiosk(7), 4, 4))).toEqual(IGNORED);
      expect([held.version, lowOf(held)]).toEqual([5, 10]);
    });
  });
});

/** A socket that delivers what the test emits. */
class FakeSocket implements EventSource {
  private readonly listeners: Array<(update: ViewPatch) => void> = [];
  events: string[] = [];

  on(event: "view:patch", listener: (update: ViewPatch) => void): this {
    this.events.push(event);
    this.listeners.push(listener);
    return this;
  }

  emit(update: ViewPatch): void {
    for (const listener of this.listeners) listener(update);
  }
}

function following() {
  const socket = new FakeSocket();
  const held = new HeldView<AssociateView>();
  const changes: Array<[string[], number]> = [];
  let resyncs = 0;
  follow(
    socket,
    held,
    (view, version) => changes.push([view.line.map((v) => v.code), version]),
    () => {
      resyncs += 1;
    },
  );
  return { socket, held, changes, resyncs: () => resyncs };
}

describe("following a socket", () => {
  it("listens to `view:patch` and tells each change with the view and its version", () => {
    const { socket, held, changes, resyncs } = following();
    expect(socket.events).toEqual(["view:patch"]);
    const v1 = tablet(line("v1"));
    const v2 = tablet(line("v1", "v2"));
    socket.emit(whole(v1, 1));
    socket.emit(patch(v1, v2, 1, 2));
    // Ignored: no change to tell.
    socket.emit(patch(v1, v2, 1, 2));
    socket.emit(whole(tablet([]), 0));
    expect(changes).toEqual([
      [["P-001"], 1],
      [["P-001", "P-002"], 2],
    ]);
    expect(held.view).toEqual(v2);
    expect(resyncs()).toBe(0);
  });

  it("asks for a whole view once per gap, until one comes", () => {
    const { socket, changes, resyncs } = following();
    const v1 = tablet(line("v1"));
    socket.emit(whole(v1, 1));
    // 2 was missed: ask once, however many patches come before the whole view.
    socket.emit(patch(tablet(line("v1", "v2")), tablet(line("v2")), 2, 3));
    socket.emit(patch(tablet(line("v2")), tablet(line("v2", "v3")), 3, 4));
    expect(resyncs()).toBe(1);
    expect(changes).toHaveLength(1);
    // The whole view asked for.
    const v4 = tablet(line("v2", "v3"));
    socket.emit(whole(v4, 4));
    expect(changes.at(-1)).toEqual([["P-002", "P-003"], 4]);
    socket.emit(patch(v4, tablet(line("v3")), 4, 5));
    expect(changes.at(-1)).toEqual([["P-003"], 5]);
    expect(resyncs()).toBe(1);
    // Another gap later: asked again.
    socket.emit(patch(tablet(line("v4")), tablet([]), 6, 7));
    expect(resyncs()).toBe(2);
    expect(changes).toHaveLength(3);
  });

  it("asks for a whole view when a patch does not fit the view held", () => {
    const { socket, held, changes, resyncs } = following();
    socket.emit(whole(tablet(line("v1", "v2")), 1));
    // Made from a view of version 1 with v3 (changed, and v4 joined), not v1, v2.
    const theirs = tablet(line("v3"));
    socket.emit(patch(theirs, tablet([visit("v3", { paused: true }), visit("v4")]), 1, 2));
    expect(resyncs()).toBe(1);
    expect(held.version).toBe(1);
    expect(changes).toEqual([[["P-001", "P-002"], 1]]);
  });

  it("ends with the server's view after a day of patches, whole views and re-estimates", () => {
    // The server's views, version by version (some re-estimated at the same version); the
    // client joins at version 3 and misses version 8's patch.
    const views: Array<[number, AssociateView]> = [];
    let current = tablet([]);
    const step = (version: number, change: (view: AssociateView) => AssociateView) => {
      current = change(current);
      views.push([version, current]);
    };
    for (let version = 1; version <= 12; version += 1) {
      step(version, (view) => ({ ...view, line: [...view.line, visit(`v${version}`)] }));
      if (version % 3 === 0)
        step(version, (view) => ({
          ...view,
          line: view.line.map((v) => ({ ...v, waitedMin: v.waitedMin + 1 })),
        }));
      if (version % 4 === 0)
        step(version, (view) => ({
          ...view,
          line: [...view.line.slice(2), ...view.line.slice(0, 1)],
          colleagues: view.colleagues.map((c) => (c.id === "bo" ? { ...c, busy: "visit" } : c)),
        }));
    }
    const { socket, held, changes, resyncs } = following();
    let previous: [number, AssociateView] | undefined;
    for (const [version, view] of views) {
      if (version === 3 && !held.view) socket.emit(whole(view, version));
      else if (previous && version >= 3) {
        const sent = patch(previous[1], view, previous[0], version);
        if (version !== 8) socket.emit(sent);
        // The client's `view:sync`, answered before the next message.
        if (resyncs() > 0 && held.version < version) socket.emit(whole(view, version));
      }
      previous = [version, view];
    }
    expect(resyncs()).toBe(1);
    expect(held.version).toBe(12);
    expect(held.view).toEqual(current);
    expect(changes.at(-1)?.[1]).toBe(12);
  });
});
