/**
 * The store's own people as the advisor plans with them: kinds of associate (a set of skills and
 * languages) in the proportions the store's team holds them, and a headcount of such associates.
 */

/** One associate as the simulation staffs them: what they serve and which languages they speak. */
export interface TeamMember {
  skills: readonly string[];
  languages: readonly string[];
}

/** A kind of associate the store has, and the share of its team that is of this kind. */
export interface TeamKind extends TeamMember {
  share: number;
}

/** The store's associates grouped by skill and language set, each kind with its share. */
export function teamOf(associates: readonly TeamMember[]): TeamKind[] {
  const kinds = new Map<string, TeamKind>();
  const serving = associates.filter((a) => a.skills.length > 0);
  for (const a of serving) {
    const skills = [...new Set(a.skills)].sort();
    const languages = [...new Set(a.languages)].sort();
    const key = `${skills.join(",")}|${languages.join(",")}`;
    const kind = kinds.get(key) ?? { skills, languages, share: 0 };
    kind.share += 1 / serving.length;
    kinds.set(key, kind);
  }
  return [...kinds.values()];
}

/**
 * `n` associates like the store's: first the fewest kinds that hold every skill in `needed`
 * (so no line is left without anyone who can serve it), then seat by seat to the kind furthest
 * below its share (Sainte-Laguë), so one more never takes anyone away: a crew of n + 1 holds the
 * crew of n. Deterministic; ties go to the kind listed first.
 */
export function crewOf(
  kinds: readonly TeamKind[],
  n: number,
  needed: readonly string[],
): Array<TeamMember & { count: number }> {
  const seats = kinds.map(() => 0);
  const uncovered = new Set(needed.filter((s) => kinds.some((k) => k.skills.includes(s))));
  while (uncovered.size > 0 && seats.reduce((a, b) => a + b, 0) < n) {
    let best = -1;
    let bestScore = 0;
    for (const [i, k] of kinds.entries()) {
      const score = k.skills.filter((s) => uncovered.has(s)).length + k.share;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    const kind = kinds[best] as TeamKind;
    seats[best] = (seats[best] as number) + 1;
    for (const s of kind.skills) uncovered.delete(s);
  }
  for (let seated = seats.reduce((a, b) => a + b, 0); seated < n; seated++) {
    let best = 0;
    for (const i of kinds.keys())
      if (
        (kinds[i] as TeamKind).share / (2 * (seats[i] as number) + 1) >
        (kinds[best] as TeamKind).share / (2 * (seats[best] as number) + 1)
      )
        best = i;
    seats[best] = (seats[best] as number) + 1;
  }
  return kinds
    .map((k, i) => ({
      skills: [...k.skills],
      languages: [...k.languages],
      count: seats[i] as number,
    }))
    .filter((k) => k.count > 0);
}

/** A crew as one member per associate. */
export const membersOf = (crew: ReadonlyArray<TeamMember & { count: number }>): TeamMember[] =>
  crew.flatMap((k) => Array.from({ length: k.count }, () => k));

/** The fewest a crew can have and still hold every skill in `needed` that the team holds. */
export function coverageOf(kinds: readonly TeamKind[], needed: readonly string[]): number {
  const held = needed.filter((s) => kinds.some((k) => k.skills.includes(s)));
  for (let n = 0; ; n++) {
    const crew = crewOf(kinds, n, needed);
    if (held.every((s) => crew.some((k) => k.skills.includes(s)))) return n;
  }
}
