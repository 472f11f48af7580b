// The load page (pages/load.ts): the main thread's time of a devtools tag,
// ours (overlay closed) beside vConsole's and Eruda's, loaded and started as
// their READMEs say, all in the same run. Cold: each load in a fresh Chromium
// (fresh profile: no HTTP cache, no code cache), the tools in turn. Warm: one
// Chromium per tool that loads the page `skip` times to fill its caches, then
// `n` times measured. Each figure is the median of its loads in the run.
import { join } from 'node:path';
import { runPage } from './browser.mjs';
import { median } from './median.mjs';

/** Each tool's tag (and start), and the files served under /load/ (cacheable, as a site serves them). */
export const LOAD_TOOLS = {
  trace: {
    prefix: '',
    tag: (token) => `<script src="/load/trace-agent.js" data-db="load-${token}"></script>`,
  },
  vconsole: { prefix: 'vconsole_', tag: () => `<script src="/load/vconsole.min.js"></script><script>new VConsole()</script>` },
  eruda: { prefix: 'eruda_', tag: () => `<script src="/load/eruda.js"></script><script>eruda.init()</script>` },
  // The floor: a script tag of one statement, what any tag costs a fresh renderer on this machine.
  empty: { prefix: 'empty_', tag: () => `<script src="/load/empty.js"></script>` },
};

/** Where a /load/ file is: the drop-in script and its siblings from dist/, the others from their packages. */
export function loadFile(root, name) {
  if (/^trace-agent(\.[a-z]+)?\.js$/.test(name)) return join(root, 'dist', name);
  if (name === 'vconsole.min.js') return join(root, 'node_modules/vconsole/dist/vconsole.min.js');
  if (name === 'eruda.js') return join(root, 'node_modules/eruda/eruda.js');
  if (name === 'empty.js') return join(root, 'test/bench/pages/empty.js');
  return null;
}

/** The page's head for one tool: clock readings around its tag. */
export function loadHead(token, tool) {
  const t = LOAD_TOOLS[tool];
  if (!t) throw new Error(`load: unknown tool ${tool}`);
  return `<script>window.__loadT0 = performance.now()</script>${t.tag(token)}<script>window.__loadT1 = performance.now()</script>`;
}

export const LOAD_KEYS = Object.values(LOAD_TOOLS).flatMap((t) => [`${t.prefix}load_cold_ms`, `${t.prefix}load_warm_ms`]);

const samplesOf = (msg) => String(msg.info?.ms ?? '').split(',').filter(Boolean).map(Number);

/** One run of the load page: every tool cold and warm; returns the figures and a line of info. */
export async function runLoads({ browser, server, bench, timeoutMs }) {
  const { n, skip } = bench.params;
  const tools = Object.keys(LOAD_TOOLS);
  const cold = Object.fromEntries(tools.map((t) => [t, []]));
  for (let i = 0; i < n; i++) {
    for (const tool of tools) {
      const msg = await runPage({ browser, server, page: 'load', bench: { ...bench, params: { tool, n: 1, skip: 0 } }, timeoutMs });
      cold[tool].push(...samplesOf(msg));
    }
  }
  const figures = {};
  for (const tool of tools) {
    const msg = await runPage({ browser, server, page: 'load', bench: { ...bench, params: { tool, n, skip } }, timeoutMs });
    const warm = samplesOf(msg);
    if (warm.length !== n || cold[tool].length !== n) throw new Error(`load: ${tool} has ${cold[tool].length} cold and ${warm.length} warm loads, not ${n}`);
    const p = LOAD_TOOLS[tool].prefix;
    figures[`${p}load_cold_ms`] = median(cold[tool]);
    figures[`${p}load_warm_ms`] = median(warm);
  }
  return { figures, info: {} };
}
