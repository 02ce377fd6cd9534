import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Patch, PatchMismatch, applyPatch, diff } from "../../shared/patch.js";
import type { AssociateView, StaffVisit } from "../../shared/views.js";
import { colleague, tablet, staffVisit as visit } from "../support/views.js";

/**
 * The patches the server sends instead of whole views (`view:patch`): a client holding `before`
 * must end up with exactly `after`, after the patch went through JSON on the wire.
 *
 * The properties run on random values shaped like views: records (with nested records, keys
 * present, absent or present as `undefined`), primitives and nulls, lists of records with
 * unique string ids under the keys the patches look for (`visitId`, `alertId`, `offerId`, `id`,
 * `topicId`, `code`; some records also carry a lower-priority id key, as a visit carries its
 * `code` and `topicId`), lists of such records whose ids repeat, and lists without ids (of
 * primitives, or of records without id keys). The second value of a pair is mostly the first
 * edited (keys changed or deleted, list records changed, added, dropped or reordered, all it
 * keeps shared by identity, as a view built from the one before), else one drawn on its own
 * (ids and values come from small pools, so it shares many records with the first), with or
 * without the subtrees equal to the first's shared, or a deep copy of the first.
 *
 * Not covered (the server never puts them in a view): NaN, infinities and -0, `undefined` or
 * null inside lists, and keys or ids named like `Object.prototype` members (`__proto__`,
 * `toString`, `constructor`, ...).
 */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);
const params = {
  numRuns: RUNS,
  // PROPERTY_SEED replays a failure fast-check reported (its `seed`).
  ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}),
};

/** Through the wire: what the client gets of what the server sent. */
const wire = <T>(value: T): T =>
  value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);

const ID_KEYS = ["visitId", "alertId", "offerId", "id", "topicId", "code"] as const;
type IdKey = (typeof ID_KEYS)[number];

const primitive = fc.oneof(
  fc.constantFrom("", "waiting", "serving", "Ana"),
  fc.integer({ min: -2, max: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
  fc.boolean(),
  fc.constant(null),
);
/** What a list without ids holds besides records: no null, as in views (`codes`, `skills`). */
const listPrimitive = fc.oneof(fc.constantFrom("P-001", "P-002", "en", "uk"), fc.integer());
const id = fc.constantFrom("a", "b", "c", "d", "e", "f");

type Json = Record<string, unknown>;

const { value: viewLike } = fc.letrec<{
  value: unknown;
  member: unknown;
  record: Json;
  keyed: Json[];
  repeated: Json[];
  plain: unknown[];
}>((tie) => ({
  /** The top: a view is a record. */
  value: tie("record"),
  member: fc.oneof(
    { maxDepth: 3, depthIdentifier: "view" },
    primitive,
    tie("record"),
    { weight: 2, arbitrary: tie("keyed") },
    tie("repeated"),
    tie("plain"),
    fc.constant(undefined),
  ),
  record: fc.record(
    {
      status: tie("member"),
      name: tie("member"),
      me: tie("member"),
      line: tie("member"),
      wait: tie("member"),
    },
    { requiredKeys: [] },
  ),
  keyed: fc
    .constantFrom(...ID_KEYS)
    .chain((key) =>
      fc.uniqueArray(keyedRecord(key, tie("member")), { selector: (r) => r[key], maxLength: 5 }),
    ),
  repeated: fc
    .constantFrom(...ID_KEYS)
    .chain((key) => fc.array(keyedRecord(key, tie("member")), { maxLength: 4 })),
  plain: fc.oneof(
    fc.array(listPrimitive, { maxLength: 4 }),
    fc.array(
      fc.record({ at: fc.integer({ min: 0, max: 2 }), text: tie("member") }, { requiredKeys: [] }),
      { maxLength: 4 },
    ),
  ),
}));

/**
 * A record in a list keyed by `key`: its id, maybe a lower-priority id key whose values repeat
 * (a visit's `topicId`), and a few fields.
 */
function keyedRecord(key: IdKey, member: fc.Arbitrary<unknown>): fc.Arbitrary<Json> {
  const lower = ID_KEYS.slice(ID_KEYS.indexOf(key) + 1);
  const extra =
    lower.length > 0
      ? fc.option(fc.tuple(fc.constantFrom(...lower), fc.constantFrom("x", "y")), {
          nil: undefined,
        })
      : fc.constant(undefined);
  return fc
    .tuple(
      id,
      extra,
      fc.record({ status: primitive, detail: member, at: primitive }, { requiredKeys: [] }),
    )
    .map(([value, other, fields]) => ({
      [key]: value,
      ...(other ? { [other[0]]: other[1] } : {}),
      ...fields,
    }));
}

const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The id key of a list of records as a keyed list patch would use it (unique strings), if any. */
function listKey(list: unknown[]): string | undefined {
  const first = list[0];
  if (!isRecord(first)) return undefined;
  const key = ID_KEYS.find((k) => typeof first[k] === "string");
  if (!key) return undefined;
  const ids = list.map((item) => (isRecord(item) ? item[key] : undefined));
  return ids.every((x) => typeof x === "string") && new Set(ids).size === ids.length
    ? key
    : undefined;
}

/**
 * `after`, with every subtree equal (as JSON) to the one at the same place in `before` (the
 * same key, or the record of the same id) taken from `before` itself: how a view built from the
 * one before shares what did not change.
 */
function share(before: unknown, after: unknown): unknown {
  if (typeof after !== "object" || after === null) return after;
  if (sameJson(before, after) && typeof before === "object" && before !== null) return before;
  if (isRecord(before) && isRecord(after)) {
    const out: Json = {};
    for (const [key, value] of Object.entries(after)) out[key] = share(before[key], value);
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = listKey(after);
    if (key && listKey(before) === key) {
      const old = new Map(before.map((item) => [(item as Json)[key], item]));
      return after.map((item) => share(old.get((item as Json)[key]), item));
    }
    return after.map((item, i) => share(before[i], item));
  }
  return after;
}

/**
 * `before` edited towards `other` as the bits say, sharing all it keeps: some keys taken from
 * `other`, a keyed list's records changed, dropped, added or reversed. The small edits a view
 * sees from one version to the next (one visit changed, one joined, the line reordered).
 */
function edit(before: unknown, other: unknown, bits: boolean[]): unknown {
  let i = 0;
  const bit = () => bits.length > 0 && (bits[i++ % bits.length] as boolean);
  const go = (a: unknown, b: unknown): unknown => {
    if (isRecord(a) && isRecord(b)) {
      const out: Json = { ...a };
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (!bit()) out[key] = go(a[key], b[key]);
        else if (bit()) continue;
        else if (key in b) out[key] = b[key];
        else delete out[key];
      }
      return out;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const key = listKey(a);
      if (!key) return bit() ? a : b;
      // The records of `other`'s list at this place, if keyed alike; else made up.
      const same = listKey(b) === key ? (b as Json[]) : [];
      const theirs = new Map(same.map((item) => [item[key], item]));
      const mine = new Set(a.map((item) => (item as Json)[key]));
      let out: unknown[] = [];
      for (const item of a) {
        const id = (item as Json)[key];
        if (bit()) out.push(item);
        else if (bit()) out.push(go(item, theirs.get(id) ?? { [key]: id, status: "edited" }));
        else if (bit()) out.push(item);
      }
      for (const item of same) if (!mine.has(item[key]) && bit()) out.push(item);
      if (bit() && !mine.has("new")) out.push({ [key]: "new", status: "joined" });
      if (bit() && bit()) out = out.reverse();
      return out;
    }
    return bit() ? a : b;
  };
  return go(before, other);
}

/**
 * Two views: the first edited, the second drawn on its own and sharing with the first, or
 * without sharing, or a copy.
 */
const pair = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(viewLike, viewLike, fc.array(fc.boolean(), { minLength: 4, maxLength: 30 }))
      .map(([a, b, bits]) => [a, edit(a, b, bits)] as const),
  },
  fc.tuple(viewLike, viewLike).map(([a, b]) => [a, share(a, b)] as const),
  fc.tuple(viewLike, viewLike).map(([a, b]) => [a, b] as const),
  viewLike.map((a) => [a, structuredClone(a)] as const),
);

/** A patch's kind. */
const kindOf = (patch: Patch | undefined) =>
  patch === undefined ? "none" : "=" in patch ? "=" : "o" in patch ? "o" : "k";

describe("diff and applyPatch (properties)", () => {
  it("a patch through JSON turns the value it was made from into the other one", () => {
    fc.assert(
      fc.property(pair, ([before, after]) => {
        const patch = diff(before, after);
        if (patch === undefined) {
          // No change: they are the same as JSON.
          expect(wire(before)).toEqual(wire(after));
          return;
        }
        const snapshot = structuredClone(before);
        const got = applyPatch(wire(before), wire(patch));
        expect(wire(got)).toEqual(wire(after));
        // Also to the value itself (not through JSON), which it leaves as it was.
        expect(wire(applyPatch(before, wire(patch)))).toEqual(wire(after));
        expect(before).toEqual(snapshot);
      }),
      params,
    );
  });

  it("nested changes come as nested patches, not as the whole value again", () => {
    // Every patch is checked to name only what changed: a `=` only where the value at that
    // place differs, an `o` key only for a key whose value differs, a `d` only for a key gone.
    const minimal = (before: unknown, after: unknown, patch: Patch): void => {
      expect(sameJson(before, after)).toBe(false);
      if ("=" in patch) return;
      if ("o" in patch) {
        const b = before as Json;
        const a = after as Json;
        for (const [key, change] of Object.entries(patch.o)) minimal(b[key], a[key], change);
        for (const key of patch.d ?? []) {
          expect(b[key]).not.toBeUndefined();
          expect(a[key]).toBeUndefined();
        }
        return;
      }
      const old = new Map((before as Json[]).map((r) => [r[patch.k], r]));
      const now = new Map((after as Json[]).map((r) => [r[patch.k], r]));
      if (patch.l) {
        expect(patch.l).toEqual((after as Json[]).map((r) => r[patch.k]));
        expect(patch.l).not.toEqual([...old.keys()]);
      } else expect((after as Json[]).map((r) => r[patch.k])).toEqual([...old.keys()]);
      for (const [key, change] of Object.entries(patch.c ?? {})) {
        expect(now.has(key)).toBe(true);
        if (old.has(key)) minimal(old.get(key), now.get(key), change);
        else expect(change).toEqual({ "=": now.get(key) });
      }
    };
    fc.assert(
      fc.property(pair, ([before, after]) => {
        const patch = diff(before, after);
        if (patch) minimal(before, after, patch);
      }),
      params,
    );
  });

  it("no patch between a value and a deep copy of it, or the copy of it through JSON", () => {
    fc.assert(
      fc.property(viewLike, (view) => {
        expect(diff(view, view)).toBeUndefined();
        expect(diff(view, structuredClone(view))).toBeUndefined();
        expect(diff(wire(view), view)).toBeUndefined();
        expect(diff(view, wire(view))).toBeUndefined();
      }),
      params,
    );
  });

  it("a patch applied to another value: a whole value anyway, else PatchMismatch or a value", () => {
    // A patch from `before` to `after` is applied to `other`: another version of `before`
    // (edited as the pairs are) or an unrelated value. What is checked, at every level of the
    // patch (`checkOn`):
    // - a `=` patch gives `after`'s value, whatever it is applied to;
    // - nothing but PatchMismatch is ever thrown; an object patch throws only for a non-record
    //   or when one of its keys' patches throws; a list patch only for a non-list, a record it
    //   keeps (by `l`) but `other` does not have, or when one of its records' patches throws;
    // - a value given follows the patch: an object patch's changed keys are there (each as its
    //   patch makes it of `other`'s), its deleted ones gone, the others kept as they were; a
    //   list patch's records come in the order of its `l` (else in `other`'s order), each
    //   changed one as its patch makes it of `other`'s record of that id, the others kept;
    // - `other` is left as it was.
    // Not checked: that every change a list patch carries is used. One without `l` keeps the
    // records `other` has, and drops without a throw a change to a record `other` lacks.
    const others = fc.tuple(
      pair,
      viewLike,
      fc.array(fc.boolean(), { minLength: 4, maxLength: 30 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(others, ([[before, after], unrelated, bits, near]) => {
        const patch = diff(before, after);
        if (patch === undefined) return;
        const other = wire(near ? edit(before, unrelated, bits) : unrelated);
        const snapshot = structuredClone(other);
        checkOn(other, wire(patch), wire(after));
        expect(other).toEqual(snapshot);
      }),
      params,
    );
  });

  it("the view-shaped values exercise every kind of patch", () => {
    // Guards the generators above: the properties are worth little if, say, no list patch
    // ever comes out of them.
    const seen = new Set<string>();
    const walk = (patch: Patch | undefined): void => {
      if (!patch) return;
      seen.add(kindOf(patch));
      if ("o" in patch) {
        if (patch.d) seen.add("d");
        Object.values(patch.o).forEach(walk);
      }
      if ("k" in patch) {
        if (patch.l) seen.add("l");
        if (patch.c) seen.add("c");
        if (patch.c && !patch.l) seen.add("c without l");
        Object.values(patch.c ?? {}).forEach(walk);
      }
    };
    for (const [before, after] of fc.sample(pair, { ...params, numRuns: 500 })) {
      walk(diff(before, after));
    }
    expect([...seen].sort()).toEqual(["=", "c", "c without l", "d", "k", "l", "o"]);
  });
});

const throws = (apply: () => unknown): boolean => {
  try {
    apply();
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(PatchMismatch);
    return true;
  }
};

/** Applies `patch` to `other` and checks what the property above says, at every level. */
function checkOn(other: unknown, patch: Patch, after: unknown): void {
  let got: unknown;
  try {
    got = applyPatch(other, patch);
  } catch (error) {
    expect(error).toBeInstanceOf(PatchMismatch);
    if ("=" in patch) throw new Error("a whole value does not fit?");
    if ("o" in patch) {
      if (!isRecord(other)) return;
      const nested = Object.entries(patch.o).some(([key, change]) =>
        throws(() => applyPatch(other[key], change)),
      );
      expect(nested).toBe(true);
      return;
    }
    if (!Array.isArray(other)) return;
    const have = new Map(other.map((r) => [isRecord(r) ? r[patch.k] : undefined, r]));
    const missing = (patch.l ?? []).some((x) => !have.has(x) && !("=" in (patch.c?.[x] ?? {})));
    const nested = Object.entries(patch.c ?? {}).some(
      ([x, change]) => have.has(x) && throws(() => applyPatch(have.get(x), change)),
    );
    expect(missing || nested).toBe(true);
    return;
  }
  if ("=" in patch) {
    expect(wire(got)).toEqual(after);
    return;
  }
  if ("o" in patch) {
    expect(isRecord(other)).toBe(true);
    const result = got as Json;
    const base = other as Json;
    const gone = patch.d ?? [];
    for (const key of gone) expect(key in result).toBe(false);
    for (const [key, change] of Object.entries(patch.o)) {
      expect(key in result).toBe(true);
      checkOn(base[key], change, (after as Json)[key]);
    }
    for (const key of Object.keys(base)) {
      if (!(key in patch.o) && !gone.includes(key)) expect(result[key]).toBe(base[key]);
    }
    return;
  }
  expect(Array.isArray(other)).toBe(true);
  const base = other as Json[];
  const ids = (got as Json[]).map((r) => r[patch.k]);
  expect(ids).toEqual(patch.l ?? base.map((r) => r[patch.k]));
  const old = new Map(base.map((r) => [r[patch.k], r]));
  const now = new Map((after as Json[]).map((r) => [r[patch.k], r]));
  (got as Json[]).forEach((record, i) => {
    const change = patch.c?.[ids[i] as string];
    if (change) checkOn(old.get(ids[i]), change, now.get(ids[i]));
    else expect(record).toBe(old.get(ids[i]));
  });
}

/* Realistic views: an associate's tablet. */

const line = (...ids: string[]) => ids.map((x) => visit(x));

/** The patch as the client receives it, and the view it makes of `before`. */
function roundTrip(before: unknown, after: unknown) {
  const patch = wire(diff(before, after));
  if (!patch) throw new Error("no patch");
  return { patch, result: applyPatch(wire(before), patch) };
}

describe("diff and applyPatch on an associate's view", () => {
  it("a reordered line is sent as its new order of ids, with no record", () => {
    const before = tablet(line("v1", "v2", "v3"));
    const after = { ...before, line: [before.line[2], before.line[0], before.line[1]] };
    const { patch, result } = roundTrip(before, after);
    expect(patch).toEqual({ o: { line: { k: "visitId", l: ["v3", "v1", "v2"] } } });
    expect(result).toEqual(after);
  });

  it("one changed visit is sent alone, as the change of its fields", () => {
    const before = tablet(line("v1", "v2", "v3"));
    const after = {
      ...before,
      line: before.line.map((v) =>
        v.visitId === "v2" ? { ...v, status: "offered" as const, wait: null } : v,
      ),
    };
    const { patch, result } = roundTrip(before, after);
    expect(patch).toEqual({
      o: {
        line: {
          k: "visitId",
          c: { v2: { o: { status: { "=": "offered" }, wait: { "=": null } } } },
        },
      },
    });
    expect(result).toEqual(after);
  });

  it("a visit that joined is sent whole, one that left only by the new order", () => {
    const before = tablet(line("v1", "v2"));
    const joined = visit("v3", { name: "Eve" });
    const after = { ...before, line: [before.line[1] as StaffVisit, joined] };
    const { patch, result } = roundTrip(before, after);
    expect(patch).toEqual({
      o: { line: { k: "visitId", l: ["v2", "v3"], c: { v3: { "=": joined } } } },
    });
    expect(result).toEqual(after);
  });

  it("a list that did not change is not in the patch, though it was built again", () => {
    const before = tablet(line("v1", "v2"));
    const after = { ...before, line: line("v1", "v2"), storeName: "Shop (closed)" };
    expect(after.line).not.toBe(before.line);
    expect(diff(before, after)).toEqual({ o: { storeName: { "=": "Shop (closed)" } } });
  });

  it("keys lists by `id` and `visitId` (not by a visit's `code` or `topicId`)", () => {
    const before = tablet(line("v1", "v2"));
    const after = {
      ...before,
      line: [visit("v1", { code: "P-009" }), before.line[1] as StaffVisit],
      colleagues: [colleague("bo", { presence: "away" }), colleague("cy")],
    };
    const { patch, result } = roundTrip(before, after);
    expect(patch).toEqual({
      o: {
        line: { k: "visitId", c: { v1: { o: { code: { "=": "P-009" } } } } },
        colleagues: { k: "id", c: { bo: { o: { presence: { "=": "away" } } } } },
      },
    });
    expect(result).toEqual(after);
  });

  it("a whole view is a patch from nothing", () => {
    const view = tablet(line("v1"));
    const patch = wire(diff(undefined, view));
    expect(patch).toEqual({ "=": view });
    expect(applyPatch(undefined, patch as Patch)).toEqual(view);
  });

  it("a key gone from the view is deleted, not set to null", () => {
    const before = tablet([]);
    const { skills: _skills, ...me } = before.me;
    const after = { ...before, me };
    const { patch, result } = roundTrip(before, after);
    expect(patch).toEqual({ o: { me: { o: {}, d: ["skills"] } } });
    expect(result).toEqual(after);
    expect("skills" in (result as AssociateView).me).toBe(false);
    // A key present as `undefined` is no key: the same.
    expect(diff(before, { ...before, me: { ...me, skills: undefined } })).toEqual(patch);
  });

  it("a list emptied, or one without ids, is sent whole", () => {
    const before = tablet(line("v1", "v2"));
    expect(diff(before, { ...before, line: [] })).toEqual({ o: { line: { "=": [] } } });
    const me = { ...before.me, skills: ["phones", "fashion"] };
    expect(diff(before, { ...before, me })).toEqual({
      o: { me: { o: { skills: { "=": ["phones", "fashion"] } } } },
    });
  });

  it("leaves the view it applies to as it was, and keeps its unchanged records", () => {
    const before = tablet(line("v1", "v2", "v3"));
    const snapshot = structuredClone(before);
    const after = {
      ...before,
      line: [before.line[0], visit("v2", { paused: true }), before.line[2]],
    };
    const result = applyPatch(before, wire(diff(before, after)) as Patch) as AssociateView;
    expect(before).toEqual(snapshot);
    expect(result.line[0]).toBe(before.line[0]);
    expect(result.line[2]).toBe(before.line[2]);
    expect(result.line[1]).not.toBe(before.line[1]);
    expect(result.topics).toBe(before.topics);
  });

  it("remembers the patch between two lists (every tablet is sent the same line)", () => {
    const before = line("v1", "v2");
    const after = [before[1] as StaffVisit, visit("v1", { status: "offered" })];
    const first = diff(before, after);
    expect(first).toEqual({
      k: "visitId",
      l: ["v2", "v1"],
      c: { v1: { o: { status: { "=": "offered" } } } },
    });
    // The same patch, not made again; and within two views that hold these lists.
    expect(diff(before, after)).toBe(first);
    const inViews = diff(tablet(before), tablet(after)) as { o: Record<string, Patch> };
    expect(inViews.o.line).toBe(first);
    // Two other lists, though equal to these, get their own.
    const again = diff([...before], [...after]);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    // One remembered as no change stays none.
    const same = line("v1", "v2");
    expect(diff(before, same)).toBeUndefined();
    expect(diff(before, same)).toBeUndefined();
  });

  it("a patch naming a visit the view does not have does not fit it", () => {
    const before = tablet(line("v1", "v2"));
    const after = {
      ...before,
      line: [visit("v2", { paused: true }), before.line[0] as StaffVisit],
    };
    const patch = wire(diff(before, after)) as Patch;
    // Made for v1, v2; applied to a view with v1, v3.
    expect(() => applyPatch(tablet(line("v1", "v3")), patch)).toThrow(PatchMismatch);
    // Kept by the new order, but not there to keep.
    const reorder = wire(
      diff(before, { ...before, line: [before.line[1], before.line[0]] }),
    ) as Patch;
    expect(() => applyPatch(tablet(line("v1")), reorder)).toThrow(PatchMismatch);
  });

  it("an object patch to no object, or a list patch to no list, does not fit", () => {
    expect(() => applyPatch(null, { o: { a: { "=": 1 } } })).toThrow(PatchMismatch);
    expect(() => applyPatch([], { o: {} })).toThrow(PatchMismatch);
    expect(() => applyPatch({}, { k: "visitId", l: [] })).toThrow(PatchMismatch);
    expect(() => applyPatch(tablet([]), { o: { line: { o: {} } } })).toThrow(PatchMismatch);
    // A whole value fits anything.
    expect(applyPatch(null, { "=": [1] })).toEqual([1]);
  });
});
