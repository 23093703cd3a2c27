import { defineConfig } from "vitest/config";

// Convex function tests: convex-test in the edge runtime (the runtime Convex
// queries run in). convex-test must be inlined so its `import.meta.glob`
// consumers and `convex/values` resolve through vite.
export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["convex/**/*.test.ts"],
  },
});
