import { describe, expect, it } from "vitest";
import { readConfig, redisTarget } from "../../server/config.js";
import { isClusterTarget } from "../../server/redis-client.js";

// Which Redis the environment names: one server, a cluster's seed nodes, or neither; never both.

describe("the Redis a configuration names", () => {
  const configOf = (env: Record<string, string>) => {
    const read = readConfig(env);
    if (!read.ok) throw new Error(read.problems.join("; "));
    return read.config;
  };

  it("is one Redis with REDIS_URL, a cluster with REDIS_CLUSTER_NODES, else none", () => {
    expect(redisTarget(configOf({ REDIS_URL: "redis://10.0.0.5:6379" }))).toBe(
      "redis://10.0.0.5:6379",
    );
    const cluster = redisTarget(
      configOf({ REDIS_CLUSTER_NODES: "redis://10.0.0.1:7000, redis://10.0.0.2:7000" }),
    );
    expect(cluster && isClusterTarget(cluster)).toBe(true);
    expect(cluster).toBe("cluster:redis://10.0.0.1:7000,redis://10.0.0.2:7000");
    expect(redisTarget(configOf({}))).toBeUndefined();
    expect(redisTarget(configOf({ REDIS_URL: "", REDIS_CLUSTER_NODES: "" }))).toBeUndefined();
  });

  it("refuses both at once, and seed nodes that are not redis:// URLs, one line each", () => {
    const both = readConfig({
      REDIS_URL: "redis://10.0.0.5:6379",
      REDIS_CLUSTER_NODES: "redis://10.0.0.1:7000",
    });
    expect(both.ok).toBe(false);
    if (!both.ok)
      expect(both.problems).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES: .*not both/)]);
    const bad = readConfig({ REDIS_CLUSTER_NODES: "redis://10.0.0.1:7000,10.0.0.2:7000" });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.problems).toEqual([
        expect.stringMatching(/^REDIS_CLUSTER_NODES: .*10\.0\.0\.2:7000/),
      ]);
  });
});
