/**
 * The agents tab's flame chart in real Chromium: it draws spans where they
 * are, the tooltip tells the span hovered (as text), the wheel zooms around
 * the pointer, a drag pans, the keys move the selection between spans and
 * levels, and a click or Enter opens the span's entries in the log.
 * Screenshots: test-results/screenshots/flame-agents-<theme>.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectErrors, screenshot, useBrowser, waitForAgent, waitForStore } from './browser';

const env = useBrowser();
const HOTKEY = 'Alt+Shift+KeyD';
const overlay = (page: Page, sel: string) => page.locator(`trace-agent-overlay ${sel}`);

/** A hooked agent whose `think` calls `plan` and `speak` (busy for a few ms each); the third think fails. */
async function makeSpans(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const busy = (ms: number) => {
      const t = performance.now();
      while (performance.now() - t < ms) {
        /* a span with a duration to see */
      }
    };
    const boss = {
      n: 0,
      think(this: { n: number; plan(): void; speak(line: string): void }, mood: string) {
        busy(4);
        this.plan();
        this.speak(`I am ${mood}`);
        if (++this.n === 3) throw new Error('lost the plot');
        return mood;
      },
      plan() {
        busy(6);
      },
      speak(_line: string) {
        busy(3);
      },
    };
    const ta = (window as unknown as { TraceAgent: { hook(o: object, name: string): unknown; flush(): Promise<void> } }).TraceAgent;
    ta.hook(boss, 'boss');
    for (const mood of ['calm', 'grim', 'odd', 'calm']) {
      try {
        boss.think(mood);
      } catch {
        /* the third one fails: a span with status error */
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    await ta.flush();
  });
}

/** The canvas's pixels along the middle of level `level`, as [r, g, b] per CSS pixel, and the background. */
function rowPixels(page: Page, level: number) {
  return page.evaluate((level) => {
    const root = document.querySelector('trace-agent-overlay')!.shadowRoot!;
    const canvas = root.querySelector('canvas.fc-canvas') as HTMLCanvasElement;
    const dpr = canvas.width / canvas.getBoundingClientRect().width;
    const y = Math.round((16 + level * 16 + 8) * dpr);
    const data = canvas.getContext('2d')!.getImageData(0, y, canvas.width, 1).data;
    const px: number[][] = [];
    for (let x = 0; x < canvas.width; x += Math.max(1, Math.round(dpr))) px.push([data[x * 4]!, data[x * 4 + 1]!, data[x * 4 + 2]!]);
    // The background: what the overlay's --bg is, drawn by the same canvas rules.
    const probe = document.createElement('canvas').getContext('2d')!;
    probe.fillStyle = getComputedStyle(root.querySelector('.fc')!).getPropertyValue('--bg').trim();
    probe.fillRect(0, 0, 1, 1);
    const bg = [...probe.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    return { px, bg, dpr };
  }, level);
}

/** The widest run of non-background pixels on a row: its middle, in CSS pixels from the canvas's left. */
function widestRun(px: number[][], bg: number[]): { mid: number; width: number } {
  const isBg = (p: number[]) => p.every((c, i) => Math.abs(c - bg[i]!) < 12);
  let best = { mid: -1, width: 0 };
  let start = -1;
  for (let x = 0; x <= px.length; x++) {
    const on = x < px.length && !isBg(px[x]!);
    if (on && start < 0) start = x;
    if (!on && start >= 0) {
      if (x - start > best.width) best = { mid: (start + x) / 2, width: x - start };
      start = -1;
    }
  }
  return best;
}

const shownRange = async (page: Page) => {
  const text = (await overlay(page, '.fc-range').textContent()) ?? '';
  const m = text.match(/^([\d.]+)s – ([\d.]+)s/);
  if (!m) throw new Error(`no range in "${text}"`);
  return { from: Number(m[1]), to: Number(m[2]) };
};

async function openAgents(page: Page): Promise<void> {
  await page.locator('#game').focus();
  await page.keyboard.press(HOTKEY);
  await expect.poll(() => overlay(page, '.panel').isVisible()).toBe(true);
  await overlay(page, '[role="tab"]').filter({ hasText: 'agents' }).click();
  await expect.poll(() => overlay(page, 'canvas.fc-canvas').count(), { timeout: 10_000 }).toBe(1);
  // Held still: no new spans come in while the test looks.
  await overlay(page, 'button.freeze').click();
  await expect.poll(() => overlay(page, '.fc-range').textContent(), { timeout: 10_000 }).toMatch(/shown/);
}

/** A fresh page with the spans made and the overlay open on the agents tab, held still. */
async function agentsPage(options: { colorScheme: 'dark' | 'light'; deviceScaleFactor?: number }) {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 }, ...options });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(`${env.server.url}/overlay-clean.html`);
  await waitForAgent(page);
  await waitForStore(page);
  await makeSpans(page);
  await openAgents(page);
  return { context, page, errors };
}

describe('the flame chart in Chromium', () => {
  it('draws the spans, tells the one hovered, zooms with the wheel, pans by drag, and a click opens its entries in the log', async () => {
    const { context, page, errors } = await agentsPage({ colorScheme: 'dark', deviceScaleFactor: 2 });

    // Crisp: the canvas's buffer is in device pixels.
    const top = await rowPixels(page, 0);
    expect(top.dpr).toBe(2);
    // Spans on the top level (think) and the one below (plan, speak); nothing deeper than that.
    const thinkRun = widestRun(top.px, top.bg);
    expect(thinkRun.width).toBeGreaterThan(5);
    const below = await rowPixels(page, 1);
    expect(widestRun(below.px, below.bg).width).toBeGreaterThan(2);
    await screenshot(page, 'flame-agents-dark');

    // Hover the widest think: the tooltip tells it, as text.
    const canvas = overlay(page, 'canvas.fc-canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + thinkRun.mid, box.y + 16 + 8);
    const tip = overlay(page, '.fc-tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const tipText = (await tip.textContent())!;
    expect(tipText).toContain('boss.think');
    expect(tipText).toMatch(/\d+(\.\d+)?ms · (ok|error)/);
    expect(tipText).toContain('args ["');
    expect(await tip.evaluate((el) => el.children.length)).toBe(0);
    await screenshot(page, 'flame-agents-hover');

    // The wheel zooms in around the pointer: a narrower range, the time under the pointer where it was.
    const before = await shownRange(page);
    const pointerT = before.from + (thinkRun.mid / box.width) * (before.to - before.from);
    await page.mouse.wheel(0, -400);
    await expect.poll(async () => (await shownRange(page)).to - (await shownRange(page)).from).toBeLessThan((before.to - before.from) * 0.8);
    const zoomed = await shownRange(page);
    const pointerAfter = zoomed.from + (thinkRun.mid / box.width) * (zoomed.to - zoomed.from);
    expect(Math.abs(pointerAfter - pointerT)).toBeLessThan((before.to - before.from) / 100);

    // A drag to the right shows what came earlier.
    await page.mouse.move(box.x + box.width / 2, box.y + 24);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 150, box.y + 24, { steps: 5 });
    await page.mouse.up();
    // The range under the chart is written at the next drawn frame: wait for it.
    await expect.poll(async () => (await shownRange(page)).from).toBeLessThan(zoomed.from);
    const panned = await shownRange(page);
    expect(panned.to - panned.from).toBeCloseTo(zoomed.to - zoomed.from, 2);

    // Back to the whole, then a click on the top level's widest span: the log, on that span's entries.
    await canvas.focus();
    await page.keyboard.press('0');
    await expect.poll(async () => (await shownRange(page)).from).toBeCloseTo(before.from, 3);
    await page.mouse.click(box.x + thinkRun.mid, box.y + 16 + 8);
    await expect.poll(() => overlay(page, '[role="tab"][aria-selected="true"]').textContent()).toBe('log');
    await expect.poll(() => overlay(page, '.log-focus').textContent()).toMatch(/showing #\d+–#\d+ \(boss\.think #\d+\)/);
    const rows = overlay(page, '.log-row:not(.loading):not(.gap)');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3); // think and what it called
    const texts = await rows.allTextContents();
    expect(texts.some((t) => t.includes('boss.think'))).toBe(true);
    expect(texts.some((t) => t.includes('boss.plan'))).toBe(true);
    expect(texts.every((t) => t.includes('boss.'))).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is driven from the keyboard: focus selects, arrows move between spans and levels, +/- zoom, Enter opens the log', async () => {
    const { context, page, errors } = await agentsPage({ colorScheme: 'light' });
    await screenshot(page, 'flame-agents-light');

    const canvas = overlay(page, 'canvas.fc-canvas');
    const detail = overlay(page, '.wf-detail');
    expect(await canvas.getAttribute('tabindex')).toBe('0');
    expect(await canvas.getAttribute('aria-label')).toContain('Arrow keys');
    expect(await detail.getAttribute('aria-live')).toBe('polite');
    // Tab into it from the hold button just before it (the canvas is the next stop).
    await overlay(page, 'button.freeze').focus();
    await page.keyboard.press('Tab');
    expect(await canvas.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true);
    await expect.poll(() => detail.textContent()).toMatch(/^boss\.think · .*level 1$/);
    const first = await detail.textContent();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => detail.textContent()).not.toBe(first);
    expect(await detail.textContent()).toMatch(/^boss\.think · /);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => detail.textContent()).toMatch(/^boss\.plan · .*level 2$/);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => detail.textContent()).toMatch(/^boss\.speak · .*level 2$/);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => detail.textContent()).toMatch(/^boss\.think · .*level 1$/);
    // The keys are the chart's: the tab stays agents.
    expect(await overlay(page, '[role="tab"][aria-selected="true"]').textContent()).toBe('agents');

    const whole = await shownRange(page);
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await expect.poll(async () => (await shownRange(page)).to - (await shownRange(page)).from).toBeLessThan((whole.to - whole.from) * 0.6);
    await page.keyboard.press('-');
    await page.keyboard.press('-');
    // Zoomed out again, the whole range is shown (at least: spans that ended meanwhile widen it).
    await expect.poll(async () => (await shownRange(page)).to - (await shownRange(page)).from).toBeGreaterThanOrEqual((whole.to - whole.from) * 0.999);
    await screenshot(page, 'flame-agents-light-selected');

    const selected = (await detail.textContent())!.match(/ #(\d+) /)![1];
    await page.keyboard.press('Enter');
    await expect.poll(() => overlay(page, '[role="tab"][aria-selected="true"]').textContent()).toBe('log');
    await expect.poll(() => overlay(page, '.log-focus').textContent()).toContain(`(boss.think #${selected})`);
    expect(errors).toEqual([]);
    await context.close();
  });
});
