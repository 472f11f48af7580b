/**
 * load_cold_ms, load_warm_ms (and the same for vConsole and Eruda): the main
 * thread's time of a devtools script tag, as a page feels it. The runner
 * writes the page (lib/load.mjs): an inline script reads performance.now()
 * before the tag, the tag (and, for vConsole and Eruda, the inline call
 * their READMEs give: `new VConsole()`, `eruda.init()`), and an inline
 * script that reads it again after; this module (deferred: it runs after
 * them) waits two animation frames, so that what the tool put off to the
 * next tasks has run before the next load.
 *
 * Cold: one load per fresh Chromium (a fresh profile: no HTTP cache, no code
 * cache). Warm: `n` loads in the same Chromium after `skip` loads that fill
 * its caches (Chromium makes a script's code cache on its second load and
 * uses it from the third); the page navigates to itself, carrying the
 * figures so far in its URL, and posts them all at the end.
 */
import { nextFrame, runBench } from './common';

declare global {
  interface Window {
    __loadT0?: number;
    __loadT1?: number;
  }
}

runBench(async () => {
  const t0 = window.__loadT0;
  const t1 = window.__loadT1;
  if (t0 === undefined || t1 === undefined) throw new Error('the page has no clock readings around the tag');
  await nextFrame();
  await nextFrame();
  const params = new URLSearchParams(location.search);
  const n = Number(params.get('n') ?? '1');
  const skip = Number(params.get('skip') ?? '0');
  const done = Number(params.get('done') ?? '0') + 1;
  const ms = (params.get('ms') ?? '').split(',').filter(Boolean).map(Number);
  if (done > skip) ms.push(t1 - t0);
  if (ms.length < n) {
    params.set('done', String(done));
    params.set('ms', ms.map((v) => v.toFixed(2)).join(','));
    location.replace(`${location.pathname}?${params}`);
    return new Promise<never>(() => {}); // the next load reports
  }
  return { figures: { ms: ms[0]! }, info: { ms: ms.map((v) => v.toFixed(2)).join(',') } };
});
