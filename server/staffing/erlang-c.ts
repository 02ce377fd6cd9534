/**
 * Erlang C: the steady-state queue of `agents` identical servers, Poisson arrivals and
 * exponential handling times (M/M/c). The advisor's first figure, before the simulation
 * corrects it for what the formula cannot see (a line that starts empty, narrow skills).
 */

/** Offered load in erlangs: arrivals per hour times the handling time in hours. */
export const trafficOf = (arrivalsPerHour: number, handleSec: number): number =>
  (arrivalsPerHour * handleSec) / 3600;

/**
 * The probability that an arrival waits at all, with `agents` serving `traffic` erlangs: 1 when
 * they cannot keep up. Computed from Erlang B's recursion, which stays exact for large counts
 * where factorials overflow.
 */
export function waitProbability(agents: number, traffic: number): number {
  if (traffic <= 0) return 0;
  if (agents <= traffic) return 1;
  let blocking = 1;
  for (let k = 1; k <= agents; k++) blocking = (traffic * blocking) / (k + traffic * blocking);
  return (agents * blocking) / (agents - traffic * (1 - blocking));
}

/** The share (0..1) of arrivals whose wait is at most `withinSec`. */
export function serviceLevel(
  agents: number,
  arrivalsPerHour: number,
  handleSec: number,
  withinSec: number,
): number {
  const traffic = trafficOf(arrivalsPerHour, handleSec);
  if (traffic <= 0) return 1;
  if (agents <= traffic) return 0;
  const waits = waitProbability(agents, traffic);
  return 1 - waits * Math.exp((-(agents - traffic) * withinSec) / handleSec);
}

/** The fewest agents for whom at least `pct` % of arrivals wait at most `withinSec`; 0 with none. */
export function agentsFor(
  arrivalsPerHour: number,
  handleSec: number,
  pct: number,
  withinSec: number,
): number {
  const traffic = trafficOf(arrivalsPerHour, handleSec);
  if (traffic <= 0) return 0;
  let agents = Math.max(1, Math.floor(traffic));
  while (serviceLevel(agents, arrivalsPerHour, handleSec, withinSec) < pct / 100) agents++;
  return agents;
}
