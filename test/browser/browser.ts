/** Launching Chromium for one test file, and small helpers on pages. */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { CHROMIUM_ARGS } from './chromium';
import { serve, type ServeOptions, type StaticServer } from './server';

export const SCREENSHOTS = 'test-results/screenshots';

export async function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: inject('chromiumPath'), headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** What served pages come from unless a file says otherwise: the fixtures, and dist for /trace-agent.js. */
export const FIXTURE_DIRS = ['test/fixtures', 'dist'];

/**
 * A static server of `dirs` for the test file that calls this (at its top
 * level): started before its tests, closed after them. Its `url` can be read
 * from the tests (and what they call) on.
 */
export function useServer(dirs: string[] = FIXTURE_DIRS, options: ServeOptions = {}): StaticServer {
  let server: StaticServer | undefined;
  beforeAll(async () => {
    server = await serve(dirs, options);
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get url() {
      if (!server) throw new Error('useServer: the server starts in beforeAll; read its url from a test');
      return server.url;
    },
    close: async () => server?.close(),
  };
}

/**
 * A Chromium (with `args` beyond CHROMIUM_ARGS) for the test file that calls
 * this (at its top level): launched before its tests, closed after them. Its
 * `browser` can be read from the tests (and what they call) on.
 */
export function useChromium(args: string[] = []): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launch(args);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('useChromium: the browser starts in beforeAll; use it from a test');
      return browser;
    },
  };
}

export interface BrowserFixture {
  /** The test file's Chromium. */
  readonly browser: Browser;
  /** The test file's static server. */
  readonly server: StaticServer;
}

/**
 * useServer and useChromium together: a static server of `dirs` and a
 * Chromium for the test file that calls this (at its top level), closed after
 * its tests (the browser first).
 */
export function useBrowser(options: { dirs?: string[]; serve?: ServeOptions; args?: string[] } = {}): BrowserFixture {
  const server = useServer(options.dirs, options.serve);
  const chromium = useChromium(options.args);
  return {
    get browser() {
      return chromium.browser;
    },
    server,
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}/${name}.png`;
  await page.screenshot({ path });
  return path;
}

/** Waits until the drop-in script has set `window.TraceAgent`. */
export async function waitForAgent(page: Page): Promise<void> {
  await page.waitForFunction(() => !!(window as unknown as { TraceAgent?: unknown }).TraceAgent);
}

/** Waits until the agent's store is up (its backend is known). */
export async function waitForStore(page: Page): Promise<void> {
  await page.waitForFunction(() => !!(window as unknown as { TraceAgent?: { stats(): { storage: { backend: string | null } } } }).TraceAgent?.stats().storage.backend);
}

/** Waits until the demo game runs with the agent on its page. */
export async function waitForDemo(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const w = window as unknown as { TraceAgent?: unknown; game?: { running: boolean } };
    return !!w.TraceAgent && !!w.game?.running;
  });
}

/** Page errors and console errors, collected so a test can assert there were none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}
