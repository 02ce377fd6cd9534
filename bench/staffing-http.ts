import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { drawArrivals } from "../server/simulation/arrivals.js";
import { type Profile, minutesOf } from "../server/simulation/profile.js";
import {
  ADMIN_TOKEN,
  Clock,
  freshPlace,
  provision,
  request,
  startServer,
} from "../tests/support/server.js";

/**
 * The staffing advisor's HTTP request on a store with four weeks of a profile's days played
 * through a real server (embedded store, analytics read models): every day its customers check
 * in, are accepted 5 s later and served for their drawn service time, by a team large enough
 * that nobody waits; the team signs in at opening and out at closing. Times the first request
 * (answered after at most 3 s), how long until the whole week is simulated (asking again), and
 * a request after that (the advice kept), and how long the server's event loop stalled meanwhile
 * (the advice is made on it, in slices).
 */

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** Monday 2026-11-02, midnight UTC (the store's time zone). */
const FIRST_DAY = Date.UTC(2026, 10, 2);
const TEAM = 20;

export interface StaffingHttpFigures {
  days: number;
  visits: number;
  hours: number;
  /** The first answer (partial after 3 s), the whole week simulated, and the advice kept. */
  firstMs: number;
  wholeMs: number;
  keptMs: number;
  /** The server's event loop while the advice was made: the longest stall and the 99th centile. */
  loopMaxMs: number;
  loopP99Ms: number;
}

export async function benchStaffingHttp(profile: Profile, weeks = 4): Promise<StaffingHttpFigures> {
  const place = await freshPlace("embedded");
  const dataDir = await mkdtemp(join(tmpdir(), "undivided-bench-staffing-"));
  const clock = new Clock();
  clock.now = FIRST_DAY;
  const server = await startServer(place, clock, { analytics: { dataDir } });
  let visits = 0;
  let hours = 0;
  let firstMs = 0;
  let wholeMs = 0;
  let keptMs = 0;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  try {
    const skills = [...new Set(profile.topics.map((t) => t.skill))];
    const team = Array.from({ length: TEAM }, (_, i) => ({
      associateId: `a${i}`,
      name: `Associate ${i}`,
      pin: "1357",
      skills,
      manager: false,
    }));
    const settings = {
      name: profile.name,
      timezone: "UTC",
      languages: ["en"],
      topics: profile.topics.map(({ share: _s, service: _d, ...t }) => t),
      ...profile.settings,
      // Wrap-up ends on a timer, and the timer loop is off here.
      wrapUpSec: 0,
    };
    const { storeId } = await provision(server.url, settings, team);
    let n = 0;
    const run = async (at: number, input: Record<string, unknown>) => {
      clock.now = Math.max(clock.now, at);
      return server.app.service.execute(storeId, { requestId: `b${++n}`, ...input }, clock.now);
    };
    for (let d = 0; d < 7 * weeks; d++) {
      const dayStart = FIRST_DAY + d * DAY;
      const steps: Array<{ at: number; step: () => Promise<unknown> }> = [];
      const open = dayStart + minutesOf(profile.open) * MIN;
      const close = dayStart + minutesOf(profile.close) * MIN;
      for (const a of team) {
        steps.push({
          at: open,
          step: () => run(open, { type: "associate:sign-in", associateId: a.associateId }),
        });
        steps.push({
          at: close + 60 * MIN,
          step: () =>
            run(close + 60 * MIN, { type: "associate:sign-out", associateId: a.associateId }),
        });
      }
      for (const arrival of drawArrivals(profile, d + 1)) {
        const at = dayStart + arrival.at;
        let visitId = "";
        steps.push({
          at,
          step: async () => {
            const r = await run(at, {
              type: "visit:check-in",
              topicId: arrival.topicId,
              channel: "staff",
              customerToken: `customer-${d}-${arrival.index}-abcdefghijklmnopqrstuvwxyz`,
            });
            if (!r.ok) throw new Error(`check-in: ${r.error.code} ${r.error.message}`);
            visitId = String((r.data as { visitId: string }).visitId);
            visits++;
          },
        });
        let associateId = "";
        steps.push({
          at: at + 5000,
          step: async () => {
            const state = await server.app.service.state(storeId);
            const offer = state.offers.get(state.visits.get(visitId)?.offerId ?? "");
            if (!offer) return;
            associateId = offer.associateId;
            await run(at + 5000, { type: "offer:accept", associateId, offerId: offer.id });
          },
        });
        steps.push({
          at: at + 5000 + arrival.serviceMs,
          step: () =>
            run(at + 5000 + arrival.serviceMs, {
              type: "visit:complete",
              associateId,
              visitId,
              outcome: "resolved",
            }),
        });
      }
      steps.sort((x, y) => x.at - y.at);
      for (const s of steps) await s.step();
    }
    clock.now = FIRST_DAY + 7 * weeks * DAY + 9 * 60 * MIN;
    const path = `/api/stores/${storeId}/staffing?weeks=${weeks}`;
    const ask = () =>
      request<{ hours: unknown[]; notes: string[] }>(
        server.url,
        "GET",
        path,
        undefined,
        ADMIN_TOKEN,
      );
    const started = performance.now();
    loop.enable();
    let reply = await ask();
    firstMs = Math.round(performance.now() - started);
    if (reply.status !== 200) throw new Error(`staffing: HTTP ${reply.status}`);
    hours = reply.body.hours.length;
    // Asked again (each waits up to 3 s) until the whole week is simulated.
    while (reply.body.notes.some((n) => n.includes("checked by simulation so far")))
      reply = await ask();
    wholeMs = Math.round(performance.now() - started);
    loop.disable();
    const again = performance.now();
    await ask();
    keptMs = Math.round(performance.now() - again);
  } finally {
    await server.close();
    await place.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
  const loopMaxMs = Math.round(loop.max / 1e6);
  const loopP99Ms = Math.round(loop.percentile(99) / 1e6);
  return { days: 7 * weeks, visits, hours, firstMs, wholeMs, keptMs, loopMaxMs, loopP99Ms };
}
