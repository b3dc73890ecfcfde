// The console builds into the Python package (graphql/console/dist), which `runxin serve` serves at /.
import { defineConfig } from "vite";

export default defineConfig({
  build: {
    outDir: "../graphql/console/dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npm run dev` against a running `runxin serve` on :8000.
    proxy: { "/graphql": "http://127.0.0.1:8000", "/auth": "http://127.0.0.1:8000", "/exports": "http://127.0.0.1:8000", "/geo": "http://127.0.0.1:8000" },
  },
});
