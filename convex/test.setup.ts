/// <reference types="vite/client" />
// Every module of convex/ except tests and type declarations, for convexTest().
// The glob from the convex-test docs ("./**/!(*.*.*)*.*s") matches nothing
// under vite 8 / vitest 4, so the exclusions are spelled out.
export const modules = import.meta.glob(["./**/*.*s", "!./**/*.test.*s", "!./**/*.d.ts"]);
