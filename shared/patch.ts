/**
 * Changes between two JSON values, by stable ids: what the server sends instead of whole views.
 *
 * - `{ "=": value }` replaces the value (a whole view is this, from nothing).
 * - `{ o: { key: patch }, d?: [key] }` changes some keys of an object and deletes others.
 * - `{ k, l?, c? }` changes a list of records that each carry an id under key `k` (`visitId`,
 *   `id`, ...): `l` the new order of ids when it changed, `c` the records new or changed, by
 *   id (a new one as `{ "=": record }`). Records not named are kept as they were.
 *
 * Views are never changed in place, so `diff` may compare by identity first, and remembers the
 * change between two lists it has seen (every tablet of a store is sent the same line).
 */

export type Patch =
  | { "=": unknown }
  | { o: Record<string, Patch>; d?: string[] }
  | { k: string; l?: string[]; c?: Record<string, Patch> };

/** Keys that name a record in a list, in the order they are looked for. */
const ID_KEYS = ["visitId", "alertId", "offerId", "id", "topicId", "code"] as const;

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `record[key]` if it is the record's own (ids and keys may be "constructor" or "__proto__"). */
const own = (record: Json, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** A map from keys to values with no inherited keys, so any key is a plain one. */
const table = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** Sets `record[key]` as an own property, whatever the key. */
function put(record: Json, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else record[key] = value;
}

/** The first key every record of `list` has a distinct string id under; undefined if none. */
function idKeyOf(list: unknown[]): string | undefined {
  const first = list[0];
  if (!isRecord(first)) return undefined;
  for (const key of ID_KEYS) {
    if (typeof own(first, key) !== "string") continue;
    const seen = new Set<string>();
    const all = list.every((item) => {
      const id = isRecord(item) ? own(item, key) : undefined;
      if (typeof id !== "string" || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    if (all) return key;
  }
  return undefined;
}

const listMemo = new WeakMap<unknown[], WeakMap<unknown[], Patch | null>>();

/** What changes `before` into `after`; undefined when they are equal. */
export function diff(before: unknown, after: unknown): Patch | undefined {
  if (before === after) return undefined;
  if (Array.isArray(before) && Array.isArray(after)) {
    let seen = listMemo.get(before);
    const known = seen?.get(after);
    if (known !== undefined) return known ?? undefined;
    const patch = diffLists(before, after);
    if (!seen) {
      seen = new WeakMap();
      listMemo.set(before, seen);
    }
    seen.set(after, patch ?? null);
    return patch;
  }
  if (isRecord(before) && isRecord(after)) return diffRecords(before, after);
  if (before !== null && after !== null && typeof before === "object" && typeof after === "object")
    return { "=": after };
  return Object.is(before, after) ? undefined : { "=": after };
}

function diffRecords(before: Json, after: Json): Patch | undefined {
  let changes: Record<string, Patch> | undefined;
  for (const key of Object.keys(after)) {
    // A key whose value is undefined is no key in JSON: see below.
    if (after[key] === undefined) continue;
    const change = diff(own(before, key), after[key]);
    if (change === undefined) continue;
    changes ??= table();
    changes[key] = change;
  }
  const deleted = Object.keys(before).filter(
    (key) => own(after, key) === undefined && before[key] !== undefined,
  );
  if (!changes && deleted.length === 0) return undefined;
  return deleted.length > 0 ? { o: changes ?? table(), d: deleted } : { o: changes ?? table() };
}

function diffLists(before: unknown[], after: unknown[]): Patch | undefined {
  if (before.length === 0 && after.length === 0) return undefined;
  const key = idKeyOf(after.length > 0 ? after : before);
  if (!key || (before.length > 0 && idKeyOf(before) !== key) || after.length === 0) {
    return sameJson(before, after) ? undefined : { "=": after };
  }
  const old = new Map<string, unknown>();
  for (const item of before) old.set(own(item as Json, key) as string, item);
  const ids: string[] = [];
  let changes: Record<string, Patch> | undefined;
  let reordered = before.length !== after.length;
  after.forEach((item, i) => {
    const id = own(item as Json, key) as string;
    ids.push(id);
    if (!reordered && own(before[i] as Json, key) !== id) reordered = true;
    const previous = old.get(id);
    const change = previous === undefined ? { "=": item } : diff(previous, item);
    if (change !== undefined) {
      changes ??= table();
      changes[id] = change;
    }
  });
  if (!changes && !reordered) return undefined;
  return { k: key, ...(reordered ? { l: ids } : {}), ...(changes ? { c: changes } : {}) };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Thrown when a patch does not fit the value it is applied to (it was made for another one). */
export class PatchMismatch extends Error {}

/** `before` changed by `patch` (a new value; `before` is left as it was). */
export function applyPatch(before: unknown, patch: Patch): unknown {
  if (!isRecord(patch)) throw new PatchMismatch("not a patch");
  if (Object.hasOwn(patch, "=")) return (patch as { "=": unknown })["="];
  if (Object.hasOwn(patch, "o")) {
    const { o, d } = patch as { o: Record<string, Patch>; d?: string[] };
    if (!isRecord(before)) throw new PatchMismatch("an object patch for something else");
    const after: Json = { ...before };
    for (const key of Object.keys(o))
      put(after, key, applyPatch(own(before, key), o[key] as Patch));
    for (const key of d ?? []) delete after[key];
    return after;
  }
  const { k: key, l, c } = patch as { k: string; l?: string[]; c?: Record<string, Patch> };
  if (!Array.isArray(before)) throw new PatchMismatch("a list patch for something else");
  const old = new Map<string, unknown>();
  for (const item of before) {
    const id = isRecord(item) ? own(item, key) : undefined;
    if (typeof id !== "string" || old.has(id)) throw new PatchMismatch(`a list not by ${key}`);
    old.set(id, item);
  }
  const ids = l ?? [...old.keys()];
  const changes = c ?? {};
  const kept = new Set(ids);
  for (const id of Object.keys(changes))
    if (!kept.has(id)) throw new PatchMismatch(`a change to ${id}, which the list does not keep`);
  return ids.map((id) => {
    const change = Object.hasOwn(changes, id) ? changes[id] : undefined;
    const previous = old.get(id);
    if (change) return applyPatch(previous, change);
    if (previous === undefined) throw new PatchMismatch(`no record ${id} to keep`);
    return previous;
  });
}
