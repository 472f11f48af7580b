/**
 * The README's first quick-start command, as a newcomer runs it: the files
 * that git tracks (on CI, a clean clone: exactly what a fresh clone has; on a
 * working machine, their current contents) are copied to a temp dir,
 * `npm run demo` runs there (with this repository's node_modules linked in
 * place of `npm install`, which CI's `npm ci` already proves), and the URL
 * it prints opens in Chromium: the game plays, the hotkey toggles the overlay,
 * and the trace lands in IndexedDB from the worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { collectErrors, launch, waitForDemo } from './browser';
import { childEnv, must } from './child';

const REPO = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 120_000;

let dir: string | undefined;
let demo: ChildProcess | undefined;
let browser: Browser | undefined;

/** `npm run demo` starts a shell, npm and Vite in a group of their own: end the whole group. */
function stopDemo(): void {
  const pid = demo?.pid;
  demo = undefined;
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
// Also when Vitest itself is stopped or crashes: a detached group would outlive it with the port taken.
process.once('exit', stopDemo);

afterAll(async () => {
  stopDemo();
  try {
    await browser?.close();
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

/** A port free right now (Vite is told --strictPort, so a race shows as a clear failure). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/**
 * Resolves to the URL Vite prints for the port asked for (not any URL in the
 * build's output, such as a link in a warning); rejects with the output when
 * the process exits or takes too long.
 */
function urlFrom(child: ChildProcess, port: number): Promise<string> {
  return new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`\`npm run demo\` printed no URL within ${START_TIMEOUT_MS / 1000} s:\n${out}`)), START_TIMEOUT_MS);
    const read = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = new RegExp(`https?://[^\\s/]+:${port}/\\S*`).exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) {
        clearTimeout(timer);
        done(m[0]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`\`npm run demo\` exited (${code}) before it served the demo:\n${out}`));
    });
  });
}

describe('the quick start', () => {
  it('`npm run demo` on the files of a fresh clone serves the game with the overlay over it, and the hotkey toggles it', { timeout: 240_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'trace-agent-clone-'));
    const files = must('git ls-files', 'git', ['ls-files', '-z'], REPO).split('\0').filter(Boolean);
    expect(files).toContain('package.json');
    for (const f of files) {
      if (!existsSync(join(REPO, f))) continue; // deleted in the working tree, not yet committed
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      copyFileSync(join(REPO, f), join(dir, f));
    }
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');

    const port = await freePort();
    demo = spawn('npm', ['run', 'demo', '--', '--port', String(port), '--strictPort'], { cwd: dir, env: childEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await urlFrom(demo, port);
    expect(new URL(url).port).toBe(String(port));

    browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors = collectErrors(page);
    await page.goto(url);
    await waitForDemo(page);
    // The demo's tag has data-open: the overlay is up; the hotkey hides it and shows it again.
    const panel = page.locator('trace-agent-overlay .panel');
    await expect.poll(() => panel.isVisible()).toBe(true);
    expect(await panel.textContent()).toContain('Trace Agent');
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => panel.isVisible()).toBe(false);
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => panel.isVisible()).toBe(true);
    // The game fills the trace by itself (autopilot), and the store runs where it should.
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { TraceAgent: { stats(): { acked: number } } }).TraceAgent.stats().acked), { timeout: 10_000 })
      .toBeGreaterThan(50);
    const storage = await page.evaluate(() => (window as unknown as { TraceAgent: { stats(): { storage: unknown } } }).TraceAgent.stats().storage);
    expect(storage).toMatchObject({ thread: 'worker', backend: 'indexeddb', problems: [] });
    expect(errors).toEqual([]);
  });
});
