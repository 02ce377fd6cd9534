import { type ChildProcess, spawn } from "node:child_process";

/** The server's real entry point (`server/index.ts`) as a child process, as an operator runs it. */

const ROOT = new URL("../../", import.meta.url).pathname;

export interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function startServer(env: Record<string, string>, args: string[] = []): Running {
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts", ...args], {
    cwd: ROOT,
    // MAX_LAG_MS: a loaded test machine's pauses must not turn commands away as BUSY.
    env: { ...process.env, LOG_LEVEL: "info", REDIS_URL: "", MAX_LAG_MS: "60000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Resolves once the process has printed `text` (or rejects when it exits first). */
export function printed(running: Running, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (running.output().includes(text)) {
        running.child.stdout?.off("data", check);
        resolve();
      }
    };
    running.child.stdout?.on("data", check);
    running.exited.then((code) =>
      reject(new Error(`exited ${code} before printing ${text}:\n${running.output()}`)),
    );
    check();
  });
}
