import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig, type ViteUserConfig as UserConfig } from 'vitest/config';

const root = import.meta.dirname;
const SCRIPT = resolve(root, 'dist/trace-agent.js');
const jsx = { jsx: { runtime: 'automatic' as const, importSource: 'preact' } };

/**
 * The demo page loads the drop-in script exactly as a user's page would
 * (`<script src="/trace-agent.js">`): serve the built file in dev and preview,
 * and copy it into the demo's build.
 */
function dropInScript(): Plugin {
  const read = () => {
    if (!existsSync(SCRIPT)) throw new Error('dist/trace-agent.js is missing: run `npm run build:lib` first');
    return readFileSync(SCRIPT, 'utf8');
  };
  return {
    name: 'trace-agent-drop-in',
    configureServer(server) {
      server.middlewares.use('/trace-agent.js', (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript');
        res.end(read());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'trace-agent.js', source: read() });
    },
  };
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'lib') {
    // dist/trace-agent.js: one self-contained IIFE, the worker inlined.
    return {
      oxc: jsx,
      worker: { format: 'iife' },
      build: {
        outDir: 'dist',
        emptyOutDir: false,
        target: 'es2022',
        sourcemap: false,
        lib: { entry: resolve(root, 'src/script.ts'), formats: ['iife'], name: 'TraceAgentScript', fileName: () => 'trace-agent.js' },
      },
    };
  }
  if (mode === 'esm') {
    // dist/esm/index.js for bundlers; runtime dependencies stay imports.
    return {
      oxc: jsx,
      worker: { format: 'iife' },
      build: {
        outDir: 'dist/esm',
        emptyOutDir: true,
        target: 'es2022',
        lib: { entry: resolve(root, 'src/index.ts'), formats: ['es'], fileName: () => 'index.js' },
        rolldownOptions: { external: [/^preact(\/.*)?$/, /^@preact\/signals/, /^idb$/, /^uplot$/] },
      },
    };
  }
  return {
    oxc: jsx,
    plugins: [dropInScript()],
    build: { outDir: 'dist/demo', emptyOutDir: true, target: 'es2022' },
    preview: { port: 4173 },
    test: {
      projects: [
        {
          extends: true,
          test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'], environment: 'node' },
        },
        {
          extends: true,
          test: {
            name: 'browser',
            include: ['test/browser/**/*.test.ts'],
            environment: 'node',
            globalSetup: ['test/browser/global-setup.ts'],
            testTimeout: 120_000,
            hookTimeout: 300_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
