/**
 * The package as a user gets it: `npm pack` the repository (after the global
 * setup's `npm run build`), check what the tarball holds, install it into a
 * throwaway Vite + TypeScript project in a temp dir, type-check and build that
 * project, and run its page in Chromium: the agent logs and its store reaches
 * IndexedDB in a worker, which the consumer's Vite bundled from dist/esm/worker.js
 * (the package starts it as `new Worker(new URL('./worker.js', import.meta.url))`),
 * under a `default-src 'self'` header with no CSP violation. Also that
 * `trace-agent/script` resolves (through the exports map) to the drop-in IIFE.
 *
 * The same project also runs under the Vite dev server, which pre-bundles the
 * package into node_modules/.vite/deps: the worker's `new URL` must still
 * find dist/esm/worker.js (vitejs/vite#8427, fixed in Vite 8's optimizer).
 *
 * Needs the npm registry (to install vite, typescript and the package's
 * dependencies). When npm cannot install, the test fails with npm's output:
 * it never skips.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { collectErrors, launch } from './browser';
import { childEnv, must, run } from './child';
import { serve, type StaticServer } from './server';

const REPO = resolve(import.meta.dirname, '../..');
const INSTALL_TIMEOUT_MS = 120_000;

/** The versions this repository builds and type-checks with (the installed ones, so the throwaway project matches exactly). */
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

const temps: string[] = [];
let server: StaticServer | undefined;
let closeBrowser: (() => Promise<void>) | undefined;
/** What the dev-server test started (closed after the file). */
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await closeBrowser?.();
  for (const close of closers) await close();
  await server?.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/**
 * Steps 1-3, once for the file: the tarball packed and checked, and installed
 * into a throwaway Vite + TypeScript project (each test that needs it waits for it).
 */
let prepared: Promise<{ app: string; installed: string }> | undefined;
function consumerApp(): Promise<{ app: string; installed: string }> {
  prepared ??= (async () => {
    // 1. npm pack, into a temp dir.
    const packDir = mkdtempSync(join(tmpdir(), 'trace-agent-pack-'));
    temps.push(packDir);
    const packed = JSON.parse(must('npm pack', 'npm', ['pack', '--json', '--pack-destination', packDir], REPO)) as { filename: string }[];
    const tarball = join(packDir, packed[0]!.filename);

    // What the tarball really holds (read from it, not from npm's report).
    const files = must('listing the tarball', 'tar', ['-tzf', tarball], packDir)
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'README.md', 'dist/trace-agent.js', 'dist/trace-agent.worker.js', 'dist/trace-agent.overlay.js', 'dist/esm/index.js', 'dist/esm/worker.js', 'dist/types/index.d.ts', 'dist/types/create-agent.d.ts', 'schema/trace-v1.schema.json', 'dist/cli/trace-agent.js']) {
      expect(files, `the tarball holds ${f}`).toContain(f);
    }
    const allowed = (f: string) =>
      f === 'package.json' || f === 'README.md' || f === 'schema/trace-v1.schema.json' || /^LICEN[SC]E/i.test(f) || /^dist\/trace-agent(\.worker|\.overlay)?\.js$/.test(f) || f.startsWith('dist/esm/') || f.startsWith('dist/types/') || f === 'dist/cli/trace-agent.js';
    expect(files.filter((f) => !allowed(f)), 'files in the tarball besides dist/esm, dist/types, the drop-in script\'s three files, the CLI, the trace schema, README.md, package.json').toEqual([]);
    expect(files.filter((f) => /(^|\/)(src|test|node_modules|demo)\//.test(f))).toEqual([]);

    // 2. A throwaway project, as a user would write it.
    const app = mkdtempSync(join(tmpdir(), 'trace-agent-app-'));
    temps.push(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'trace-agent-consumer', private: true, type: 'module' }, null, 2));
    const compilerOptions = {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: false, // the shipped .d.ts files must compile in a user's project too
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['main.ts'] }, null, 2));
    // The page's first script (a public file, served as is) records every CSP violation.
    mkdirSync(join(app, 'public'));
    copyFileSync(join(REPO, 'test/fixtures/csp-violations.js'), join(app, 'public/csp-violations.js'));
    writeFileSync(
      join(app, 'index.html'),
      '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>consumer</title></head>\n<body>\n  <script src="/csp-violations.js"></script>\n  <script type="module" src="/main.ts"></script>\n</body>\n</html>\n',
    );
    writeFileSync(
      join(app, 'main.ts'),
      [
        "import { createTraceAgent, type TraceAgent } from 'trace-agent';",
        'const t: TraceAgent = createTraceAgent({ overlay: true });',
        "t.logEvent('hello', { n: 1 });",
        '(window as any).t = t;',
        '',
      ].join('\n'),
    );
    // A control: the types are really applied (not `any`), so misuse is an error.
    writeFileSync(join(app, 'misuse.ts'), "import { createTraceAgent } from 'trace-agent';\ncreateTraceAgent({ capacity: 'lots' }).logEvent(42);\n");
    writeFileSync(join(app, 'tsconfig.misuse.json'), JSON.stringify({ compilerOptions, include: ['misuse.ts'] }, null, 2));

    // 3. Install the tarball with this repository's vite and typescript.
    const deps = [tarball, `vite@${installedVersion('vite')}`, `typescript@${installedVersion('typescript')}`];
    must('npm install of the packed tarball (needs the npm registry)', 'npm', ['install', ...deps, '--no-audit', '--no-fund'], app, INSTALL_TIMEOUT_MS);
    return { app, installed: join(app, 'node_modules/trace-agent') };
  })();
  return prepared;
}

describe('the package installs and imports from another Vite project', () => {
  it("packs the built files only; a Vite + TypeScript project installs the tarball, type-checks, builds, and its page, under default-src 'self', traces into IndexedDB in the worker Vite bundled from dist/esm/worker.js, with no CSP violation", { timeout: 300_000 }, async () => {
    const { app, installed } = await consumerApp();
    // The command line is installed as a bin, runs with the project's node and says its version.
    const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    expect(must('the installed CLI', join(app, 'node_modules/.bin/trace-agent'), ['--version'], app).trim()).toBe(version);
    const esm = readFileSync(join(installed, 'dist/esm/index.js'), 'utf8');
    expect(esm).toBe(readFileSync(join(REPO, 'dist/esm/index.js'), 'utf8'));
    // The worker is started in the form bundlers follow, and is not inlined: no second copy of the store as a string.
    expect(esm).toMatch(/new Worker\(new URL\(["']\.\/worker\.js["'], import\.meta\.url\), \{\s*type: "module"/);
    expect(esm).not.toMatch(/importScripts|data:(text|application)\/javascript|;base64,/);
    // worker.js imports nothing, so it also runs unbundled (a module worker has no import map to resolve `idb` by).
    const workerJs = readFileSync(join(installed, 'dist/esm/worker.js'), 'utf8');
    expect(workerJs).not.toMatch(/^\s*(import|export)\b|\bimport\(/m);
    expect(workerJs).toMatch(/serveStoreInWorker|postMessage\(\{\s*type: "hello"/);

    // 4. The exports map: the script entry is the IIFE file (its two siblings beside it, for who copies them), through Node's resolver.
    const resolved = must(
      'resolving trace-agent/script',
      'node',
      ['--input-type=module', '-e', "for (const s of ['trace-agent/script', 'trace-agent', 'trace-agent/script/worker', 'trace-agent/script/overlay']) console.log(import.meta.resolve(s))"],
      app,
    )
      .trim()
      .split('\n')
      .map((url) => realpathSync(fileURLToPath(url)));
    expect(resolved).toEqual(
      ['dist/trace-agent.js', 'dist/esm/index.js', 'dist/trace-agent.worker.js', 'dist/trace-agent.overlay.js'].map((f) => realpathSync(join(installed, f))),
    );
    const script = readFileSync(resolved[0]!, 'utf8');
    expect(script).toBe(readFileSync(join(REPO, 'dist/trace-agent.js'), 'utf8'));
    expect(script).not.toMatch(/^\s*(import|export)\s/m); // a classic script, not a module

    // 5. Types resolve through the exports map ("types" condition), and they bite.
    must('tsc --noEmit in the consumer project', 'npx', ['--no', '--', 'tsc', '--noEmit'], app);
    const misuse = run('npx', ['--no', '--', 'tsc', '--noEmit', '-p', 'tsconfig.misuse.json'], app);
    expect(misuse.status, `tsc should reject misuse.ts:\n${misuse.output}`).not.toBe(0);
    expect(misuse.output).toMatch(/misuse\.ts\(2,\d+\).*TS2322|misuse\.ts\(2,\d+\).*TS2345/);
    expect(misuse.output).not.toMatch(/TS2307|TS7016/); // "cannot find module" / "no declaration file"

    // 6. Vite builds it (the package's dependencies resolved from the consumer's node_modules).
    must('vite build in the consumer project', 'npx', ['--no', '--', 'vite', 'build'], app, 60_000, childEnv({ NODE_ENV: 'production' }));

    // Vite bundled the worker as a file of its own.
    const assets = readdirSync(join(app, 'dist/assets'));
    const workerAsset = assets.find((f) => /^worker-.*\.js$/.test(f));
    expect(workerAsset, `a worker file among ${assets.join(', ')}`).toBeDefined();

    // 7. The built page in Chromium, served with a strict CSP header.
    server = await serve([join(app, 'dist')], { htmlHeaders: { 'Content-Security-Policy': "default-src 'self'" } });
    const browser = await launch();
    closeBrowser = () => browser.close();
    const page = await browser.newPage();
    const errors = collectErrors(page);
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    // The overlay's chunk (mount-*.js, a dynamic import of the ESM build), as the page requests it.
    const overlayChunks: string[] = [];
    page.on('request', (r) => {
      if (/\/mount-[^/]*\.js$/.test(r.url())) overlayChunks.push(r.url());
    });
    await page.goto(server.url + '/');
    type Stats = { logged: number; storage: { thread: string | null; backend: string | null; problems: unknown[] } };
    const stats = () => page.evaluate(() => (window as unknown as { t: { stats(): unknown } }).t.stats() as Stats);
    await page.waitForFunction(() => !!(window as unknown as { t?: unknown }).t);
    expect((await stats()).logged).toBeGreaterThanOrEqual(2); // the session's start and 'hello'
    await expect.poll(async () => (await stats()).storage, { timeout: 15_000 }).toMatchObject({ thread: 'worker', backend: 'indexeddb' });
    // 'hello' is durable and reads back from the store.
    const hello = await page.evaluate(async () => {
      const t = (window as unknown as { t: { flush(): Promise<void>; query(q: object): Promise<{ entries: { type: string; data: unknown }[] }> } }).t;
      await t.flush();
      return (await t.query({ types: ['hello'] })).entries;
    });
    expect(hello).toMatchObject([{ type: 'hello', data: { n: 1 } }]);
    // The overlay (overlay: true) is not mounted, nor its chunk fetched, until it is first opened; then it is.
    expect(await page.locator('trace-agent-overlay').count()).toBe(0);
    expect(overlayChunks).toEqual([]);
    await page.evaluate(() => (window as unknown as { t: { open(): void } }).t.open());
    await expect.poll(() => page.locator('trace-agent-overlay .panel').isVisible()).toBe(true);
    expect(overlayChunks).toHaveLength(1);
    // The one worker is the file Vite emitted, and the analytics engine in it answers.
    expect(workers).toEqual([`${server.url}/assets/${workerAsset}`]);
    const total = await page.evaluate(async () => (await (window as unknown as { t: { generateStats(): Promise<{ total: { count: number } }> } }).t.generateStats()).total.count);
    expect(total).toBeGreaterThanOrEqual(2);
    const report = await page.evaluate(() => (window as unknown as { cspReport: { violations: unknown[]; blobs: string[] } }).cspReport);
    console.log(`package in a Vite app, default-src 'self': ${report.violations.length} CSP violations, worker ${workers.join(', ')}`);
    expect(report).toEqual({ violations: [], blobs: [] });
    expect(errors).toEqual([]);
  });

  it('under the Vite dev server (its dependency pre-bundling moves the package), the store still runs in the worker, on IndexedDB', { timeout: 300_000 }, async () => {
    const { app } = await consumerApp();
    // This repository's vite is the version the consumer installed; the consumer's own config file (if any) applies.
    const { createServer } = await import('vite');
    const dev = await createServer({ root: app, logLevel: 'error', clearScreen: false, server: { host: '127.0.0.1', port: 0, strictPort: false } });
    closers.push(() => dev.close());
    await dev.listen();
    const url = dev.resolvedUrls?.local[0];
    expect(url, 'the dev server\'s URL').toBeDefined();
    const browser = await launch();
    closers.unshift(() => browser.close());
    const page = await browser.newPage();
    // Page errors and console errors, but the dev server's 404 for /favicon.ico (the app has none).
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && new URL(m.location().url || 'about:blank').pathname !== '/favicon.ico') errors.push(`console: ${m.text()}`);
    });
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.goto(url!);
    type Stats = { storage: { thread: string | null; backend: string | null; problems: unknown[] } };
    // The first load may make Vite optimise the dependencies (and reload the page): generous bounds.
    await page.waitForFunction(() => !!(window as unknown as { t?: unknown }).t, undefined, { timeout: 60_000 });
    const storage = () => page.evaluate(() => ((window as unknown as { t: { stats(): unknown } }).t.stats() as Stats).storage);
    await expect.poll(storage, { timeout: 30_000 }).toMatchObject({ thread: 'worker', backend: 'indexeddb' });
    expect((await storage()).problems).toEqual([]);
    const hello = await page.evaluate(async () => {
      const t = (window as unknown as { t: { flush(): Promise<void>; query(q: object): Promise<{ entries: { type: string }[] }> } }).t;
      await t.flush();
      return (await t.query({ types: ['hello'] })).entries.length;
    });
    expect(hello).toBe(1);
    // Whether Vite pre-bundled the package (the case of vitejs/vite#8427), for the log.
    const metadata = join(dev.config.cacheDir, 'deps', '_metadata.json');
    const optimized = existsSync(metadata) ? Object.keys((JSON.parse(readFileSync(metadata, 'utf8')) as { optimized?: object }).optimized ?? {}) : [];
    console.log(`package under vite dev: worker ${workers.join(', ')}; pre-bundled: ${optimized.join(', ') || 'nothing'}`);
    expect(optimized, 'Vite pre-bundled the package (else this is not the case of vitejs/vite#8427)').toContain('trace-agent');
    expect(workers).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});

/**
 * The Vite plugin (`trace-agent/vite`, issue 17), from the packed tarball:
 * test/fixtures/vite-plugin-app (a page, a game module, a vite.config.js
 * that adds `traceAgent({ hook: ['game.npcs'], open: false, input: true })`)
 * copied into the consumer project, so that it resolves `trace-agent/vite`
 * and `vite` from there as a user's app does.
 */
describe('the Vite plugin (trace-agent/vite) in a fresh Vite app', () => {
  let pluginApp: string | undefined;
  async function prepare(): Promise<{ root: string; installed: string }> {
    const { app, installed } = await consumerApp();
    pluginApp ??= (() => {
      const root = join(app, 'plugin-app');
      cpSync(join(REPO, 'test/fixtures/vite-plugin-app'), root, { recursive: true });
      return root;
    })();
    return { root: pluginApp, installed };
  }

  type Agentish = { TraceAgent?: { flush(): Promise<void>; query(q: object): Promise<{ entries: { type: string; kind: string }[] }>; stats(): { storage: { thread: string | null; backend: string | null } } } };
  /** Clicks Haggle twice and reads the spans and player entries back from the agent's store. */
  async function play(page: import('playwright-core').Page): Promise<{ spans: string[]; player: number }> {
    await page.locator('#haggle').click();
    await page.locator('#haggle').click();
    return page.evaluate(async () => {
      const t = (window as unknown as Agentish).TraceAgent!;
      await t.flush();
      const { entries } = await t.query({ order: 'oldest', kinds: ['agent', 'player'] });
      return { spans: entries.filter((e) => e.kind === 'agent').map((e) => e.type), player: entries.filter((e) => e.kind === 'player').length };
    });
  }
  /** Page errors and console errors, but the server's 404 for /favicon.ico (the app has none). */
  function pageErrors(page: import('playwright-core').Page): string[] {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && new URL(m.location().url || 'about:blank').pathname !== '/favicon.ico') errors.push(`console: ${m.text()}`);
    });
    return errors;
  }
  const haggles = ['game.npcs[miller].haggle', 'game.npcs[smith].haggle', 'game.npcs[miller].haggle', 'game.npcs[smith].haggle'];

  it('the adapters and the plugin resolve through the exports map, and the adapters\' types apply in a user\'s project', { timeout: 300_000 }, async () => {
    const { app, installed } = await consumerApp();
    const specs = ['trace-agent/adapters/xstate', 'trace-agent/adapters/redux', 'trace-agent/adapters/phaser', 'trace-agent/vite'];
    const resolved = must('resolving the adapters and the plugin', 'node', ['--input-type=module', '-e', `for (const s of ${JSON.stringify(specs)}) console.log(import.meta.resolve(s))`], app)
      .trim()
      .split('\n')
      .map((url) => realpathSync(fileURLToPath(url)));
    expect(resolved).toEqual(['adapters/xstate.js', 'adapters/redux.js', 'adapters/phaser.js', 'vite.js'].map((f) => realpathSync(join(installed, 'dist/esm', f))));
    writeFileSync(
      join(app, 'adapters.ts'),
      [
        "import { createTraceAgent } from 'trace-agent';",
        "import { traceXState } from 'trace-agent/adapters/xstate';",
        "import { traceRedux } from 'trace-agent/adapters/redux';",
        "import { tracePhaser } from 'trace-agent/adapters/phaser';",
        'const t = createTraceAgent();',
        "traceXState(t)({ type: '@xstate.snapshot', actorRef: { sessionId: 'x:0', id: 'guard' }, snapshot: { status: 'active', value: 'idle' } });",
        'traceRedux(t, { name: 1 });', // misuse: a name must be a string
        'tracePhaser(t, {} as Parameters<typeof tracePhaser>[1]);',
        '',
      ].join('\n'),
    );
    writeFileSync(join(app, 'tsconfig.adapters.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: false }, include: ['adapters.ts'] }, null, 2));
    const tsc = run('npx', ['--no', '--', 'tsc', '--noEmit', '-p', 'tsconfig.adapters.json'], app);
    // The one error is the misuse on line 7: the adapters' types resolve (no TS2307/TS7016) and bite.
    expect(tsc.output.trim().split('\n').filter(Boolean).map((l) => l.replace(/^.*adapters\.ts\((\d+),\d+\): error (TS\d+).*$/, '$1 $2'))).toEqual(['7 TS2322']);

    // Tree-shaken: a bundle of the API and one adapter holds that adapter and no other; one of the API alone holds none.
    const { build } = await import('vite');
    writeFileSync(join(app, 'shake-redux.js'), "import { createTraceAgent } from 'trace-agent';\nimport { traceRedux } from 'trace-agent/adapters/redux';\nexport const m = traceRedux(createTraceAgent());\n");
    writeFileSync(join(app, 'shake-none.js'), "import { createTraceAgent } from 'trace-agent';\nexport const t = createTraceAgent();\n");
    const bundled: Record<string, string> = {};
    for (const name of ['shake-redux', 'shake-none']) {
      await build({ root: app, configFile: false, logLevel: 'error', build: { outDir: `dist-${name}`, minify: false, lib: { entry: join(app, `${name}.js`), formats: ['es'], fileName: name } } });
      bundled[name] = readdirSync(join(app, `dist-${name}`)).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(app, `dist-${name}`, f), 'utf8')).join('\n');
    }
    const marks = { redux: /thunk:/, xstate: /xstate:event/, phaser: /phaser:update/, vite: /@trace-agent\/trace-agent\.js/ };
    const has = (code: string) => Object.entries(marks).filter(([, re]) => re.test(code)).map(([k]) => k);
    expect(has(bundled['shake-redux']!)).toEqual(['redux']);
    expect(has(bundled['shake-none']!)).toEqual([]);
  });

  it('vite dev: the agent is in the page, with the options as its data-* attributes, hooks the game and stores in its worker', { timeout: 300_000 }, async () => {
    const { root } = await prepare();
    const { createServer } = await import('vite');
    const dev = await createServer({ root, configFile: join(root, 'vite.config.js'), logLevel: 'error', clearScreen: false, server: { host: '127.0.0.1', port: 0, strictPort: false } });
    closers.push(() => dev.close());
    await dev.listen();
    const browser = await launch();
    closers.unshift(() => browser.close());
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(dev.resolvedUrls!.local[0]!);
    await page.waitForFunction(() => !!(window as unknown as Agentish).TraceAgent, undefined, { timeout: 60_000 });
    const tag = await page.evaluate(() => {
      const s = document.head.querySelector('script[src*="trace-agent"]') as HTMLScriptElement | null;
      return s && { src: new URL(s.src).pathname, data: { ...s.dataset } };
    });
    expect(tag).toEqual({ src: '/@trace-agent/trace-agent.js', data: { hook: 'game.npcs', input: '' } });
    const seen = await play(page);
    expect(seen.spans).toEqual(haggles);
    expect(seen.player).toBeGreaterThan(0); // input: true
    await expect.poll(() => page.evaluate(() => (window as unknown as Agentish).TraceAgent!.stats().storage), { timeout: 30_000 }).toMatchObject({ thread: 'worker', backend: 'indexeddb' });
    expect(await page.locator('trace-agent-overlay .panel').count()).toBe(0); // open: false
    expect(errors).toEqual([]);
  });

  it('vite build: no agent in what it writes (and its page runs without one); vite preview adds it only when asked (preview: true)', { timeout: 300_000 }, async () => {
    const { root, installed } = await prepare();
    must('vite build of the plugin app', 'npx', ['--no', '--', 'vite', 'build'], root, 60_000, childEnv({ NODE_ENV: 'production' }));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir, { withFileTypes: true })) (f.isDirectory() ? walk : (p: string) => files.push(p))(join(dir, f.name));
    };
    walk(join(root, 'dist'));
    expect(files.map((f) => f.slice(root.length + 1)).sort()).toEqual(expect.arrayContaining(['dist/index.html']));
    for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toMatch(/trace-agent|TraceAgent/);

    const { preview } = await import('vite');
    const browser = await launch();
    closers.unshift(() => browser.close());
    const open = async (url: string) => {
      const page = await browser.newPage();
      const errors = pageErrors(page);
      await page.goto(url);
      return { page, errors };
    };
    // The app's own config (no `preview: true`): the built page as built, no agent.
    const plain = await preview({ root, configFile: join(root, 'vite.config.js'), logLevel: 'error', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    closers.push(async () => plain.close());
    const a = await open(plain.resolvedUrls!.local[0]!);
    await a.page.locator('#haggle').click();
    await expect.poll(() => a.page.locator('#log').textContent()).toBe('prices: 6, 3');
    expect(await a.page.evaluate(() => 'TraceAgent' in window)).toBe(false);
    expect(a.errors).toEqual([]);

    // Asked for: the plugin, imported from the installed package, with preview: true.
    const plugin = (await import(pathToFileURL(join(installed, 'dist/esm/vite.js')).href)) as { default: (o: object) => import('vite').Plugin };
    const asked = await preview({ root, configFile: false, logLevel: 'error', plugins: [plugin.default({ hook: ['game.npcs'], preview: true })], preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    closers.push(async () => asked.close());
    const b = await open(asked.resolvedUrls!.local[0]!);
    await b.page.waitForFunction(() => !!(window as unknown as Agentish).TraceAgent, undefined, { timeout: 30_000 });
    expect((await play(b.page)).spans).toEqual(haggles);
    expect(b.errors).toEqual([]);

    // And into a build only when the user says so (build: true): the tag in the page, the script written next to it.
    const { build } = await import('vite');
    await build({ root, configFile: false, logLevel: 'error', plugins: [plugin.default({ hook: ['game.npcs'], build: true })], build: { outDir: 'dist-traced' } });
    const traced = readFileSync(join(root, 'dist-traced/index.html'), 'utf8');
    expect(traced).toMatch(/<script src="\/@trace-agent\/trace-agent\.js" data-hook="game\.npcs"><\/script>/);
    for (const f of ['trace-agent.js', 'trace-agent.worker.js', 'trace-agent.overlay.js']) {
      expect(readFileSync(join(root, `dist-traced/@trace-agent/${f}`), 'utf8')).toBe(readFileSync(join(installed, `dist/${f}`), 'utf8'));
    }
    const builtServer = await serve([join(root, 'dist-traced')]);
    closers.push(() => builtServer.close());
    const c = await open(builtServer.url + '/');
    await c.page.waitForFunction(() => !!(window as unknown as Agentish).TraceAgent, undefined, { timeout: 30_000 });
    expect((await play(c.page)).spans).toEqual(haggles);
    expect(c.errors).toEqual([]);
  });
});
