/**
 * The dashboard's build: web/ → dist/dashboard (index.html and hashed files under assets/), which
 * the API server serves at `/`. Everything is bundled: the page fetches nothing but the API.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Relative URLs (./assets/…): the page works under a proxy's prefix (/orchestrate/) as well as at /.
  base: "./",
  publicDir: false,
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // Small enough to read in a browser's devtools, and no source maps to ship.
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
});
