/**
 * open_1m_ms: the time to open the overlay on a store of 1,000,000 entries,
 * to the first paint of its log. The drop-in script (fresh data-db,
 * data-capacity 1,100,000, a byte capacity that evicts nothing, the overlay
 * closed; its file loads at the warm-up's open) with the overlay's prefs set to the Log tab before it
 * loads (the runner writes them into localStorage in the page's head): a
 * user who closed the overlay on its log and opens it again.
 *
 * 1,000,000 small events are logged in chunks, paced like persist (nothing
 * dropped), then flushed. The clock starts at `TraceAgent.open()`; each
 * animation frame the page counts the shadow root's `.log-row` elements that
 * show an entry (not `.loading`, not a `.gap`); once there are at least 10,
 * the frame they are in is the first to paint them, and the clock stops at the
 * next animation frame (after that paint).
 *
 * Warm-up: after the first 20,000 events, the overlay is opened on its log
 * the same way and closed (its code and the store's query path run once).
 */
import { flushedHoldingAll, keepUp, logTicksPaced, nextFrame, overlayRoot, param, runBench, shownLogRows, sleep, traceAgent, type TraceAgentApi } from './common';

const MIN_ROWS = 10;

/** open(), then animation frames until the log shows MIN_ROWS entries; ms from open() to the frame after. */
async function openToLog(ta: TraceAgentApi, timeoutMs: number): Promise<{ ms: number; frames: number }> {
  const t0 = performance.now();
  ta.open();
  let frames = 0;
  for (;;) {
    const now = await nextFrame();
    frames++;
    const root = document.querySelector('trace-agent-overlay')?.shadowRoot;
    if (root && shownLogRows(root) >= MIN_ROWS) break;
    if (now - t0 > timeoutMs) throw new Error(`the log showed fewer than ${MIN_ROWS} entries ${timeoutMs} ms after open()`);
  }
  const t1 = await nextFrame();
  return { ms: t1 - t0, frames };
}

runBench(async () => {
  const n = param('n', 1_000_000);
  const chunk = param('chunk', 5_000);
  const pace = param('pace', 50_000);
  const warm = Math.min(param('warm', 20_000), n);
  const ta = await traceAgent();
  if (ta.isOpen) throw new Error('the overlay should start closed');
  const pacing = keepUp(ta, pace);

  await logTicksPaced(ta, 0, warm, chunk, pacing);
  await ta.flush();
  const warmOpen = await openToLog(ta, 10_000);
  ta.close();

  await logTicksPaced(ta, warm, n, chunk, pacing);
  const s = await flushedHoldingAll(ta);
  await sleep(500); // the worker's analysis of the last blocks, and the page, settle

  const open = await openToLog(ta, 30_000);

  // Checked outside the clock: the tab is the log, and it shows the newest of the million.
  const root = overlayRoot();
  const tab = root.querySelector('[role="tab"][aria-selected="true"]')?.textContent?.trim();
  if (tab !== 'log') throw new Error(`the open tab is "${tab}", not log`);
  const count = root.querySelector('.log-count')?.textContent?.trim() ?? '';
  const rows = [...root.querySelectorAll('.log-row:not(.loading):not(.gap)')].map((r) => r.textContent ?? '');
  if (!rows.some((t) => t.includes('bench.tick'))) throw new Error('no bench.tick row in the log');
  return {
    figures: { open_1m_ms: open.ms },
    info: { frames: open.frames, warmOpenMs: Math.round(warmOpen.ms), logCount: JSON.stringify(count), stored: s.stored },
  };
});
