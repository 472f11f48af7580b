import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import traceAgent, { scriptAttributes, type TraceAgentPluginOptions } from '../../../src/vite';

describe('the Vite plugin\'s options as the script tag\'s data-* attributes', () => {
  it('every option maps to the attribute the drop-in script reads, in its form (flags present, "false" to turn off)', () => {
    const attrs = scriptAttributes({
      hook: ['game.npcs', 'game.story'],
      trackState: 'game.state',
      trackStory: ['game.story'],
      hotkey: 'Alt+Shift+T',
      open: true,
      overlay: false,
      capacity: 5000,
      capacityBytes: 200_000,
      maxSessions: 3,
      db: 'my-game',
      strict: true,
      worker: false,
      input: true,
      inputText: true,
      console: true,
      errors: false,
      longTasks: false,
      frameStats: false,
      hitchMs: 40,
      analytics: false,
      thresholds: { fps: 25, 'slow-agents': 800 },
      network: ['bodies', 'query'],
    });
    expect(attrs).toEqual({
      'data-hook': 'game.npcs, game.story',
      'data-track-state': 'game.state',
      'data-track-story': 'game.story',
      'data-hotkey': 'Alt+Shift+T',
      'data-open': true,
      'data-overlay': 'false',
      'data-capacity': '5000',
      'data-capacity-bytes': '200000',
      'data-max-sessions': '3',
      'data-db': 'my-game',
      'data-strict': true,
      'data-worker': 'false',
      'data-input': true,
      'data-input-text': true,
      'data-console': true,
      'data-errors': 'false',
      'data-long-tasks': 'false',
      'data-frame-stats': 'false',
      'data-hitch-ms': '40',
      'data-analytics': 'false',
      'data-thresholds': 'fps=25, slow-agents=800',
      'data-network': 'bodies, query',
    });
    // Each is an attribute of the README's table (the script tag's options), so none is made up here.
    const readme = readFileSync('README.md', 'utf8');
    for (const name of Object.keys(attrs)) expect(readme, name).toContain(`| \`${name}\` |`);
    expect(scriptAttributes({ open: false, overlay: true, network: true })).toEqual({}); // the defaults need no attribute
    expect(scriptAttributes({ network: false })).toEqual({ 'data-network': 'false' });
  });
});

describe('the Vite plugin under vite preview (preview: true)', () => {
  type Middleware = (req: { url: string; headers: Record<string, string> }, res: FakeRes, next: () => void) => void;
  class FakeRes {
    body: string | null = null;
    headers: Record<string, string> = {};
    setHeader(k: string, v: string) {
      this.headers[k] = v;
    }
    end(body: string) {
      this.body = body;
    }
  }
  /** The plugin's preview middlewares over a built app in a temporary outDir, with Vite's resolved config as given. */
  function previewOf(files: Record<string, string>, config: { base?: string; appType?: string }, options: TraceAgentPluginOptions = {}) {
    const root = mkdtempSync(join(tmpdir(), 'ta-preview-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, 'dist', name)), { recursive: true });
      writeFileSync(join(root, 'dist', name), text);
    }
    const plugin = traceAgent({ preview: true, scriptFile: join(root, 'dist', Object.keys(files)[0]!), ...options });
    (plugin.configResolved as (c: unknown) => void)({ command: 'serve', root, base: config.base ?? '/', appType: config.appType ?? 'spa', build: { outDir: 'dist' } });
    const used: Middleware[] = [];
    (plugin.configurePreviewServer as (s: unknown) => void)({ middlewares: { use: (fn: Middleware) => used.push(fn) } });
    /** What the plugin answers for `url` (null: it passed the request on, to Vite's own static files). */
    return (url: string): string | null => {
      const res = new FakeRes();
      let i = 0;
      const next = () => {
        const fn = used[i++];
        if (fn) fn({ url, headers: { accept: 'text/html' } }, res, next);
      };
      next();
      return res.body;
    };
  }
  const page = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body></body></html>`;
  const hasAgent = (html: string | null) => (html?.match(/@trace-agent\/trace-agent\.js/g) ?? []).length;

  it('adds the tag to the pages under the app\'s base (a site under /game/, as on GitHub Pages), clean URLs and the SPA fallback too', () => {
    const get = previewOf({ 'index.html': page('home'), 'about.html': page('about'), 'levels/index.html': page('levels') }, { base: '/game/' });
    for (const url of ['/game/', '/game/index.html', '/game/about.html', '/game/about', '/game/levels/', '/game/levels', '/game/some/route']) expect(hasAgent(get(url)), url).toBe(1);
    expect(get('/game/about')).toContain('<title>about</title>');
    expect(get('/game/some/route')).toContain('<title>home</title>'); // appType spa: Vite falls back to index.html
    expect(get('/elsewhere.html')).toBeNull(); // outside the base: not ours
    expect(get('/game/x.js')).toBeNull();
  });

  it('leaves a page built with build: true (its tag in it already) to Vite\'s static files: no second tag', () => {
    const get = previewOf({ 'index.html': page('home').replace('<head>', '<head><script src="/@trace-agent/trace-agent.js"></script>') }, {}, { build: true });
    expect(get('/')).toBeNull();
  });

  it('with appType mpa, an unknown route is no page of ours (Vite answers 404)', () => {
    const get = previewOf({ 'index.html': page('home') }, { appType: 'mpa' });
    expect(get('/nope')).toBeNull();
    expect(hasAgent(get('/'))).toBe(1);
  });
});
