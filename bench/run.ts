import { benchEngine } from "./engine.js";

/** `npm run bench`: every benchmark, figures printed as they come. `npm run bench -- engine` runs one. */
const only = process.argv[2];

if (!only || only === "engine") {
  const f = benchEngine();
  console.log("engine (40 associates, 300 waiting):");
  console.log(
    `  commands/s          ${f.commandsPerSec}   (target >= 20000; ${f.commands} commands)`,
  );
  console.log(
    `  estimate whole line ${f.estimateAllMs} ms (${f.estimateAllCpuMs} ms CPU; target <= 20)`,
  );
  console.log(`  replay              ${f.replayCommitsPerSec} commits/s`);
}

if (!only || only === "redis") {
  const { benchRedis } = await import("./redis-store.js");
  const f = await benchRedis();
  console.log(`redis store (${process.env.REDIS_URL ?? "redis://127.0.0.1:6379"}, loopback):`);
  console.log(
    `  append p50 / p99 / max  ${f.p50Ms} / ${f.p99Ms} / ${f.maxMs} ms   (target p99 <= 2 ms; ${f.appends} appends)`,
  );
  console.log(
    `  two writers, one store  ${f.racedCommands} check-ins, ${f.conflicts} conflicts over ${f.commits} commits: retry rate ${f.conflictRetryRate}, ${f.racedCommandsPerSec} commands/s`,
  );
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
    if (idle)
      console.log(
        `  idle: ${idle.connections} connections, RSS ${idle.rssBeforeMb} → ${idle.rssAfterMb} MB: ${idle.rssPerConnectionKb} KB per connection   (target <= 40 KB)`,
      );
  }
}
