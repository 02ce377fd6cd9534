import { benchEngine } from "./engine.js";

/** `npm run bench`: every benchmark, figures printed as they come. `npm run bench -- engine` runs one. */
const only = process.argv[2];

if (!only || only === "engine") {
  const f = benchEngine();
  console.log("engine (40 associates, 300 waiting):");
  console.log(
    `  commands/s          ${f.commandsPerSec}   (target >= 20000; ${f.commands} commands)`,
  );
  console.log(`  estimate whole line ${f.estimateAllMs} ms`);
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
