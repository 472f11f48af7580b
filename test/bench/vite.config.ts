/**
 * The bench's builds, served by test/bench/run.mjs:
 * - the bench pages (test/bench/pages/*.ts) into test-results/bench/pages,
 *   under /pages/ (the runner writes the HTML);
 * - modes `probe`, `probe-worker`, `probe-overlay`: the drop-in script's
 *   three files as `npm run build:lib` builds them (modes lib, lib-worker,
 *   lib-overlay), but with the overlay's bench probe compiled in
 *   (`__TRACE_AGENT_BENCH__` true; src/overlay/bench-probe.ts), into
 *   test-results/bench/probe, for the pages that measure the overlay's own
 *   time (lib/benches.mjs: `probe`). The shipped files leave the probe out.
 */
import { resolve } from 'node:path';
import { defineConfig, mergeConfig, type UserConfig, type UserConfigFnObject } from 'vite';
import shipped, { SHIPPED_FLAGS } from '../../vite.config';

const pages = resolve(import.meta.dirname, 'pages');
const out = resolve(import.meta.dirname, '../../test-results/bench');
/** One entry per bench page; its name is the page the runner opens (lib/benches.mjs). */
const PAGES = ['persist', 'analytics', 'naive', 'raw', 'otel', 'calls', 'export', 'open', 'heap', 'fps', 'overlay', 'load'];

export default defineConfig(({ mode, command }): UserConfig => {
  if (mode.startsWith('probe')) {
    const lib = (shipped as UserConfigFnObject)({ mode: mode.replace('probe', 'lib'), command }) as UserConfig;
    return mergeConfig(lib, {
      root: resolve(import.meta.dirname, '../..'),
      logLevel: 'warn',
      define: { ...SHIPPED_FLAGS, __TRACE_AGENT_BENCH__: 'true' },
      build: { outDir: resolve(out, 'probe'), emptyOutDir: false },
    });
  }
  return {
    root: pages,
    base: '/pages/',
    publicDir: false,
    logLevel: 'warn',
    worker: { format: 'es' },
    build: {
      outDir: resolve(out, 'pages'),
      emptyOutDir: true,
      target: 'es2022',
      modulePreload: false,
      rolldownOptions: {
        input: Object.fromEntries(PAGES.map((p) => [p, resolve(pages, `${p}.ts`)])),
        output: { entryFileNames: '[name].js' },
      },
    },
  };
});
