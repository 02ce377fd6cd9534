import { fileURLToPath } from "node:url";
import { benchEngine } from "./engine.js";

/**
 * `npm run bench`: every benchmark, figures printed as they come. `npm run bench -- engine` runs
 * one. The busy-store benchmark (`store`, `store-overload`, bench/busy-store.ts) runs only when
 * named.
 */
const only = process.argv[2];

if (!only || only === "engine") {
  const f = await benchEngine();
  console.log("engine (40 associates, 300 waiting):");
  console.log(
    `  commands/s          ${f.commandsPerSec}   (target >= 20000; ${f.commands} commands)`,
  );
  console.log(
    `  estimate whole line ${f.estimateAllMs} ms (${f.estimateAllCpuMs} ms CPU; target <= 20)`,
  );
  console.log(`  replay              ${f.replayCommitsPerSec} commits/s`);
  console.log(
    `  analytics upkeep    ${f.readModelUs} µs per command (saves ${f.readModelSaveUs} µs of it), ${((100 * f.readModelUs) / f.commandUs).toFixed(1)} % of a command's ${f.commandUs} µs   (target <= 10 %)`,
  );
}

if (!only || only === "embedded-start") {
  const { benchEmbeddedStart } = await import("./embedded-start.js");
  const f = await benchEmbeddedStart();
  console.log(
    `embedded start after a year of a busy store (${f.commits} commits, journal ${f.journalMb} MB):`,
  );
  console.log(`  whole journal, no snapshot      ${f.wholeLogMs} ms`);
  console.log(`  whole journal, latest snapshot  ${f.withSnapshotMs} ms`);
  console.log(
    `  compacted (${f.compactedKb} KB)          ${f.compactedMs} ms   (target <= 2000 ms)`,
  );
}

if (only === "analytics") {
  const { benchAnalytics } = await import("./analytics.js");
  const f = await benchAnalytics();
  console.log(`analytics on a year of a busy store (${f.days} days, ${f.commits} commits):`);
  console.log(`  first query after the start (which folded the log)  ${f.firstQueryMs} ms`);
  for (const q of f.queries)
    console.log(
      `  ${q.range.padEnd(8)} by ${q.by.padEnd(9)} ${q.format.padEnd(4)}  p50 ${q.p50Ms} ms, max ${q.maxMs} ms   (target <= 100 ms)`,
    );
  console.log(
    `  upkeep, a fold and save after every commit: ${f.foldAndSaveUs} µs per commit; deciding it: ${f.decideUs} µs; the fold's memory ${f.workingKb} KB`,
  );
}

if (only === "staffing") {
  const { benchStaffing } = await import("./staffing.js");
  for (const p of await benchStaffing()) {
    console.log(
      `staffing advisor, ${p.name}: advice in ${p.adviseMs} ms; ${p.hoursMetTogether}/${p.hours.length} hours meet 80 % within 5 min in the replay (every skill: ${p.hoursMet}/${p.hours.length}; the day ${p.dayPct} %); excess over the smallest staffing at most ${p.maxExcess} (target: every hour, <= 1)`,
    );
    console.log("  hour  arrivals/h  Erlang C  advised  replay %  worst skill %  smallest  excess");
    for (const h of p.hours)
      console.log(
        `  ${String(h.hour).padStart(4)}  ${String(h.arrivalsPerHour).padStart(10)}  ${String(h.erlangC).padStart(8)}  ${String(h.advised).padStart(7)}  ${String(h.replayPct).padStart(8)}  ${String(h.worstSkillPct).padStart(13)}  ${String(h.smallest).padStart(8)}  ${String(h.excess).padStart(6)}`,
      );
  }
  const { benchStaffingHttp } = await import("./staffing-http.js");
  const { loadProfile } = await import("../server/simulation/profile.js");
  const busyLunch = fileURLToPath(new URL("./simulate/profiles/busy-lunch.json", import.meta.url));
  const h = await benchStaffingHttp(loadProfile(busyLunch), 4);
  console.log(
    `staffing advisor over HTTP, ${h.days} busy-lunch days played through a server (${h.visits} visits, ${h.hours} weekday-hours): first answer ${h.firstMs} ms, the whole week simulated after ${h.wholeMs} ms, then ${h.keptMs} ms; the event loop meanwhile: longest stall ${h.loopMaxMs} ms, p99 ${h.loopP99Ms} ms`,
  );
}

if (!only || only === "redis") {
  const { benchRedis } = await import("./redis-store.js");
  const { startCluster } = await import("../tests/support/cluster-setup.js");
  const { clusterTarget } = await import("../server/redis-client.js");
  const show = (where: string, f: Awaited<ReturnType<typeof benchRedis>>) => {
    console.log(`redis store, ${where}:`);
    console.log(
      `  append p50 / p99 / max  ${f.p50Ms} / ${f.p99Ms} / ${f.maxMs} ms   (target p99 <= 2 ms; ${f.appends} appends)`,
    );
    console.log(
      `  two writers, one store  ${f.racedCommands} check-ins, ${f.conflicts} conflicts over ${f.commits} commits: retry rate ${f.conflictRetryRate}, ${f.racedCommandsPerSec} commands/s`,
    );
  };
  show(
    `one Redis (${process.env.REDIS_URL ?? "redis://127.0.0.1:6379"}, loopback)`,
    await benchRedis(),
  );
  // The same on a Redis Cluster started here on loopback: three masters; then three masters
  // with a replica each and every append waiting for its replica (REDIS_WAIT_REPLICAS=1).
  const bare = await startCluster();
  try {
    show(
      "three-master Redis Cluster (loopback)",
      await benchRedis(20000, 1000, clusterTarget(bare.urls)),
    );
  } finally {
    await bare.stop();
  }
  const replicated = await startCluster({ replicas: 1 });
  try {
    show(
      "three masters with a replica each, every append waiting for its replica (WAIT 1)",
      await benchRedis(20000, 1000, clusterTarget(replicated.urls), 1),
    );
  } finally {
    await replicated.stop();
  }
}

if (only === "load-cluster") {
  // The real-time server's latency run (bench/load.ts) on one Redis, then on a three-master
  // Redis Cluster started here on loopback (store, directory and rate limits on the cluster
  // client, socket.io on the sharded adapter); knobs as for `load`.
  const { benchLoad, defaultLoadOptions, useRedis } = await import("./load.js");
  const { show } = await import("./load-driver.js");
  const { startCluster } = await import("../tests/support/cluster-setup.js");
  const { clusterTarget } = await import("../server/redis-client.js");
  const o = { ...defaultLoadOptions, throughputRate: 0, idleConnections: 0 };
  const report = (where: string, l: Awaited<ReturnType<typeof benchLoad>>["latency"]) => {
    console.log(`real-time server on ${where}, ${o.stores} stores, ${l.connections} connections:`);
    console.log(
      `  at ${l.checkInsPerSec} check-ins/s: check-in → offer p50 / p99 / max  ${show(l.checkInToOffer)}`,
    );
    console.log(`  commands/s ${l.commandsPerSec}; command ack ${show(l.commandAck)}`);
    console.log(`  server CPU ${l.serverCpuPct}%; errors ${JSON.stringify(l.errors)}`);
  };
  report("one Redis", (await benchLoad(o)).latency);
  const cluster = await startCluster();
  try {
    useRedis(clusterTarget(cluster.urls));
    report("a three-master Redis Cluster", (await benchLoad(o)).latency);
  } finally {
    await cluster.stop();
  }
}

if (only === "load-processes") {
  // The same latency run on a three-master Redis Cluster started here on loopback, served by
  // three server processes: socket j of store s connects to process (s + j) % 3, so a store's
  // commands race between processes and its views cross them through the sharded adapter. Then,
  // for comparison, the same load on one process on the same cluster; knobs as for `load`.
  const { benchLoad, defaultLoadOptions, useRedis } = await import("./load.js");
  const { show } = await import("./load-driver.js");
  const { startCluster } = await import("../tests/support/cluster-setup.js");
  const { clusterTarget } = await import("../server/redis-client.js");
  const o = { ...defaultLoadOptions, throughputRate: 0, idleConnections: 0 };
  // Each server process prints its queue service's counters when stopped (conflicts: appends
  // another process won), on stderr before its report.
  process.env.BENCH_COUNTERS = "1";
  const report = (processes: number, l: Awaited<ReturnType<typeof benchLoad>>["latency"]) => {
    const where =
      processes === 1
        ? "one process"
        : `${processes} processes (each store's sockets spread over them)`;
    console.log(
      `real-time server, ${where} on a three-master Redis Cluster, ${o.stores} stores, ${l.connections} connections:`,
    );
    console.log(
      `  at ${l.checkInsPerSec} check-ins/s: check-in → offer p50 / p99 / max  ${show(l.checkInToOffer)}`,
    );
    console.log(`  commands/s ${l.commandsPerSec}; command ack ${show(l.commandAck)}`);
    console.log(
      `  server CPU ${l.serverCpuPct}%${processes === 1 ? "" : ` (${processes} processes summed)`}; errors ${JSON.stringify(l.errors)}`,
    );
  };
  const cluster = await startCluster();
  try {
    useRedis(clusterTarget(cluster.urls));
    for (const processes of [3, 1])
      report(processes, (await benchLoad({ ...o, processes })).latency);
  } finally {
    await cluster.stop();
  }
}

if (!only || only === "load" || only === "relay") {
  const { benchRelay } = await import("./relay.js");
  const { benchLoad, defaultLoadOptions: o } = await import("./load.js");
  const { show } = await import("./load-driver.js");
  const shape = `${o.stores} stores × (${o.associates} tablets + manager + display) + a kiosk each`;
  const cpu = (f: { serverCpuPct: number | null; clientCpuPct: number }) =>
    `server CPU ${f.serverCpuPct}%, client CPU ${f.clientCpuPct}%`;
  const relay = await benchRelay(o);
  console.log(`relay baseline (socket.io in, one Redis script, socket.io out), ${shape}:`);
  console.log(`  at ${relay.checkInsPerSec} check-ins/s (${relay.connections} connections):`);
  console.log(`    check-in → offer on tablet p50 / p99 / max  ${show(relay.checkInToOffer)}`);
  console.log(`    fan-out to every socket of the store        ${show(relay.fanOut)}`);
  console.log(`    commands/s ${relay.commandsPerSec}; command ack ${show(relay.commandAck)}`);
  console.log(`    ${cpu(relay)}`);
  if (only !== "relay") {
    const { latency: l, throughput: t, idle } = await benchLoad(o);
    console.log(`real-time server, one process + Redis, ${shape}:`);
    console.log(`  at ${l.checkInsPerSec} check-ins/s (${l.connections} connections):`);
    console.log(
      `    check-in → offer on tablet p50 / p99 / max  ${show(l.checkInToOffer)}   (target p99 <= 10 ms; ${l.queued} visits waited for an associate, not counted)`,
    );
    const ratio = (l.checkInToOffer.p50 / relay.checkInToOffer.p50).toFixed(2);
    console.log(`    p50 / relay p50                             ${ratio}   (target <= 1.5)`);
    console.log(`    fan-out to every socket of the store        ${show(l.fanOut)}`);
    console.log(`    fan-out to the last socket of the store     ${show(l.fanOutLast)}`);
    console.log(`    commands/s ${l.commandsPerSec}; command ack ${show(l.commandAck)}`);
    console.log(
      `    ${cpu(l)}; RSS ${l.rssPerActiveConnectionKb} KB per active connection; errors ${JSON.stringify(l.errors)}`,
    );
    if (t) {
      console.log(
        `  at ${t.checkInsPerSec} check-ins/s offered (3 client commands per visit), ${o.throughputAssociates} tablets + manager + display per store (${t.connections} connections):`,
      );
      console.log(
        `    commands/s ${t.commandsPerSec}; command ack ${show(t.commandAck)}   (target >= 3000/s, p99 < 50 ms)`,
      );
      console.log(`    check-in → offer on tablet                  ${show(t.checkInToOffer)}`);
      console.log(`    ${cpu(t)}; errors ${JSON.stringify(t.errors)}`);
    }
    if (idle) {
      const { relayIdleRss } = await import("./relay.js");
      const floor = await relayIdleRss(idle.connections);
      console.log(
        `  idle: ${idle.connections} connections, RSS ${idle.rssBeforeMb} → ${idle.rssAfterMb} MB: ${idle.rssPerConnectionKb} KB per connection   (target <= 15 KB)`,
      );
      console.log(
        `    bare socket.io relay, same measure: ${floor.rssPerConnectionKb} KB per connection (${floor.connections} connections)`,
      );
    }
  }
}

if (only === "store" || only === "store-overload") {
  const { benchBusyStore, defaultBusyStoreOptions, killServers } = await import("./busy-store.js");
  const { show } = await import("./load-driver.js");
  const o = defaultBusyStoreOptions(only === "store-overload");
  // Every phase has its own deadline; this is the last resort, so that a run always ends.
  const phases = 1 + (o.overload ? o.overloadFactors.length : 0);
  const perPhaseMs = o.warmUpMs + Math.max(o.durationMs, o.overloadDurationMs) + o.graceMs + 90_000;
  setTimeout(
    () => {
      console.log("busy store: watchdog fired, the run took too long; servers killed");
      killServers();
      process.exit(0);
    },
    o.backends.length * phases * perPhaseMs,
  ).unref();
  const shape = `1 store: ${o.associates} associate tablets + manager + display + kiosk, every associate every skill`;
  const cpu = (f: {
    serverCpuPct: number;
    serverUsPerCommand: number;
    clientCpuPct: number;
    redisCpuPct: number | null;
  }) =>
    `server CPU ${f.serverCpuPct}% (${f.serverUsPerCommand} µs per answered command)${f.redisCpuPct === null ? "" : `, redis-server CPU ${f.redisCpuPct}%`}, client CPU ${f.clientCpuPct}%`;
  for (const backend of o.backends) {
    const f = await benchBusyStore(backend, o);
    const store = backend === "redis" ? "Redis store" : "embedded store (journal, fdatasync)";
    console.log(`busy store on the ${store}, ${shape}:`);
    const c = f.closed;
    if (c) {
      console.log(
        `  ${o.loops} closed loops (check-in → offer → accept → complete${o.serviceMs > 0 ? `, ${o.serviceMs} ms service` : ""}), ${c.sockets} sockets, ${c.windowSec} s measured after ${o.warmUpMs / 1000} s warm-up:`,
      );
      console.log(
        `    check-ins/s (completed loops) ${c.checkInsPerSec}; commands/s ${c.commandsPerSec} (${c.okCommandsPerSec} ok)`,
      );
      console.log(`    check-in → offer on a tablet p50 / p99 / max  ${show(c.checkInToOffer)}`);
      console.log(`    check-in → display view                      ${show(c.checkInToDisplay)}`);
      console.log(`    whole loop (check-in sent → complete acked)  ${show(c.loop)}`);
      console.log(`    command ack                                  ${show(c.commandAck)}`);
      console.log(`      check-in ack                               ${show(c.checkInAck)}`);
      console.log(`      accept ack                                 ${show(c.acceptAck)}`);
      console.log(`      complete ack                               ${show(c.completeAck)}`);
      console.log(`    ${cpu(c)}`);
      console.log(
        `    server µs per answered command by third of the window ${c.serverUsPerCommandByThird.join(" / ")} (${c.visitsAtEnd} visits checked in by the end)`,
      );
      console.log(
        `    errors (whole run) ${JSON.stringify(c.errors)}${c.journalBytes === null ? "" : `; journal ${Math.round(c.journalBytes / 1024)} KB at the end`}`,
      );
    }
    for (const t of f.overload) {
      console.log(
        `  open loop at ${t.rate} check-ins/s (${t.factor}× the closed loops' capacity), ${t.windowSec} s measured after ${o.warmUpMs / 1000} s warm-up, then ${o.graceMs / 1000} s grace:`,
      );
      console.log(
        `    check-ins sent/s ${t.checkInsSentPerSec}; answered ok/s: commands ${t.okCommandsPerSec}, check-ins ${t.okCheckInsPerSec}, completes ${t.completedPerSec}`,
      );
      console.log(
        `    answered (ok or BUSY) within 1 s ${(t.answeredWithin1s * 100).toFixed(1)}% of ${t.sent} commands sent; BUSY ${t.busy} (${t.busyCheckIns} of them check-ins)`,
      );
      console.log(
        `    never answered by the end of the grace: ${t.neverAnswered} sent before check-ins stopped (${t.neverAnsweredAll} in all)`,
      );
      console.log(`    command ack                                  ${show(t.commandAck)}`);
      console.log(
        `    check-in → display view                      ${show(t.checkInToDisplay)}; ${t.displayMissed} never shown`,
      );
      console.log(
        `    check-in → offer on a tablet                 ${show(t.checkInToOffer)}; ${t.neverOffered} never offered`,
      );
      console.log(
        `    ${cpu(t)}; line at the end ${t.lineAtEnd}; errors (whole run) ${JSON.stringify(t.errors)}`,
      );
    }
    for (const failure of f.failures) console.log(`  failed: ${failure}`);
  }
  // Sockets, servers and Redis links are all closed by now; exit even if a stray timer is left.
  process.exit(0);
}
