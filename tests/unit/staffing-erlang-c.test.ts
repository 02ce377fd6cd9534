import { describe, expect, it } from "vitest";
import {
  agentsFor,
  serviceLevel,
  trafficOf,
  waitProbability,
} from "../../server/staffing/erlang-c.js";

/**
 * Erlang C against values worked by hand and the textbook call-centre example: 100 calls in
 * half an hour, 180 s handling (10 erlangs), 80 % answered within 20 s.
 */

/** The textbook formula, factorials and all, to hold the recursion to. */
function erlangCByFactorials(agents: number, traffic: number): number {
  let sum = 0;
  let term = 1;
  for (let k = 0; k < agents; k++) {
    sum += term;
    term = (term * traffic) / (k + 1);
  }
  const top = (term * agents) / (agents - traffic);
  return top / (sum + top);
}

describe("Erlang C", () => {
  it("gives the textbook chance to wait", () => {
    // M/M/1: the chance to wait is the utilisation; M/M/2 at one erlang: a third.
    expect(waitProbability(1, 0.5)).toBeCloseTo(0.5, 12);
    expect(waitProbability(2, 1)).toBeCloseTo(1 / 3, 12);
    // Ten erlangs (published tables: 0.6821, 0.4494, 0.2853, 0.1741).
    expect(waitProbability(11, 10)).toBeCloseTo(0.6821, 4);
    expect(waitProbability(12, 10)).toBeCloseTo(0.4494, 4);
    expect(waitProbability(13, 10)).toBeCloseTo(0.2853, 4);
    expect(waitProbability(14, 10)).toBeCloseTo(0.1741, 4);
    for (const [agents, traffic] of [
      [3, 2.5],
      [20, 17.2],
      [60, 55],
    ] as const)
      expect(waitProbability(agents, traffic)).toBeCloseTo(
        erlangCByFactorials(agents, traffic),
        10,
      );
  });

  it("needs 14 agents for the call-centre example (13 answer 79.6 %, 14 answer 88.8 %)", () => {
    expect(trafficOf(200, 180)).toBeCloseTo(10, 12);
    expect(serviceLevel(13, 200, 180, 20)).toBeCloseTo(0.7956, 3);
    expect(serviceLevel(14, 200, 180, 20)).toBeCloseTo(0.8884, 3);
    expect(agentsFor(200, 180, 80, 20)).toBe(14);
  });

  it("answers the edges: nobody for no customers, everyone waits when staff cannot keep up", () => {
    expect(agentsFor(0, 300, 80, 300)).toBe(0);
    expect(serviceLevel(2, 0, 300, 300)).toBe(1);
    expect(waitProbability(3, 3)).toBe(1);
    expect(serviceLevel(3, 40, 300, 60)).toBe(0);
    // A very large store: the recursion does not overflow.
    expect(agentsFor(3000, 300, 80, 20)).toBeGreaterThan(250);
  });
});
