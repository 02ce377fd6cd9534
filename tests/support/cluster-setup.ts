import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * Vitest global setup: a real three-master Redis Cluster on loopback for the whole run, its seed
 * nodes put in TEST_REDIS_CLUSTER (comma-separated redis:// URLs) for the test processes (forked
 * after this runs). An outside cluster may be named in TEST_REDIS_CLUSTER instead. Without
 * `redis-server` the cluster suites skip with a loud message, except under CI=true.
 */

const run = promisify(execFile);

/** A port free for a node and for its cluster bus (the port + 10000). */
async function freePair(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await canListen(port)) && (await canListen(port + 10_000))) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function waitUntilOk(ports: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const states = await Promise.all(
      ports.map((port) =>
        run("redis-cli", ["-p", String(port), "cluster", "info"]).then(
          ({ stdout }) => stdout.includes("cluster_state:ok"),
          () => false,
        ),
      ),
    );
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error("the test Redis Cluster did not become ready");
    // Polling a process we do not own: there is no event to wait for.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until every replica among `ports` has its link to its master up. */
async function waitForReplication(ports: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const infos = await Promise.all(
      ports.map((port) =>
        run("redis-cli", ["-p", String(port), "info", "replication"]).then(
          ({ stdout }) => stdout,
          () => "",
        ),
      ),
    );
    const replicas = infos.filter((info) => info.includes("role:slave"));
    if (replicas.length > 0 && replicas.every((info) => info.includes("master_link_status:up")))
      return;
    if (Date.now() > deadline) throw new Error("the test cluster's replicas did not sync");
    // Polling processes we do not own: there is no event to wait for.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface TestCluster {
  /** Every node's port: masters first, as created (replicas are assigned by redis-cli). */
  ports: number[];
  urls: string[];
  /** Kills one node at once (SIGKILL), as a crash would. */
  kill(port: number): void;
  stop(): Promise<void>;
}

/**
 * Starts a cluster of `masters` masters with `replicas` replicas each on free loopback ports in a
 * temporary directory, and waits until every node says it is ok. `nodeTimeoutMs` is how long a
 * silent master is given before its replica takes over.
 */
export async function startCluster(
  options: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<TestCluster> {
  const { masters = 3, replicas = 0, nodeTimeoutMs = 15_000 } = options;
  const dir = await mkdtemp(join(tmpdir(), "undivided-cluster-"));
  const ports: number[] = [];
  for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freePair());
  const nodes = new Map<number, ChildProcess>();
  for (const port of ports)
    nodes.set(
      port,
      spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          `nodes-${port}.conf`,
          "--cluster-node-timeout",
          String(nodeTimeoutMs),
          "--save",
          "",
          "--appendonly",
          "no",
        ],
        { cwd: dir, stdio: "ignore" },
      ),
    );
  const stop = async () => {
    for (const node of nodes.values()) node.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Each node answers before the cluster is made.
    const deadline = Date.now() + 10_000;
    for (const port of ports) {
      while (
        !(await run("redis-cli", ["-p", String(port), "ping"]).then(
          () => true,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    await waitUntilOk(ports);
    // A replica takes over only once it holds its master's data: wait for every link.
    if (replicas > 0) await waitForReplication(ports);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ports,
    urls: ports.map((p) => `redis://127.0.0.1:${p}`),
    kill: (port) => nodes.get(port)?.kill("SIGKILL"),
    stop,
  };
}

/** Whether every node of `ports` says the cluster is ok. */
export { waitUntilOk };

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_REDIS_CLUSTER) return undefined;
  const missing = await run("redis-server", ["--version"]).then(
    () => undefined,
    (error: Error) => error.message,
  );
  if (missing !== undefined) {
    const message = `redis-server cannot be run (${missing}): no Redis Cluster for its tests`;
    if (process.env.CI === "true") throw new Error(`${message}; under CI=true they must run.`);
    console.warn(`\n!!!!!!!! SKIPPING REDIS CLUSTER TESTS: ${message}.\n`);
    return undefined;
  }
  const cluster = await startCluster();
  process.env.TEST_REDIS_CLUSTER = cluster.urls.join(",");
  return cluster.stop;
}
