import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nanoid } from "nanoid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainEvent, StoreState } from "../../server/domain/index.js";
import type { Commit } from "../../server/store/event-store.js";
import type { RedisStore } from "../../server/store/redis-store.js";
import type { StoreSettingsInput } from "../../shared/settings.js";
import type {
  AssociateView,
  DisplayView,
  KioskView,
  ManagerView,
  View,
} from "../../shared/views.js";
import { replayChecking } from "../support/invariants.js";
import { freshPrefix, redisPlaces } from "../support/redis.js";
import {
  type Seen,
  type ServerProcess,
  ViewClient,
  api,
  metricSum,
  startServer,
  within,
} from "./cluster.js";

/**
 * Three real server processes on one Redis serve one store. Kiosks, associates' tablets, a
 * manager and displays are spread over the three and act at once: check-ins (some retried through
 * another process), accepts, declines, completes, priority changes. Afterwards the log in Redis,
 * replayed from empty, keeps every invariant after every commit, every acknowledged check-in is
 * in it once, and every client's last pushed view is at the store's final version. Redis stays
 * healthy, so no command (the servers' own timer ticks and tablet tracking included) is refused
 * UNAVAILABLE or INTERNAL, and no process logs a warning or an error.
 */

const PROCESSES = 3;
const KIOSKS_PER_PROCESS = 3;
/** Below the 30 check-ins per kiosk per minute (counted across the processes), retries included. */
const CHECK_INS_PER_KIOSK = 20;
const KIOSK_CONCURRENCY = 4;
const SKILLS = ["phones", "fashion", "service"];

const settings: StoreSettingsInput = {
  name: "Three servers",
  timezone: "Europe/Kyiv",
  languages: ["en", "uk"],
  topics: [
    { id: "phones", name: "Phones", letter: "P", skill: "phones", expectedServiceMin: 6 },
    { id: "fitting", name: "Fitting room", letter: "F", skill: "fashion", expectedServiceMin: 4 },
    { id: "returns", name: "Returns", letter: "R", skill: "service", expectedServiceMin: 3 },
  ],
  // No timer may fire during the run: every commit comes from a client.
  offerTimeoutSec: 600,
  disconnectGraceSec: 600,
  wrapUpSec: 0,
};

/** Eight associates with two skills each (every skill is held by five) and a manager with all. */
const ASSOCIATES = Array.from({ length: 9 }, (_, i) => ({
  associateId: i === 8 ? "boss" : `a${i}`,
  name: i === 8 ? "Maria Boss" : `Associate${i} Test`,
  pin: String(1000 + i),
  skills: i === 8 ? SKILLS : [SKILLS[i % 3], SKILLS[(i + 1) % 3]],
  languages: ["en", "uk"],
  manager: i === 8,
}));

/**
 * What goes wrong quietly when processes race: a catch-up that fails ("log of … jumps", "event
 * store unavailable"), views not pushed ("publishing views failed"), a timer tick or a tablet's
 * connect or disconnect not recorded ("tick failed", "tracking a tablet connection failed",
 * "connection tracking command refused"). None of these, nor any other warning or error, may
 * be logged by any of the processes, and none may have answered a command UNAVAILABLE or INTERNAL.
 */
async function expectNothingWentWrong(servers: ServerProcess[]): Promise<void> {
  for (const [i, s] of servers.entries()) {
    expect(s.warnings(), `server ${i} logged`).toEqual([]);
    if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
    for (const code of ["UNAVAILABLE", "INTERNAL"]) {
      const refused = await metricSum(s.url, "undivided_commands_total", `result="${code}"`);
      expect(refused, `server ${i}: commands answered ${code}`).toBe(0);
    }
  }
}

describe.each(redisPlaces)("three server processes on $name", (place) => {
  if (!place.available) {
    it.skip("needs it running here", () => {});
    return;
  }
  const prefix = freshPrefix();
  const storeId = `mp-${nanoid(8).replace(/[^A-Za-z0-9]/g, "x")}`;
  const adminToken = `admin-${nanoid(32)}`;
  const servers: ServerProcess[] = [];
  const clients: ViewClient[] = [];
  let dataDir = "";
  let store: RedisStore | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "undivided-mp-"));
    const env = {
      ...place.env,
      REDIS_PREFIX: prefix,
      ADMIN_TOKEN: adminToken,
      DATA_DIR: dataDir,
      TIMER_INTERVAL_MS: "100",
    };
    // Each one is kept as soon as it listens, so afterAll stops it even if another fails to start.
    await Promise.all(
      Array.from({ length: PROCESSES }, async () => {
        servers.push(await startServer(env));
      }),
    );
    store = await place.open(prefix);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(servers.map((server) => server.stop()));
    await store?.close();
    await place.remove(prefix);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("serializes concurrent commands from all three and pushes every change to every client", async () => {
    const server = (i: number) => {
      const s = servers[i % PROCESSES];
      if (!s) throw new Error("servers not started");
      return s;
    };

    // Provision through the first process's admin API; sign in through all three.
    await api(server(0).url, "/api/admin/stores", { storeId, settings }, adminToken);
    for (const associate of ASSOCIATES)
      await api(server(0).url, `/api/admin/stores/${storeId}/associates`, associate, adminToken);
    const device = async (i: number, kind: "kiosk" | "display") =>
      (
        await api<{ token: string }>(
          server(i).url,
          `/api/admin/stores/${storeId}/devices`,
          { kind, name: `${kind} ${i}` },
          adminToken,
        )
      ).token;

    const tablets = await Promise.all(
      ASSOCIATES.map(async (a, i) => {
        const { token } = await api<{ token: string }>(
          server(i).url,
          `/api/stores/${storeId}/sessions`,
          { associateId: a.associateId, pin: a.pin },
        );
        return new ViewClient(a.associateId, server(i).url, { storeId, sessionToken: token });
      }),
    );
    const displays = await Promise.all(
      Array.from({ length: PROCESSES }, async (_, i) => {
        const token = await device(i, "display");
        return new ViewClient(`display${i}`, server(i).url, { storeId, deviceToken: token });
      }),
    );
    const kiosks = await Promise.all(
      Array.from({ length: PROCESSES * KIOSKS_PER_PROCESS }, async (_, i) => {
        const token = await device(i, "kiosk");
        return new ViewClient(`kiosk${i}`, server(i).url, { storeId, deviceToken: token });
      }),
    );
    clients.push(...tablets, ...displays, ...kiosks);
    await Promise.all(clients.map((c) => c.ready()));

    const failures: string[] = [];
    const note = (who: string, what: string, ack: { ok: boolean; error?: unknown }) => {
      if (!ack.ok) failures.push(`${who} ${what}: ${JSON.stringify(ack.error)}`);
    };
    let requests = 0;
    const requestId = (who: string) => `${who}-${++requests}`;

    // Associates act on what their tablet shows: take each offer (a few are declined once,
    // so they go to someone else) and close each visit after a short random service time.
    const checkedIn = new Map<string, { requestId: string; code: string }>();
    const completed = new Set<string>();
    const declined = new Set<string>();
    let kiosksDone = false;
    let resolveAllDone: () => void = () => {};
    const allDone = new Promise<void>((resolve) => {
      resolveAllDone = resolve;
    });
    const checkDone = () => {
      if (kiosksDone && completed.size === checkedIn.size) resolveAllDone();
    };
    for (const tablet of tablets) {
      const answered = new Set<string>();
      const closing = new Set<string>();
      tablet.onView(({ view }: Seen) => {
        const mine = view as AssociateView;
        if (mine.offer && !answered.has(mine.offer.offerId)) {
          const { offerId, visit } = mine.offer;
          answered.add(offerId);
          if (!declined.has(visit.visitId) && Math.random() < 0.15) {
            declined.add(visit.visitId);
            void tablet
              .send("offer:decline", { requestId: requestId(tablet.name), offerId, reason: "busy" })
              .then((ack) => note(tablet.name, `decline ${offerId}`, ack));
          } else {
            void tablet
              .send("offer:accept", { requestId: requestId(tablet.name), offerId })
              .then((ack) => note(tablet.name, `accept ${offerId}`, ack));
          }
        }
        if (mine.visit && !closing.has(mine.visit.visitId)) {
          const visitId = mine.visit.visitId;
          closing.add(visitId);
          // A random service time, so completions from the three processes interleave.
          setTimeout(() => {
            void tablet
              .send("visit:complete", {
                requestId: requestId(tablet.name),
                visitId,
                outcome: "resolved",
              })
              .then((ack) => {
                note(tablet.name, `complete ${visitId}`, ack);
                if (ack.ok) completed.add(visitId);
                checkDone();
              });
          }, Math.random() * 30);
        }
        // The manager, on another process than most kiosks, moves a waiting visit up now and then.
        if (mine.role === "manager" && Math.random() < 0.2) {
          const waiting = mine.line.find((v) => v.status === "waiting" && v.priority === 0);
          if (waiting) {
            void tablet
              .send("visit:set-priority", {
                requestId: requestId(tablet.name),
                visitId: waiting.visitId,
                priority: 1,
              })
              .then((ack) => {
                // The visit may have been offered or closed meanwhile; those refusals are fine.
                const raced = ["INVALID_TRANSITION", "VISIT_NOT_FOUND"];
                if (!ack.ok && raced.includes(ack.error.code)) return;
                note(tablet.name, `priority ${waiting.visitId}`, ack);
              });
          }
        }
      });
    }

    // Kiosks on all three processes check customers in, a few at a time each; every fifth
    // check-in is sent again, same request id, through a kiosk on the next process.
    const retries: Array<{ first: string; again: string }> = [];
    const topics = ["phones", "fitting", "returns"];
    await Promise.all(
      kiosks.map(async (kiosk, k) => {
        const other = kiosks[(k + 1) % kiosks.length] as ViewClient;
        for (let n = 0; n < CHECK_INS_PER_KIOSK; n += KIOSK_CONCURRENCY) {
          await Promise.all(
            Array.from({ length: KIOSK_CONCURRENCY }, async (_, j) => {
              const payload = {
                requestId: requestId(kiosk.name),
                topicId: topics[(k + n + j) % topics.length],
                language: (n + j) % 2 === 0 ? "en" : "uk",
              };
              const ack = await kiosk.send<{ visitId: string; code: string }>(
                "visit:check-in",
                payload,
              );
              note(kiosk.name, "check-in", ack);
              if (!ack.ok) return;
              checkedIn.set(ack.data.visitId, {
                requestId: payload.requestId,
                code: ack.data.code,
              });
              if ((n + j) % 5 === 0) {
                const again = await other.send<{ visitId: string }>("visit:check-in", payload);
                note(other.name, "check-in retry", again);
                if (again.ok) retries.push({ first: ack.data.visitId, again: again.data.visitId });
              }
            }),
          );
        }
      }),
    );
    kiosksDone = true;
    checkDone();
    expect(failures).toEqual([]);
    expect(checkedIn.size).toBe(PROCESSES * KIOSKS_PER_PROCESS * CHECK_INS_PER_KIOSK);
    expect(retries.length).toBeGreaterThan(20);
    for (const { first, again } of retries) expect(again).toBe(first);

    await within(allDone, 20_000, () => `${completed.size} of ${checkedIn.size} visits completed`);
    expect(failures).toEqual([]);

    // Every client comes to show the store's final state (a socket is sent a view only when
    // it changed), and none was ever sent an older view after a newer one.
    const finalVersion = await (store as RedisStore).version(storeId);
    const settled = (view: View): boolean => {
      switch (view.role) {
        case "display":
          return view.waiting.every((t) => t.codes.length === 0) && view.nowServing.length === 0;
        case "kiosk":
          return view.topics.every((t) => t.waiting === 0);
        case "manager":
          return (
            view.line.length === 0 &&
            "recent" in view &&
            view.recent.length === checkedIn.size &&
            view.offer === null &&
            view.visit === null
          );
        case "associate":
          return view.line.length === 0 && view.offer === null && view.visit === null;
        default:
          return false;
      }
    };
    await within(Promise.all(clients.map((c) => c.until(settled))), 10_000, () =>
      clients
        .filter((c) => !c.view || !settled(c.view))
        .map((c) => `${c.name} (at ${c.lastVersion} of ${finalVersion}) does not show the end`)
        .join(", "),
    );
    for (const client of clients) {
      expect(client.lastVersion, client.name).toBeLessThanOrEqual(finalVersion);
      expect(client.regressions, `${client.name} got an older view after a newer one`).toBe(0);
    }

    // Each process took its share of the commands and holds its share of the sockets.
    for (const [i, s] of servers.entries()) {
      expect(await metricSum(s.url, "undivided_commands_total"), `server ${i}`).toBeGreaterThan(50);
      expect(await metricSum(s.url, "undivided_connected_sockets"), `server ${i}`).toBe(
        clients.length / PROCESSES,
      );
    }

    // Replay the log from empty; every invariant holds after every commit.
    const log = (await (store as RedisStore).read(storeId, 0)) as Array<Commit<DomainEvent>>;
    expect(log.map((c) => c.version)).toEqual(log.map((_, i) => i + 1));
    expect(log.at(-1)?.version).toBe(finalVersion);
    expect(new Set(log.map((c) => c.requestId)).size).toBe(log.length);
    const { state, seen } = replayChecking(
      storeId,
      log,
      (violations, commit) =>
        expect(violations, `after commit ${commit.version} (${commit.command})`).toEqual([]),
      { offerDeadlines: true },
    );

    // Every acknowledged check-in is in the log exactly once, under its first request id, and
    // every visit went through to done.
    expect([...seen].sort()).toEqual([...checkedIn.keys()].sort());
    for (const [visitId, { requestId: id }] of checkedIn) {
      const carriers = log.filter((c) =>
        c.events.some((e) => e.type === "visit:checked-in" && e.visitId === visitId),
      );
      expect(carriers.map((c) => c.requestId)).toEqual([id]);
    }
    expect(state.visits.size).toBe(0);
    expect([...state.closed.values()].every((v) => v.status === "done")).toBe(true);
    expect(state.closed.size).toBe(checkedIn.size);
    expect(declined.size).toBeGreaterThan(0);

    // What the clients show is that final state.
    for (const display of displays) {
      const view = display.view as DisplayView;
      expect(view.waiting.flatMap((t) => t.codes)).toEqual([]);
      expect(view.nowServing).toEqual([]);
    }
    for (const kiosk of kiosks) {
      expect((kiosk.view as KioskView).topics.map((t) => t.waiting)).toEqual([0, 0, 0]);
    }
    const boss = tablets.find((t) => t.name === "boss")?.view as ManagerView;
    expect(boss.role).toBe("manager");
    expect(boss.line).toEqual([]);
    expect(boss.stats.visitsByStatus).toEqual({});
    expect(boss.recent.map((v) => v.visitId).sort()).toEqual([...checkedIn.keys()].sort());
    for (const tablet of tablets) {
      const view = tablet.view as AssociateView;
      expect([view.offer, view.visit]).toEqual([null, null]);
    }
    await expectNothingWentWrong(servers);
  });

  it("keeps a tablet that hops between processes connected", async () => {
    const [first, second, last] = servers;
    if (!first || !second || !last) throw new Error("servers not started");
    // The manager's console (on the third process) watches the hopper's presence.
    const watcher = clients.find((c) => c.name === "boss");
    if (!watcher) throw new Error("no manager console");
    const hopper = ASSOCIATES[0] as (typeof ASSOCIATES)[number];
    const { token } = await api<{ token: string }>(first.url, `/api/stores/${storeId}/sessions`, {
      associateId: hopper.associateId,
      pin: hopper.pin,
    });
    const auth = { storeId, sessionToken: token };
    // Each hop opens the next tablet socket on another process while the one before is being
    // closed, so a connect and a disconnect are recorded at the same moment in two processes.
    // The last hop lands on the third process.
    let previous = new ViewClient("hop-0", first.url, auth);
    await previous.ready();
    for (let hop = 1; hop <= 13; hop++) {
      const on = hop === 13 ? last : hop % 2 === 0 ? first : second;
      const next = new ViewClient(`hop-${hop}`, on.url, auth);
      previous.close();
      await next.ready();
      previous = next;
    }
    clients.push(previous);
    // The other two processes stop, each finishing what it was recording first. Whatever order
    // the records landed in, the associate must end connected.
    await Promise.all([first.stop(), second.stop()]);
    const hopperOf = () =>
      (watcher.view as ManagerView | undefined)?.colleagues.find(
        (c) => c.id === hopper.associateId,
      );
    // The console may show a view a moment behind the log (views are folded and sent at most
    // every few ms): each time it shows the hopper connected, the log is read; a record that
    // landed meanwhile brings one more view.
    const shown = (what: (view: View) => boolean) =>
      within(
        new Promise<void>((resolve) => {
          if (watcher.view && what(watcher.view)) resolve();
          watcher.onView(({ view }) => {
            if (what(view)) resolve();
          });
        }),
        10_000,
        () => `the console shows ${JSON.stringify(hopperOf())}`,
      );
    let state: StoreState;
    for (;;) {
      await shown(() => hopperOf()?.connected === true);
      const seenAt = watcher.lastVersion;
      // And so says the log, replayed (every invariant holding after every commit).
      const log = (await (store as RedisStore).read(storeId, 0)) as Array<Commit<DomainEvent>>;
      state = replayChecking(storeId, log, (violations, commit) =>
        expect(violations, `after commit ${commit.version} (${commit.command})`).toEqual([]),
      ).state;
      if (state.associates.get(hopper.associateId)?.connected) break;
      await shown(() => watcher.lastVersion > seenAt);
    }
    expect(state.associates.get(hopper.associateId)?.connected).toBe(true);
    // Two processes stopped while tablets hopped: that too went without a warning.
    await expectNothingWentWrong(servers);
  });
});
