/**
 * Builds the bench pages (test/bench/pages/*.ts) into test-results/bench/pages,
 * served by test/bench/run.mjs under /pages/. The runner writes the HTML.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const pages = resolve(import.meta.dirname, 'pages');
/** One entry per bench page; its name is the page the runner opens (lib/benches.mjs). */
const PAGES = ['persist', 'analytics', 'naive', 'raw', 'otel', 'calls', 'export', 'open', 'heap', 'fps', 'overlay'];

export default defineConfig({
  root: pages,
  base: '/pages/',
  publicDir: false,
  logLevel: 'warn',
  worker: { format: 'es' },
  build: {
    outDir: resolve(import.meta.dirname, '../../test-results/bench/pages'),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: false,
    rolldownOptions: {
      input: Object.fromEntries(PAGES.map((p) => [p, resolve(pages, `${p}.ts`)])),
      output: { entryFileNames: '[name].js' },
    },
  },
});
