import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const page = (name: string) => fileURLToPath(new URL(`./${name}.html`, import.meta.url));

/** The floor apps: one HTML page per role, built into client/dist and served by the server. */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    rollupOptions: {
      input: {
        index: page("index"),
        kiosk: page("kiosk"),
        display: page("display"),
        tablet: page("tablet"),
        manager: page("manager"),
        visit: page("visit"),
        join: page("join"),
        // The phone page's service worker, at a stable URL (its scope and its registration).
        "push-sw": fileURLToPath(new URL("./src/push-sw.ts", import.meta.url)),
      },
      output: {
        entryFileNames: (chunk) =>
          chunk.name === "push-sw" ? "push-sw.js" : "assets/[name]-[hash].js",
      },
    },
  },
  server: {
    proxy: {
      "/api": "http://localhost:3000",
      "/socket.io": { target: "ws://localhost:3000", ws: true },
    },
  },
});
