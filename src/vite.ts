/**
 * The Vite plugin (`trace-agent/vite`): adds the drop-in script to the pages
 * Vite serves, with the options of its `data-*` attributes.
 *
 *   plugins: [traceAgent({ hook: ['game.npcs'], open: false })]
 *
 * Under `vite dev` by default; under `vite preview` with `preview: true`;
 * never in what `vite build` writes unless `build: true`. The script is
 * served from the dev (or preview) server's own origin at `path`, so it can
 * start the store's worker from its own URL, as on a page that ships it.
 *
 * Runs in Node, in Vite's process; nothing of it reaches the page but the
 * script tag (and, with `build: true`, the script file).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HtmlTagDescriptor, Plugin, ResolvedConfig } from 'vite';

/** The script tag's attributes, as options (the README's table "Drop it into a game"). */
export interface TraceAgentPluginOptions {
  /** `data-hook`: global paths whose methods become spans. */
  hook?: string | string[];
  /** `data-track-state`: global paths of state to record. */
  trackState?: string | string[];
  /** `data-track-story`: global paths of story graphs. */
  trackStory?: string | string[];
  /** `data-hotkey` (default Alt+Shift+D). */
  hotkey?: string;
  /** `data-open`: the overlay starts open. */
  open?: boolean;
  /** `data-overlay="false"`: no overlay. */
  overlay?: boolean;
  /** `data-capacity`, `data-capacity-bytes`, `data-max-sessions`. */
  capacity?: number;
  capacityBytes?: number;
  maxSessions?: number;
  /** `data-db`: the IndexedDB database name. */
  db?: string;
  /** `data-strict`. */
  strict?: boolean;
  /** `data-worker="false"`: the store on the main thread. */
  worker?: boolean;
  /** `data-input`, `data-input-text`. */
  input?: boolean;
  inputText?: boolean;
  /** `data-console`, `data-errors`, `data-long-tasks`, `data-frame-stats`, `data-hitch-ms`. */
  console?: boolean;
  errors?: boolean;
  longTasks?: boolean;
  frameStats?: boolean;
  hitchMs?: number;
  /** `data-analytics="false"`: no analytics engine. */
  analytics?: boolean;
  /** `data-thresholds`: `"fps<25, errorRate>0.1"` or `{ fps: 25, errorRate: 0.1 }`. */
  thresholds?: string | Record<string, number>;
  /** `data-network`: false leaves fetch/XHR alone; `'bodies'`, `'query'` or both ask for more. */
  network?: boolean | 'bodies' | 'query' | ('bodies' | 'query')[];

  /** Inject into `vite dev` (default true). */
  dev?: boolean;
  /** Inject into `vite preview` (default false). */
  preview?: boolean;
  /** Inject into `vite build`'s pages, and write the script next to them (default false). */
  build?: boolean;
  /** Where the script is served (default `/@trace-agent/trace-agent.js`; with `build`, that path under `outDir`). */
  path?: string;
  /** The drop-in script to serve (default: the package's dist/trace-agent.js); its two sibling files are served beside it. */
  scriptFile?: string;
}

const DEFAULT_PATH = '/@trace-agent/trace-agent.js';

/**
 * The files the drop-in script loads from beside its own URL (the store's
 * worker, the overlay): `x.js` → `x.worker.js`, `x.overlay.js`, for its path
 * and its file alike (src/agent/script-part.ts names them so).
 */
const SIBLINGS = ['worker', 'overlay'];
const withPart = (p: string, part: string | null) => (part === null ? p : `${p.endsWith('.js') ? p.slice(0, -3) : p}.${part}.js`);

/** `data-*` attributes for the options: the same names and forms the script reads. */
export function scriptAttributes(o: TraceAgentPluginOptions): Record<string, string | true> {
  const a: Record<string, string | true> = {};
  const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);
  const set = (name: string, v: string | number | undefined) => {
    if (v !== undefined && v !== '') a[`data-${name}`] = String(v);
  };
  const flag = (name: string, v: boolean | undefined) => {
    if (v === true) a[`data-${name}`] = true;
  };
  const off = (name: string, v: boolean | undefined) => {
    if (v === false) a[`data-${name}`] = 'false';
  };
  set('hook', list(o.hook));
  set('track-state', list(o.trackState));
  set('track-story', list(o.trackStory));
  set('hotkey', o.hotkey);
  flag('open', o.open);
  off('overlay', o.overlay);
  set('capacity', o.capacity);
  set('capacity-bytes', o.capacityBytes);
  set('max-sessions', o.maxSessions);
  set('db', o.db);
  flag('strict', o.strict);
  off('worker', o.worker);
  flag('input', o.input);
  flag('input-text', o.inputText);
  flag('console', o.console);
  off('errors', o.errors);
  off('long-tasks', o.longTasks);
  off('frame-stats', o.frameStats);
  set('hitch-ms', o.hitchMs);
  off('analytics', o.analytics);
  set('thresholds', typeof o.thresholds === 'object' ? Object.entries(o.thresholds).map(([k, v]) => `${k}=${v}`).join(', ') : o.thresholds);
  if (o.network === false) a['data-network'] = 'false';
  else if (typeof o.network === 'string' || Array.isArray(o.network)) set('network', list(o.network));
  return a;
}

/** The tag as HTML, for pages Vite does not transform (preview). Attribute values are escaped. */
function tagHtml(src: string, attrs: Record<string, string | true>): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const parts = [`src="${esc(src)}"`, ...Object.entries(attrs).map(([k, v]) => (v === true ? k : `${k}="${esc(v)}"`))];
  return `<script ${parts.join(' ')}></script>`;
}

/** Puts `tag` first in the head (the agent must load before the game's scripts). */
function injectIntoHead(html: string, tag: string): string {
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length);
  return tag + html;
}

/** The built page Vite's preview serves for `rel` (a path under the base), or null when it serves none: `x.html`, `x/` as its index.html, `x` as x.html or x/index.html, else (an SPA's page) index.html. */
function previewPage(outDir: string, rel: string, spaFallback: boolean): string | null {
  const clean = normalize(rel);
  const ext = extname(clean);
  if (ext !== '' && ext !== '.html') return null;
  const tries = ext === '.html' ? [clean] : clean.endsWith(sep) || clean.endsWith('/') ? [clean + 'index.html'] : [clean + '.html', clean + '/index.html'];
  if (spaFallback && ext === '') tries.push('/index.html');
  for (const t of tries) {
    const file = join(outDir, t);
    if (!file.startsWith(outDir + sep)) continue;
    try {
      return readFileSync(file, 'utf8');
    } catch {
      // not this one
    }
  }
  return null;
}

export default function traceAgent(options: TraceAgentPluginOptions = {}): Plugin {
  const path = options.path ?? DEFAULT_PATH;
  /** `path` without its leading slash: the file's name under outDir, and what a page built with `build: true` holds. */
  const builtName = path.replace(/^\//, '');
  const attrs = scriptAttributes(options);
  const scriptFile = options.scriptFile ?? resolve(dirname(fileURLToPath(import.meta.url)), '../trace-agent.js');
  const parts = [null, ...SIBLINGS];
  const readScript = (part: string | null) => readFileSync(withPart(scriptFile, part), 'utf8');
  let config: ResolvedConfig | undefined;
  let building = false;

  const serveScript = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const part = parts.find((p) => withPart(path, p) === pathname);
    if (part === undefined) return next();
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.end(readScript(part));
  };

  return {
    name: 'trace-agent',
    configResolved(resolved) {
      config = resolved;
      building = resolved.command === 'build';
    },
    configureServer(server) {
      if (options.dev === false) return;
      server.middlewares.use(serveScript);
    },
    configurePreviewServer(server) {
      if (!options.preview) return;
      server.middlewares.use(serveScript);
      // Preview serves the built files as they are: put the tag into each page on its way out.
      // This runs before Vite's own middlewares (its base, static files and HTML fallback), so it
      // finds the page as they would: under the base, `/about` as about.html, the SPA's index.html.
      const outDir = resolve(config?.root ?? process.cwd(), config?.build.outDir ?? 'dist');
      const base = config?.base?.startsWith('/') ? config.base : '/';
      const spa = (config?.appType ?? 'spa') === 'spa';
      server.middlewares.use((req, res, next) => {
        let pathname: string;
        try {
          pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
        } catch {
          return next(); // malformed: Vite's answer, not ours
        }
        if (!pathname.startsWith(base) && pathname !== base.slice(0, -1)) return next();
        const page = previewPage(outDir, '/' + pathname.slice(base.length), spa && /text\/html/.test(String(req.headers.accept ?? '')));
        if (page === null) return next();
        // Built with `build: true`: the page has its tag already.
        if (page.includes(builtName)) return next();
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(injectIntoHead(page, tagHtml(path, attrs)));
      });
    },
    transformIndexHtml() {
      if (building ? !options.build : options.dev === false) return [];
      const src = building ? (config?.base ?? '/') + builtName : path;
      const tag: HtmlTagDescriptor = { tag: 'script', attrs: { src, ...attrs }, injectTo: 'head-prepend' };
      return [tag];
    },
    generateBundle() {
      if (!building || !options.build) return;
      for (const part of parts) this.emitFile({ type: 'asset', fileName: withPart(builtName, part), source: readScript(part) });
    },
  };
}

export { traceAgent };
