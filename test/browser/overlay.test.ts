/**
 * The overlay's shell in real Chromium: style isolation against a hostile
 * page, a strict CSP, the hotkey and focus, docking, drag and resize that
 * persist across a reload, the badge, and screenshots of every tab in both
 * themes (test-results/screenshots/overlay-<tab>-<theme>.png).
 */
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TABS } from '../../src/overlay/state';
import { collectErrors, screenshot, useBrowser, useServer, waitForAgent, waitForDemo } from './browser';
import { serve } from './server';

const env = useBrowser();
const demo = useServer(['dist/demo']);

const VIEWPORT = { width: 1200, height: 800 };
const HOTKEY = 'Alt+Shift+KeyD';

const overlay = (page: Page, sel: string): Locator => page.locator(`trace-agent-overlay ${sel}`);

async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await waitForAgent(page);
  return page;
}

/** Opens the overlay with the hotkey (focus on the game first), and waits for the panel or the badge. */
async function openOverlay(page: Page, what: '.panel' | '.badge' = '.panel'): Promise<void> {
  await page.locator('#game').focus();
  await page.keyboard.press(HOTKEY);
  await expect.poll(() => overlay(page, what).isVisible()).toBe(true);
}

const box = async (l: Locator) => {
  const b = await l.boundingBox();
  if (!b) throw new Error('not visible');
  return { x: Math.round(b.x), y: Math.round(b.y), w: Math.round(b.width), h: Math.round(b.height) };
};

/** What the page's CSS could change: boxes and computed styles of the shell's and the panel's fixed parts. */
function readLook(page: Page) {
  return page.evaluate(() => {
    const root = document.querySelector('trace-agent-overlay')!.shadowRoot!;
    const host = document.querySelector('trace-agent-overlay')!;
    const hostStyle = getComputedStyle(host);
    const selectors = ['.shell', '.frame', '.shell-bar', '.shell-bar button', '.opacity input', '.panel', 'header', 'header h1', 'header button', '.tabs', '[role="tab"]', '.tiles', 'footer', '.resize'];
    const props = ['display', 'position', 'color', 'background-color', 'font-size', 'font-family', 'line-height', 'letter-spacing', 'box-sizing', 'transform', 'filter', 'opacity', 'visibility', 'padding-top', 'border-top-width', 'cursor'];
    const els: Record<string, unknown>[] = [];
    for (const sel of selectors) {
      root.querySelectorAll(sel).forEach((el, i) => {
        const cs = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        const style: Record<string, string> = {};
        for (const p of props) style[p] = cs.getPropertyValue(p);
        els.push({ sel: `${sel}[${i}]`, box: [r.x, r.y, r.width, r.height].map(Math.round), style });
      });
    }
    return {
      host: { display: hostStyle.display, position: hostStyle.position, opacity: hostStyle.opacity, transform: hostStyle.transform, filter: hostStyle.filter, zIndex: hostStyle.zIndex },
      els,
    };
  });
}

/** Computed styles of the page's own paragraph and canvas. */
function readPageLook(page: Page) {
  return page.evaluate(() =>
    ['body > p', '#game'].map((sel) => {
      const cs = getComputedStyle(document.querySelector(sel)!);
      return { sel, style: ['display', 'color', 'background-color', 'font-size', 'font-family', 'line-height', 'margin-top', 'transform', 'opacity'].map((p) => cs.getPropertyValue(p)) };
    }),
  );
}

describe('the overlay shell in Chromium', () => {
  it("the host page's aggressive global CSS changes nothing inside the overlay, and the overlay's CSS nothing of the page", async () => {
    const looks = [];
    for (const file of ['overlay-clean.html', 'overlay-hostile.html']) {
      const context = await env.browser.newContext({ viewport: VIEWPORT, colorScheme: 'dark' });
      const page = await openPage(context, `${env.server.url}/${file}`);
      const pageBefore = await readPageLook(page);
      await openOverlay(page);
      // The same, stable state on both pages: the health tab is the least animated.
      await overlay(page, '[role="tab"]').filter({ hasText: 'health' }).click();
      await page.waitForTimeout(300);
      looks.push(await readLook(page));
      // Our styles stay inside: the page's own elements look as they did before the overlay opened.
      expect(await readPageLook(page), file).toEqual(pageBefore);
      await screenshot(page, `overlay-${file.replace('.html', '')}`);
      await context.close();
    }
    const [clean, hostile] = looks;
    expect(clean!.els.length).toBeGreaterThan(15);
    expect(hostile!.host).toEqual(clean!.host);
    expect(hostile!.els).toEqual(clean!.els);
  });

  it('shows on a page served with Content-Security-Policy: default-src \'self\', with no CSP violation at all (the store runs in its worker)', async () => {
    const strict = await serve(['test/fixtures', 'dist'], { htmlHeaders: { 'Content-Security-Policy': "default-src 'self'" } });
    const context = await env.browser.newContext({ viewport: VIEWPORT });
    // Every violation the page reports, recorded from before the first script.
    await context.addInitScript(() => {
      const w = window as unknown as { violations: string[] };
      w.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const cspConsole: string[] = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) cspConsole.push(m.text());
    });
    await page.goto(`${strict.url}/overlay-clean.html`);
    await waitForAgent(page);
    await openOverlay(page);
    for (const tab of TABS) {
      await overlay(page, '[role="tab"]').filter({ hasText: tab }).click();
      await page.waitForTimeout(200);
    }
    await overlay(page, '.collapse').click();
    await expect.poll(() => overlay(page, '.badge').isVisible()).toBe(true);
    await overlay(page, '.badge').click();
    await expect.poll(() => overlay(page, '.panel').isVisible()).toBe(true);
    expect(await page.locator('trace-agent-overlay').evaluate((el) => el.shadowRoot!.adoptedStyleSheets.length)).toBe(1);
    // The panel is styled (the stylesheet was not refused): dark or light, never the browser's default.
    expect(await overlay(page, '.frame').evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
    // The store's worker starts from the script's own URL, which 'self' allows (src/store/spawn-worker.ts).
    const storage = () =>
      page.evaluate(() => (window as unknown as { TraceAgent: { stats(): { storage: { backend: string | null } } } }).TraceAgent.stats().storage);
    await expect.poll(storage, { timeout: 15_000 }).toMatchObject({ thread: 'worker', backend: 'indexeddb', problems: [] });
    const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);
    console.log('CSP violations on the page:', JSON.stringify(violations), 'console:', JSON.stringify(cspConsole));
    // None at all, the worker's included.
    expect(violations).toEqual([]);
    expect(cspConsole).toEqual([]);
    await context.close();
    await strict.close();
  });

  it('the hotkey opens and closes it, focus goes in and comes back, and the game keys pass through', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT });
    const page = await openPage(context, `${env.server.url}/overlay-clean.html`);
    const errors = collectErrors(page);
    await page.evaluate(() => {
      const w = window as unknown as { seen: string[] };
      w.seen = [];
      document.getElementById('game')!.addEventListener('keydown', (e) => w.seen.push(e.code));
      window.addEventListener('keydown', (e) => w.seen.push(`win:${e.code}`));
    });
    const seen = () => page.evaluate(() => (window as unknown as { seen: string[] }).seen.splice(0));
    const focused = () =>
      page.evaluate(() => {
        const a = document.activeElement;
        return a?.localName === 'trace-agent-overlay' ? `overlay:${a.shadowRoot!.activeElement?.textContent ?? ''}` : (a?.id ?? a?.localName ?? '');
      });

    await page.locator('#game').focus();
    await page.keyboard.press('KeyW');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+KeyD');
    expect(await seen()).toEqual(['KeyW', 'win:KeyW', 'Escape', 'win:Escape', 'ShiftLeft', 'win:ShiftLeft', 'KeyD', 'win:KeyD']);
    expect(await overlay(page, '.panel').isVisible()).toBe(false);

    // Open with the hotkey: focus in the panel (the selected tab); the game does not see the hotkey's D.
    await page.keyboard.press(HOTKEY);
    await expect.poll(() => overlay(page, '.panel').isVisible()).toBe(true);
    await expect.poll(focused).toBe('overlay:metrics');
    expect((await seen()).filter((c) => c.endsWith('KeyD'))).toEqual([]);
    // Keys typed in the overlay are not the game's.
    await page.keyboard.press('KeyW');
    expect((await seen()).filter((c) => c.endsWith('KeyW'))).toEqual([]);
    // Tab order reaches the shell's controls; arrow keys move between tabs.
    await page.keyboard.press('ArrowRight');
    await expect.poll(focused).toBe('overlay:log');
    // Escape (focus inside) closes, and focus goes back to the game.
    await page.keyboard.press('Escape');
    await expect.poll(() => overlay(page, '.panel').isVisible()).toBe(false);
    expect(await focused()).toBe('game');
    expect((await seen()).filter((c) => c.endsWith('Escape'))).toEqual([]);
    // The tab persisted; the hotkey toggles it closed again, focus back to the game.
    await page.keyboard.press(HOTKEY);
    await expect.poll(focused).toBe('overlay:log');
    await page.keyboard.press(HOTKEY);
    await expect.poll(() => overlay(page, '.panel').isVisible()).toBe(false);
    expect(await focused()).toBe('game');

    // Open, but focus in the game (a click: the page stays clickable around the panel): its keys and Escape are its own, the overlay stays.
    await page.keyboard.press(HOTKEY);
    await expect.poll(() => overlay(page, '.panel').isVisible()).toBe(true);
    await page.locator('#game').click();
    expect(await focused()).toBe('game');
    await seen();
    await page.keyboard.press('KeyA');
    await page.keyboard.press('Escape');
    expect(await seen()).toEqual(['KeyA', 'win:KeyA', 'Escape', 'win:Escape']);
    expect(await overlay(page, '.panel').isVisible()).toBe(true);
    // Tab reaches the shell bar's controls from the panel, and a control works from the keyboard.
    await overlay(page, '.db-left').focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await box(overlay(page, '.frame'))).x).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('docks bottom, left and floating; drags and resizes; all of it persists across a reload', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT });
    const page = await openPage(context, `${env.server.url}/overlay-clean.html`);
    const errors = collectErrors(page);
    await openOverlay(page);
    const frame = () => box(overlay(page, '.frame'));
    expect(await frame()).toEqual({ x: VIEWPORT.width - 440, y: 0, w: 440, h: VIEWPORT.height });

    // Bottom, resized by its top edge.
    await overlay(page, '.db-bottom').click();
    expect(await frame()).toEqual({ x: 0, y: VIEWPORT.height - 320, w: VIEWPORT.width, h: 320 });
    let handle = await box(overlay(page, '.resize'));
    await page.mouse.move(handle.x + 200, handle.y + handle.h / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + 200, handle.y + handle.h / 2 - 100, { steps: 5 });
    await page.mouse.up();
    expect(await frame()).toEqual({ x: 0, y: VIEWPORT.height - 420, w: VIEWPORT.width, h: 420 });

    // Left, resized by its right edge.
    await overlay(page, '.db-left').click();
    expect(await frame()).toMatchObject({ x: 0, y: 0, w: 440, h: VIEWPORT.height });
    handle = await box(overlay(page, '.resize'));
    await page.mouse.move(handle.x + handle.w / 2, 300);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.w / 2 + 60, 300, { steps: 5 });
    await page.mouse.up();
    expect((await frame()).w).toBe(500);

    // Floating: dragged by its header, resized by its corner, kept inside the viewport.
    await overlay(page, '.db-float').click();
    expect(await frame()).toEqual({ x: 80, y: 60, w: 480, h: 520 });
    const title = await box(overlay(page, 'header h1'));
    await page.mouse.move(title.x + 10, title.y + 5);
    await page.mouse.down();
    await page.mouse.move(title.x + 10 + 200, title.y + 5 + 50, { steps: 8 });
    await page.mouse.up();
    expect(await frame()).toEqual({ x: 280, y: 110, w: 480, h: 520 });
    const corner = await box(overlay(page, '.resize'));
    await page.mouse.move(corner.x + corner.w / 2, corner.y + corner.h / 2);
    await page.mouse.down();
    await page.mouse.move(corner.x + corner.w / 2 + 100, corner.y + corner.h / 2 + 60, { steps: 5 });
    await page.mouse.up();
    expect(await frame()).toEqual({ x: 280, y: 110, w: 580, h: 580 });
    // Far past the edge: it stops at the viewport.
    const title2 = await box(overlay(page, 'header h1'));
    await page.mouse.move(title2.x + 10, title2.y + 5);
    await page.mouse.down();
    await page.mouse.move(title2.x + 3000, title2.y + 3000, { steps: 4 });
    await page.mouse.up();
    expect(await frame()).toEqual({ x: VIEWPORT.width - 580, y: VIEWPORT.height - 580, w: 580, h: 580 });
    // Opacity.
    await overlay(page, '.opacity input').fill('70');
    expect(await overlay(page, '.frame').evaluate((el) => getComputedStyle(el).opacity)).toBe('0.7');
    await screenshot(page, 'overlay-floating');

    // A reload: same place, size, opacity, tab (the overlay opens closed, as configured).
    await overlay(page, '[role="tab"]').filter({ hasText: 'agents' }).click();
    const before = await frame();
    await page.reload();
    await waitForAgent(page);
    await openOverlay(page);
    expect(await frame()).toEqual(before);
    expect(await overlay(page, '.frame').evaluate((el) => getComputedStyle(el).opacity)).toBe('0.7');
    expect(await overlay(page, '[role="tab"][aria-selected="true"]').textContent()).toBe('agents');
    expect(await overlay(page, '.db-float').getAttribute('aria-pressed')).toBe('true');

    // A smaller window: the floating panel is kept inside it.
    await page.setViewportSize({ width: 700, height: 500 });
    await expect.poll(frame).toEqual({ x: 700 - 580, y: 0, w: 580, h: 500 });

    // And the docked size persists too.
    await page.setViewportSize(VIEWPORT);
    await overlay(page, '.db-left').click();
    expect((await frame()).w).toBe(500);
    await page.reload();
    await waitForAgent(page);
    await openOverlay(page);
    expect(await frame()).toMatchObject({ x: 0, w: 500 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('collapses to a badge with FPS and the warning count, and expands again (also after a reload)', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT });
    const page = await openPage(context, `${env.server.url}/overlay-clean.html`);
    const errors = collectErrors(page);
    await openOverlay(page);
    await overlay(page, '.collapse').click();
    await expect.poll(() => overlay(page, '.badge').isVisible()).toBe(true);
    expect(await overlay(page, '.panel').count()).toBe(0);
    await expect.poll(() => overlay(page, '.badge-fps').textContent(), { timeout: 5_000 }).toMatch(/^\d+$/);
    expect(await overlay(page, '.badge').getAttribute('aria-label')).toMatch(/FPS, \d+ active warnings?/);
    const badge = await box(overlay(page, '.badge'));
    expect(badge.x + badge.w).toBeLessThanOrEqual(VIEWPORT.width);
    expect(badge.w).toBeLessThan(200);
    // Focus is on the badge: Enter expands, Escape then closes.
    await page.keyboard.press('Enter');
    await expect.poll(() => overlay(page, '.panel').isVisible()).toBe(true);
    await overlay(page, '.collapse').click();
    await page.reload();
    await waitForAgent(page);
    await openOverlay(page, '.badge');
    await screenshot(page, 'overlay-badge');
    await overlay(page, '.badge').click();
    await expect.poll(() => overlay(page, '.panel').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a new warning toasts outside the panel, even collapsed; Escape in the toast dismisses it; nothing while closed', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT, colorScheme: 'dark' });
    const page = await openPage(context, `${env.server.url}/overlay-clean.html`);
    const errors = collectErrors(page);
    const trigger = (name: string) =>
      page.evaluate((n) => (window as unknown as { TraceAgent: { triggerAlert(a: object): Promise<unknown> } }).TraceAgent.triggerAlert({ name: n, severity: 'critical', message: `${n} happened` }), name);
    await openOverlay(page);
    await overlay(page, '.collapse').click();
    await page.waitForTimeout(2_500); // the first poll is the baseline
    await trigger('boss-wipe');
    const toast = overlay(page, '.toast');
    await expect.poll(() => toast.isVisible(), { timeout: 6_000 }).toBe(true);
    expect(await toast.textContent()).toContain('boss-wipe');
    expect(await overlay(page, '.toast-region').getAttribute('role')).toBe('status');
    expect(await overlay(page, '.toast-region').getAttribute('aria-live')).toBe('polite');
    // Beside the badge, not over it.
    const [t, b] = [await box(toast), await box(overlay(page, '.badge'))];
    expect(t.y >= b.y + b.h || t.y + t.h <= b.y || t.x + t.w <= b.x || t.x >= b.x + b.w).toBe(true);
    await expect.poll(() => overlay(page, '.badge-warn').textContent(), { timeout: 5_000 }).toBe('⚠ 1');
    await page.waitForTimeout(300); // past the toast's entrance
    await screenshot(page, 'overlay-toast');
    // Focus in the toast: Escape dismisses the toast, the overlay stays.
    await overlay(page, '.toast-close').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => toast.count()).toBe(0);
    expect(await overlay(page, '.badge').isVisible()).toBe(true);
    // Closed: silent.
    await page.keyboard.press(HOTKEY);
    await expect.poll(() => overlay(page, '.badge').isVisible()).toBe(false);
    await trigger('second');
    await page.waitForTimeout(4_500);
    expect(await overlay(page, '.toast').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('screenshots of every tab in both themes (the system theme, then the override)', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1400, height: 860 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${demo.url}/?seed=7`);
    await waitForDemo(page);
    await page.waitForTimeout(1_500); // some play for the charts and the log
    expect(await overlay(page, '.panel').isVisible()).toBe(true); // the demo's tag has data-open
    for (const theme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await expect.poll(() => overlay(page, '.shell').getAttribute('class')).toContain(theme);
      for (const tab of TABS) {
        await overlay(page, '[role="tab"]').filter({ hasText: tab }).click();
        await expect.poll(() => overlay(page, '[role="tab"][aria-selected="true"]').textContent()).toBe(tab);
        await page.waitForTimeout(600); // a few refreshes
        await screenshot(page, `overlay-${tab}-${theme}`);
      }
    }
    // The override beats the system: light system, dark overlay.
    await overlay(page, '.theme').click(); // auto -> dark
    expect(await overlay(page, '.shell').getAttribute('class')).toContain('dark');
    await overlay(page, '.theme').click(); // dark -> light
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await overlay(page, '.shell').getAttribute('class')).toContain('light');
    await overlay(page, '.theme').click(); // light -> auto
    expect(await overlay(page, '.shell').getAttribute('class')).toContain('dark');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('file mode: a text search finds in an opened trace file what it finds in the live log (say "hi", with its quotes)', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT });
    const page = await openPage(context, `${env.server.url}/overlay-clean.html`);
    const errors = collectErrors(page);
    await page.evaluate(async () => {
      const ta = (window as unknown as { TraceAgent: { logEvent(t: string, d: object): void; flush(): Promise<void> } }).TraceAgent;
      ta.logEvent('npc.say', { line: 'say "hi"' });
      ta.logEvent('npc.say', { line: 'say hi' });
      ta.logEvent('npc.say', { line: 'say "bye"' });
      await ta.flush();
    });
    await openOverlay(page);
    await overlay(page, '[role="tab"]').filter({ hasText: 'log' }).click();
    await overlay(page, '.lf-text').fill('say "hi"');
    // The live log: the store's query.
    await expect.poll(() => overlay(page, '.log-count').textContent()).toBe('1 match');
    const json = await page.evaluate(async () => JSON.stringify(await (window as unknown as { TraceAgent: { exportTrace(): Promise<unknown> } }).TraceAgent.exportTrace()));
    await overlay(page, 'input[type="file"]').setInputFiles({ name: 'say-hi.json', mimeType: 'application/json', buffer: Buffer.from(json) });
    await expect.poll(() => overlay(page, '.log-banner').textContent()).toContain('viewing say-hi.json');
    // The same file in memory, by the same rules: the same one entry.
    expect(await overlay(page, '.lf-text').inputValue()).toBe('say "hi"');
    await expect.poll(() => overlay(page, '.log-count').textContent()).toMatch(/^1 of \d+ entries$/);
    expect(errors).toEqual([]);
    await context.close();
  });
});
