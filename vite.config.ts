import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig, type ViteUserConfig as UserConfig } from 'vitest/config';

const root = import.meta.dirname;
/** The drop-in script's files (npm run build:lib): the page's part, and the two it loads from beside its URL. */
export const DROP_IN_FILES = ['trace-agent.js', 'trace-agent.worker.js', 'trace-agent.overlay.js'];
const jsx = { jsx: { runtime: 'automatic' as const, importSource: 'preact' } };

/**
 * The demo page loads the drop-in script exactly as a user's page would
 * (`<script src="/trace-agent.js">`): serve the built files (the script and
 * its two siblings) in dev and preview, and copy them into the demo's build.
 */
function dropInScript(): Plugin {
  const read = (name: string) => {
    const file = resolve(root, 'dist', name);
    if (!existsSync(file)) throw new Error(`dist/${name} is missing: run \`npm run build:lib\` first`);
    return readFileSync(file, 'utf8');
  };
  return {
    name: 'trace-agent-drop-in',
    configureServer(server) {
      for (const name of DROP_IN_FILES) {
        server.middlewares.use(`/${name}`, (_req, res) => {
          res.setHeader('Content-Type', 'text/javascript');
          res.end(read(name));
        });
      }
    },
    generateBundle() {
      for (const name of DROP_IN_FILES) this.emitFile({ type: 'asset', fileName: name, source: read(name) });
    },
  };
}

const OVERLAY_INTRO = 'try {';
const OVERLAY_OUTRO = `} catch (err) {
  var part = document.currentScript;
  if (part) part.dispatchEvent(new CustomEvent('trace-agent:part', { detail: { failed: String((err && err.message) || err) } }));
}`;

/**
 * The overlay's file runs long after start-up: its modules take the builtins
 * the drop-in script captured then (src/overlay/page-builtins.ts), not the
 * page's current ones. page-builtins.ts itself still imports the real module
 * (its fallback).
 */
function pageBuiltins(): Plugin {
  const real = resolve(root, 'src/core/builtins.ts');
  const handed = resolve(root, 'src/overlay/page-builtins.ts');
  return {
    name: 'trace-agent-page-builtins',
    enforce: 'pre',
    async resolveId(source, importer, opts) {
      if (!importer || importer === handed || !source.endsWith('/builtins')) return null;
      const r = await this.resolve(source, importer, { ...opts, skipSelf: true });
      return r?.id === real ? handed : null;
    },
  };
}

/**
 * The ESM build starts its worker with `new Worker(new URL('./worker.js',
 * import.meta.url), ...)` (src/store/module-worker.ts), for the bundler of the
 * project that installs the package to follow. Vite would follow it in this
 * build already (and inline the worker); so the expression is swapped for a
 * marker before Vite's worker plugin sees it, and put back in the output.
 */
const WORKER_URL_SOURCE = "new URL('./worker.js', import.meta.url)";
const WORKER_URL_MARKER = '__TRACE_AGENT_WORKER_URL__';
function keepWorkerUrl(): Plugin {
  let kept = 0;
  return {
    name: 'trace-agent-keep-worker-url',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/src/store/module-worker.ts')) return null;
      const parts = code.split(WORKER_URL_SOURCE);
      if (parts.length !== 2) this.error(`${id} should hold ${WORKER_URL_SOURCE} once, not ${parts.length - 1} times`);
      return { code: parts.join(`new URL(${WORKER_URL_MARKER})`), map: null };
    },
    renderChunk(code) {
      if (!code.includes(WORKER_URL_MARKER)) return null;
      kept++;
      return { code: code.replace(`new URL(${WORKER_URL_MARKER})`, WORKER_URL_SOURCE), map: null };
    },
    generateBundle() {
      if (kept !== 1) this.error(`the worker's URL expression was put back in ${kept} chunks, not 1`);
    },
  };
}

/**
 * Compile-time flags: `__TRACE_AGENT_BENCH__` compiles the overlay's bench
 * probe in (src/overlay/bench-probe.ts); false in every build here, true only
 * in the bench's drop-in script (test/bench/vite.config.ts).
 */
export const SHIPPED_FLAGS = { __TRACE_AGENT_BENCH__: 'false' };

/** The ESM build's entries: the API, each adapter, and the Vite plugin (which runs in Node: node:* and vite stay imports). */
const ADAPTERS = ['xstate', 'redux', 'phaser'];
const ESM_ENTRIES: Record<string, string> = {
  index: resolve(root, 'src/index.ts'),
  vite: resolve(root, 'src/vite.ts'),
  ...Object.fromEntries(ADAPTERS.map((name) => [`adapters/${name}`, resolve(root, `src/adapters/${name}.ts`)])),
};

export default defineConfig(({ mode }): UserConfig => {
  // The drop-in script: three self-contained IIFEs, one build each (lib mode builds one IIFE at a time).
  // lib: dist/trace-agent.js, what the page runs at once (src/script.ts);
  // lib-worker: dist/trace-agent.worker.js, the store's worker (src/store/worker.ts);
  // lib-overlay: dist/trace-agent.overlay.js, the overlay, loaded when first opened (src/script-overlay.ts).
  const dropIn: Record<string, [string, string]> = {
    lib: ['src/script.ts', 'trace-agent.js'],
    'lib-worker': ['src/store/worker.ts', 'trace-agent.worker.js'],
    'lib-overlay': ['src/script-overlay.ts', 'trace-agent.overlay.js'],
  };
  const part = dropIn[mode];
  if (part) {
    return {
      oxc: jsx,
      define: SHIPPED_FLAGS,
      plugins: mode === 'lib-overlay' ? [pageBuiltins()] : [],
      build: {
        outDir: 'dist',
        emptyOutDir: false,
        target: 'es2022',
        sourcemap: false,
        lib: { entry: resolve(root, part[0]), formats: ['iife'], name: 'TraceAgentScript', fileName: () => part[1] },
        // The overlay's file runs on a page that may have broken a builtin since start-up: what its
        // modules' top level throws is handed to its loader as a failure (src/agent/script-part.ts),
        // not left to the page as an uncaught error.
        rolldownOptions: mode === 'lib-overlay' ? { output: { intro: OVERLAY_INTRO, outro: OVERLAY_OUTRO } } : {},
      },
    };
  }
  if (mode === 'esm') {
    // dist/esm/index.js for bundlers; runtime dependencies stay imports.
    return {
      oxc: jsx,
      define: SHIPPED_FLAGS,
      plugins: [keepWorkerUrl()],
      build: {
        outDir: 'dist/esm',
        emptyOutDir: true,
        target: 'es2022',
        // The adapters (src/adapters/<name>.ts → dist/esm/adapters/<name>.js) are entries of their
        // own: from the core they import types and the event names (a shared chunk of constants),
        // so index.js holds none of them.
        lib: { entry: ESM_ENTRIES, formats: ['es'], fileName: (_format, name) => `${name}.js` },
        rolldownOptions: { external: [/^preact(\/.*)?$/, /^@preact\/signals/, /^idb$/, /^uplot$/, /^node:/, /^vite$/] },
      },
    };
  }
  if (mode === 'cli') {
    // dist/cli/trace-agent.js, the `trace-agent` command (package.json's bin): one ES module for Node, node:* left as imports.
    return {
      define: SHIPPED_FLAGS,
      build: {
        outDir: 'dist/cli',
        emptyOutDir: true,
        target: 'node20',
        lib: { entry: resolve(root, 'src/cli/bin.ts'), formats: ['es'], fileName: () => 'trace-agent.js' },
        rolldownOptions: { external: [/^node:/], output: { banner: '#!/usr/bin/env node' } },
      },
    };
  }
  if (mode === 'esm-worker') {
    // dist/esm/worker.js, the store's worker that index.js starts: one file
    // with no imports (idb bundled in), so that it also runs unbundled, where
    // a module worker has no import map to resolve `idb` by.
    return {
      build: {
        outDir: 'dist/esm',
        emptyOutDir: false,
        target: 'es2022',
        lib: { entry: resolve(root, 'src/store/worker.ts'), formats: ['es'], fileName: () => 'worker.js' },
      },
    };
  }
  return {
    oxc: jsx,
    define: SHIPPED_FLAGS,
    plugins: [dropInScript()],
    build: { outDir: 'dist/demo', emptyOutDir: true, target: 'es2022' },
    preview: { port: 4173 },
    test: {
      projects: [
        {
          extends: true,
          // A property test or a detector run takes seconds on a busy 2-core machine: 5 s (the default) is too tight.
          test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'], environment: 'node', testTimeout: 30_000 },
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
            // An expect.poll without a timeout of its own waits 1 s by default: too tight on a loaded machine.
            expect: { poll: { timeout: 10_000 } },
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
