/**
 * fps_overlay_closed, fps_overlay_open: the demo game (dist/demo, its own
 * drop-in script tag hooking its agents) with this script added to its page
 * by the runner. While the page logs 10,000 bench.tick events a second (on a
 * 10 ms timer, independent of frames) on top of the game's own spans, it
 * counts animation frames in alternating windows with the overlay closed and
 * open (`TraceAgent.close()` / `open()`), so slow drift of the machine falls
 * on both alike. fps = frames / seconds over all windows of one state.
 *
 * Headless Chromium has no display: frames come from its own 60 Hz begin-frame
 * source, drawn in software (--disable-gpu). A frame is missed when the main
 * thread is still busy, which is what these figures show.
 */
import { demoRunning, param, runBench, sleep, streamEvents, traceAgent } from './common';

runBench(async () => {
  const windows = param('windows', 3);
  const windowMs = param('windowMs', 4_000);
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

  const measure = async (open: boolean): Promise<{ frames: number; ms: number }> => {
    if (open) ta.open();
    else ta.close();
    if (ta.isOpen !== open) throw new Error(`the overlay did not ${open ? 'open' : 'close'}`);
    await sleep(settleMs);
    const f0 = frames;
    const w0 = performance.now();
    await sleep(windowMs);
    return { frames: frames - f0, ms: performance.now() - w0 };
  };

  await measure(true); // warm-up: the overlay rendered once, the game and the store running
  await measure(false);
  const closed = { frames: 0, ms: 0 };
  const opened = { frames: 0, ms: 0 };
  for (let w = 0; w < windows; w++) {
    for (const [state, into] of [[false, closed], [true, opened]] as const) {
      const m = await measure(state);
      into.frames += m.frames;
      into.ms += m.ms;
    }
  }
  const streamedPerS = stream.stop();
  await ta.flush();
  const s = ta.stats();
  if (s.dropped !== 0) throw new Error(`the stream dropped ${s.dropped} events`);
  return {
    figures: { fps_overlay_closed: (closed.frames * 1000) / closed.ms, fps_overlay_open: (opened.frames * 1000) / opened.ms },
    info: { streamedPerS: Math.round(streamedPerS), logged: s.logged },
  };
});
