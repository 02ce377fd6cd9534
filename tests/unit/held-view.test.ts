import { describe, expect, it } from "vitest";
import { HeldView } from "../../shared/live-view.js";
import type {
  AssociateView,
  DisplayView,
  KioskView,
  ManagerView,
  StaffBoard,
  View,
} from "../../shared/views.js";

/** How a client applies what the server pushes (every page, test client and load generator). */

const me = (busy: AssociateView["me"]["busy"]) => ({
  id: "ana",
  name: "Ana",
  presence: "available" as const,
  connected: true,
  busy,
  manager: false,
  wrapUpUntil: null,
});

const tablet = (line: string[]): AssociateView => ({
  role: "associate",
  storeName: "Shop",
  me: me(null),
  line: line.map((code) => ({ code }) as AssociateView["line"][number]),
  offer: null,
  visit: null,
  colleagues: [],
  topics: [],
});

const board = (line: string[]): StaffBoard => ({
  storeName: "Shop",
  line: line.map((code) => ({ code }) as AssociateView["line"][number]),
  colleagues: [me(null), { ...me(null), id: "bo", name: "Bo" }],
  topics: [],
});

const display = (codes: string[]): DisplayView => ({
  role: "display",
  storeName: "Shop",
  open: true,
  language: "en",
  waiting: [{ topicId: "phones", topicName: "Phones", codes }],
  nowServing: [],
});

const kiosk = (lowMin: number): KioskView => ({
  role: "kiosk",
  storeName: "Shop",
  open: true,
  languages: ["en"],
  topics: [
    {
      id: "phones",
      name: "Phones",
      letter: "P",
      wait: { lowMin, highMin: lowMin + 4 },
      waits: { en: { lowMin, highMin: lowMin + 4 } },
      waiting: 2,
    },
  ],
});

const lowOf = (held: HeldView<KioskView>) => held.view?.topics[0]?.wait?.lowMin;

describe("a held view", () => {
  it("ignores an update older than what it holds and reports a missed one by `since`", () => {
    const held = new HeldView<DisplayView>();
    expect(held.apply("view:full", { version: 5, view: display(["P-001"]) })).toEqual({
      changed: true,
      gap: false,
    });
    expect(held.apply("view:update", { version: 4, since: 3, view: display([]) }).changed).toBe(
      false,
    );
    expect(held.apply("view:update", { version: 7, since: 5, view: display(["P-002"]) })).toEqual({
      changed: true,
      gap: false,
    });
    expect(held.apply("view:update", { version: 9, since: 8, view: display([]) })).toEqual({
      changed: true,
      gap: true,
    });
    expect(held.apply("view:full", { version: 8, view: display(["P-009"]) }).changed).toBe(false);
    expect(held.view?.waiting[0]?.codes).toEqual([]);
  });

  it("shows a tablet's own part only together with the board of its version", () => {
    const held = new HeldView<AssociateView>();
    held.apply("view:full", { version: 3, view: tablet([]) });
    const own = { role: "associate" as const, me: me("offer"), offer: null, visit: null };
    expect(held.apply("view:own", { version: 4, own }).changed).toBe(false);
    expect(held.view?.me.busy).toBeNull();
    expect(held.apply("board:update", { version: 4, since: 3, board: board(["P-001"]) })).toEqual({
      changed: true,
      gap: false,
    });
    expect(held.version).toBe(4);
    expect(held.view?.me.busy).toBe("offer");
    expect(held.view?.line.map((v) => v.code)).toEqual(["P-001"]);
    // The board lists everyone; a tablet leaves itself out of its colleagues.
    expect(held.view?.colleagues.map((c) => c.id)).toEqual(["bo"]);
  });

  it("applies an own part of the version it holds at once, and drops an older board or own", () => {
    const held = new HeldView<AssociateView>();
    held.apply("view:full", { version: 6, view: tablet(["P-001"]) });
    const own = { role: "associate" as const, me: me("visit"), offer: null, visit: null };
    expect(held.apply("view:own", { version: 6, own }).changed).toBe(true);
    expect(held.view?.me.busy).toBe("visit");
    expect(held.apply("board:update", { version: 5, since: 4, board: board([]) }).changed).toBe(
      false,
    );
    expect(held.apply("view:own", { version: 5, own: { ...own, me: me(null) } }).changed).toBe(
      false,
    );
    expect(held.view?.line.map((v) => v.code)).toEqual(["P-001"]);
    expect(held.apply("board:update", { version: 9, since: 7, board: board([]) }).gap).toBe(true);
  });

  it("forgets an own part held back when a full view as new arrives", () => {
    const held = new HeldView<AssociateView>();
    held.apply("view:full", { version: 1, view: tablet([]) });
    held.apply("view:own", {
      version: 2,
      own: { role: "associate", me: me("offer"), offer: null, visit: null },
    });
    held.apply("view:full", { version: 2, view: tablet(["P-001"]) });
    held.apply("board:update", { version: 3, since: 2, board: board(["P-001", "P-002"]) });
    expect(held.view?.me.busy).toBeNull();
  });

  it("takes no board or own part before it has a whole view", () => {
    const held = new HeldView<AssociateView>();
    expect(held.apply("board:update", { version: 2, since: 1, board: board([]) }).changed).toBe(
      false,
    );
    expect(held.view).toBeUndefined();
  });

  it("keeps a manager's list of today's visits when an update leaves it out", () => {
    const held = new HeldView<ManagerView>();
    const console = (recent: string[]) =>
      ({
        ...tablet([]),
        role: "manager",
        open: true,
        alerts: [],
        stats: {},
        recent: recent.map((code) => ({ code })),
        settings: {},
      }) as unknown as ManagerView;
    held.apply("view:full", { version: 1, view: console(["P-001"]) });
    const { recent: _left, ...without } = console([]);
    expect(held.apply("view:update", { version: 2, since: 1, view: without as View })).toEqual({
      changed: true,
      gap: false,
    });
    expect(held.view?.recent.map((v) => v.code)).toEqual(["P-001"]);
    held.apply("view:update", { version: 3, since: 2, view: console(["P-002", "P-001"]) });
    expect(held.view?.recent.map((v) => v.code)).toEqual(["P-002", "P-001"]);
    // Nothing to keep it from: ask for a full view.
    const fresh = new HeldView<ManagerView>();
    fresh.apply("view:full", { version: 1, view: tablet([]) as unknown as ManagerView });
    expect(fresh.apply("view:update", { version: 2, since: 1, view: without as View }).gap).toBe(
      true,
    );
  });

  it("applies a board patch only to the board of its `since`, keeping unchanged entries", () => {
    const held = new HeldView<AssociateView>();
    const v = (code: string, status = "waiting") =>
      ({ visitId: code, code, status }) as unknown as AssociateView["line"][number];
    held.apply("view:full", {
      version: 4,
      view: {
        ...tablet([]),
        line: [v("P-001"), v("P-002")],
        colleagues: [{ ...me(null), id: "bo" }],
      },
    });
    const patch = (since: number, version: number) => ({
      version,
      since,
      patch: {
        storeName: "Shop",
        topics: [],
        line: ["P-002", "P-003"],
        changedVisits: [v("P-003")],
        colleagues: ["ana", "bo"],
        changedColleagues: [],
      },
    });
    // Not the board held (4): nothing changes, and a whole view is asked for.
    expect(held.apply("board:update", patch(3, 5))).toEqual({ changed: false, gap: true });
    expect(held.apply("board:update", patch(4, 5))).toEqual({ changed: true, gap: false });
    expect(held.view?.line.map((x) => x.code)).toEqual(["P-002", "P-003"]);
    expect(held.view?.colleagues.map((c) => c.id)).toEqual(["bo"]);
    // The next patch applies to the board of version 5.
    const next = patch(5, 6);
    next.patch.line = ["P-003"];
    next.patch.changedVisits = [v("P-003", "offered")];
    expect(held.apply("board:update", next).changed).toBe(true);
    expect(held.view?.line.map((x) => [x.code, x.status])).toEqual([["P-003", "offered"]]);
    // An entry the patch names but neither carries nor the held board has: ask for all.
    const broken = patch(6, 7);
    broken.patch.line = ["P-009"];
    broken.patch.changedVisits = [];
    expect(held.apply("board:update", broken)).toEqual({ changed: false, gap: true });
  });

  describe("re-estimated waits (`refresh`)", () => {
    it("replaces the view of the version it holds, though it is not newer", () => {
      const held = new HeldView<KioskView>();
      held.apply("view:full", { version: 5, view: kiosk(10) });
      expect(
        held.apply("view:update", { version: 5, since: 5, view: kiosk(7), refresh: true }),
      ).toEqual({ changed: true, gap: false });
      expect(held.version).toBe(5);
      expect(lowOf(held)).toBe(7);
      // Again as time passes: each re-estimate of the same version replaces the one before.
      held.apply("view:update", { version: 5, since: 5, view: kiosk(4), refresh: true });
      expect(lowOf(held)).toBe(4);
    });

    it("of a newer version shows one was missed and is not applied", () => {
      const held = new HeldView<KioskView>();
      held.apply("view:full", { version: 5, view: kiosk(10) });
      expect(
        held.apply("view:update", { version: 6, since: 6, view: kiosk(7), refresh: true }),
      ).toEqual({ changed: false, gap: true });
      expect(held.version).toBe(5);
      expect(lowOf(held)).toBe(10);
    });

    it("of an older version is ignored", () => {
      const held = new HeldView<KioskView>();
      held.apply("view:full", { version: 5, view: kiosk(10) });
      expect(
        held.apply("view:update", { version: 4, since: 4, view: kiosk(7), refresh: true }),
      ).toEqual({ changed: false, gap: false });
      expect(held.version).toBe(5);
      expect(lowOf(held)).toBe(10);
    });

    it("only a refresh replaces the version held: a plain update of it is still ignored", () => {
      const held = new HeldView<KioskView>();
      held.apply("view:full", { version: 5, view: kiosk(10) });
      expect(held.apply("view:update", { version: 5, since: 4, view: kiosk(7) })).toEqual({
        changed: false,
        gap: false,
      });
      expect(lowOf(held)).toBe(10);
      // A newer plain update still applies as ever after a refresh.
      held.apply("view:update", { version: 5, since: 5, view: kiosk(8), refresh: true });
      expect(held.apply("view:update", { version: 6, since: 5, view: kiosk(3) })).toEqual({
        changed: true,
        gap: false,
      });
      expect([held.version, lowOf(held)]).toEqual([6, 3]);
    });
  });
});
