import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // A three-master Redis Cluster on loopback for the cluster back end's tests.
    globalSetup: ["tests/support/cluster-setup.ts"],
  },
});
