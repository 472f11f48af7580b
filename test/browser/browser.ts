/** Launching Chromium for one test file, and small helpers on pages. */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { CHROMIUM_ARGS } from './chromium';

export const SCREENSHOTS = 'test-results/screenshots';

export async function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: inject('chromiumPath'), headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
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
