// The compare tab in real Chromium on the demo: the trace exported a moment ago
// opened as A, compared with the live session (read from the store's worker
// page by page): the method table, the frame-time chart drawn by uPlot, no error.
import { expect, it } from 'vitest';
import { collectErrors, screenshot, useBrowser, useServer, waitForDemo } from './browser';

const env = useBrowser();
const demo = useServer(['dist/demo']);

it('compares an exported trace of the demo with its live session', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 860 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(`${demo.url}/?seed=7`);
  await waitForDemo(page);
  // Some play first: agent calls and frame stats to compare.
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const t = (window as unknown as { TraceAgent: { flush(): Promise<void>; exportTrace(): Promise<{ entries: { type: string }[] }> } }).TraceAgent;
          await t.flush();
          return (await t.exportTrace()).entries.filter((e) => e.type === 'frame:stats').length;
        }),
      { timeout: 30_000 },
    )
    .toBeGreaterThanOrEqual(2);
  const json = await page.evaluate(async () => JSON.stringify(await (window as unknown as { TraceAgent: { exportTrace(): Promise<unknown> } }).TraceAgent.exportTrace()));
  const overlay = (sel: string) => page.locator(`trace-agent-overlay ${sel}`);
  await expect.poll(() => overlay('.panel').isVisible()).toBe(true); // the demo's tag has data-open
  await overlay('[role="tab"]').filter({ hasText: 'compare' }).click();
  await overlay('input[type="file"][aria-label="open file A"]').setInputFiles({ name: 'earlier.json', mimeType: 'application/json', buffer: Buffer.from(json) });
  await expect.poll(() => overlay('.compare .side .name').first().textContent()).toBe('earlier.json');
  await overlay('.compare button.run').click();
  await expect.poll(() => overlay('.compare table.methods tbody tr').count(), { timeout: 30_000 }).toBeGreaterThan(0);
  // Both sides summed up; the frame chart is a canvas of uPlot's.
  const summary = await overlay('.compare section.summary').textContent();
  expect(summary).toMatch(/A earlier\.json: \d+ entries/);
  expect(summary).toMatch(/B live session: \d+ entries/);
  expect(await overlay('.compare .frames canvas').count()).toBe(1);
  expect(await overlay('.compare .frames').isVisible()).toBe(true);
  await screenshot(page, 'overlay-compare-result');
  await overlay('.compare .frames').scrollIntoViewIfNeeded();
  await screenshot(page, 'overlay-compare-frames');
  expect(errors).toEqual([]);
  await context.close();
});
