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
