/**
 * fps_overlay_closed, fps_overlay_open, and per tab fps_overlay_closed_<tab>,
 * fps_overlay_open_<tab>, fps_open_vs_closed_<tab> (and the worst tab's
 * ratio, fps_open_vs_closed_worst): the demo game (dist/demo, its own
 * drop-in script tag hooking its agents) with this script added to its page
 * by the runner. While the page logs 10,000 bench.tick events a second (on a
 * 10 ms timer, independent of frames) on top of the game's own spans, it
 * counts animation frames in alternating windows: closed, then open on a tab
 * (`TraceAgent.open()` and the tab's button clicked), for each tab in turn,
 * `windows` rounds, so slow drift of the machine falls on every tab and state
 * alike. fps = frames / seconds over all windows of one state (and tab); a
 * tab's ratio is its open windows against the closed windows just before them.
 *
 * Headless Chromium has no display: frames come from its own 60 Hz begin-frame
 * source, drawn in software (--disable-gpu). A frame is missed when the main
 * thread is still busy, which is what these figures show.
 */
import { demoRunning, param, runBench, sleep, streamEvents, traceAgent } from './common';
import { showTab, TABS } from './tabs';

interface Count {
  frames: number;
  ms: number;
}
const fps = (c: Count) => (c.frames * 1000) / c.ms;

runBench(async () => {
  const windows = param('windows', 3);
  const windowMs = param('windowMs', 3_000);
  const settleMs = param('settleMs', 500);
  const rate = param('rate', 10_000);
  const ta = await traceAgent();
  await demoRunning();
  const stream = streamEvents(ta, rate);

  let frames = 0;
  const onFrame = () => {
    frames++;
    requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);

  /** One window on `tab` (null: closed), added into `into`. */
  const measure = async (tab: string | null, into: Count): Promise<void> => {
    if (tab) await showTab(ta, tab);
    else ta.close();
    if (ta.isOpen !== (tab !== null)) throw new Error(`the overlay did not ${tab ? 'open' : 'close'}`);
    await sleep(settleMs);
    const f0 = frames;
    const w0 = performance.now();
    await sleep(windowMs);
    into.frames += frames - f0;
    into.ms += performance.now() - w0;
  };

  // Warm-up: each tab rendered once, the game and the store running.
  const scratch = { frames: 0, ms: 0 };
  for (const tab of TABS) await measure(tab, scratch);
  await measure(null, scratch);

  const closed: Record<string, Count> = {};
  const opened: Record<string, Count> = {};
  for (let w = 0; w < windows; w++) {
    for (const tab of TABS) {
      await measure(null, (closed[tab] ??= { frames: 0, ms: 0 }));
      await measure(tab, (opened[tab] ??= { frames: 0, ms: 0 }));
    }
  }
  ta.close();
  const streamedPerS = stream.stop();
  await ta.flush();
  const s = ta.stats();
  if (s.dropped !== 0) throw new Error(`the stream dropped ${s.dropped} events`);

  const sum = (of: Record<string, Count>): Count => Object.values(of).reduce((a, c) => ({ frames: a.frames + c.frames, ms: a.ms + c.ms }), { frames: 0, ms: 0 });
  const figures: Record<string, number> = { fps_overlay_closed: fps(sum(closed)), fps_overlay_open: fps(sum(opened)) };
  let worst = Infinity;
  for (const tab of TABS) {
    const ratio = fps(opened[tab]!) / fps(closed[tab]!);
    worst = Math.min(worst, ratio);
    figures[`fps_overlay_closed_${tab}`] = fps(closed[tab]!);
    figures[`fps_overlay_open_${tab}`] = fps(opened[tab]!);
    figures[`fps_open_vs_closed_${tab}`] = ratio;
  }
  figures['fps_open_vs_closed_worst'] = worst;
  return { figures, info: { streamedPerS: Math.round(streamedPerS), logged: s.logged } };
});
