// The bench's browser side: Chromium found as the browser tests find it, a
// local HTTP server for the pages (and the demo), and one page in one fresh
// headless Chromium that the runner spawns itself, with no DevTools protocol.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { transformWithOxc } from 'vite';

/** Chromium's path and version, and the shared flags of the browser tests. */
export async function chromium(root, out, fail) {
  // Reuse the browser tests' Chromium discovery: strip the types from chromium.ts (Node 20 cannot import .ts).
  const chromiumTs = join(root, 'test/browser/chromium.ts');
  const { code } = await transformWithOxc(readFileSync(chromiumTs, 'utf8'), chromiumTs, { lang: 'ts' });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'chromium.mjs'), code);
  const { findChromium, CHROMIUM_ARGS } = await import(join(out, 'chromium.mjs'));
  let path = null;
  try {
    path = findChromium();
  } catch (e) {
    fail(e.message);
  }
  if (!path) fail('no Chromium found: set CHROMIUM_PATH to a Chromium or Chrome binary, or put `chromium` on the PATH (Debian/Ubuntu: apt-get install chromium)');
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.match(/[\w ]*?\d+(\.\d+)+/)?.[0].trim() ?? 'unknown';
  // Never a DevTools endpoint, even if the shared flags gain one.
  const args = CHROMIUM_ARGS.filter((a) => !a.startsWith('--remote-debugging') && !a.startsWith('--headless') && !a.startsWith('--user-data-dir'));
  return { path, version, args };
}

const TYPES = { '.js': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * Serves /<page>.html (written here), /pages/* (the built bench pages),
 * /trace-agent.js and its two siblings (the shipped build),
 * /probe/trace-agent.js and its siblings (the bench's build with the
 * overlay's probe, which a `probe` page's demo tag loads), the
 * demo's /assets/*, the load page's scripts under /load/ (cacheable, as a
 * site serves them: lib/load.mjs), and takes results POSTed to /result.
 */
export async function startServer({ root, out, pages }) {
  const waiting = new Map(); // token -> resolve(result)
  const demoDir = join(root, 'dist/demo');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status, type, body, headers = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (req.method === 'POST' && url.pathname === '/result') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        let msg;
        try {
          msg = JSON.parse(body);
        } catch {
          return send(400, 'text/plain', 'bad json');
        }
        waiting.get(msg.token)?.(msg);
        send(204, 'text/plain', '');
      });
      return;
    }
    const page = url.pathname.match(/^\/(\w+)\.html$/)?.[1];
    if (page && pages[page]) {
      const script = `<script type="module" src="/pages/${page}.js"></script>`;
      const head = pages[page].head?.(url.searchParams.get('token'), url.searchParams) ?? '';
      // Cross-origin isolated (everything here is same-origin): performance.now() to 5 µs instead of 100 µs.
      const isolated = pages[page].isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
      if (pages[page].demo) {
        // The demo's own page, its own drop-in script tag included, with the bench's head first and the bench script added.
        let html = readFileSync(join(demoDir, 'index.html'), 'utf8');
        if (pages[page].probe) {
          const tags = html.split('src="/trace-agent.js"').length - 1;
          if (tags !== 1) return send(500, 'text/plain', `the demo page has ${tags} drop-in script tags, not 1`);
          html = html.replace('src="/trace-agent.js"', 'src="/probe/trace-agent.js"');
        }
        return send(200, TYPES['.html'], html.replace('<head>', `<head>${head}`).replace('</body>', `${script}</body>`), isolated);
      }
      return send(200, TYPES['.html'], `<!doctype html><meta charset="utf-8"><title>bench: ${page}</title>${head}${script}`, isolated);
    }
    const safe = !normalize(url.pathname).includes('..');
    const loaded = url.pathname.startsWith('/load/') ? (pages.load?.file?.(root, url.pathname.slice('/load/'.length)) ?? null) : null;
    if (loaded) {
      try {
        return send(200, TYPES['.js'], readFileSync(loaded), { 'cache-control': 'public, max-age=86400' });
      } catch {
        return send(404, 'text/plain', 'not found');
      }
    }
    const file =
      /^\/trace-agent(\.worker|\.overlay)?\.js$/.test(url.pathname) ? join(root, 'dist', url.pathname)
      : /^\/probe\/trace-agent(\.worker|\.overlay)?\.js$/.test(url.pathname) ? join(out, url.pathname)
      : safe && url.pathname.startsWith('/pages/') ? join(out, url.pathname)
      : safe && url.pathname.startsWith('/assets/') ? join(demoDir, url.pathname)
      : null;
    if (file) {
      try {
        return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
      } catch {
        /* fall through to 404 */
      }
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${server.address().port}`, waiting, close: () => server.close() };
}

/** Opens one page in one fresh Chromium (fresh profile) and resolves to what the page POSTs. */
export async function runPage({ browser, server, page, bench, timeoutMs }) {
  const token = randomUUID();
  const query = new URLSearchParams({ token, ...bench.params });
  const profile = mkdtempSync(join(tmpdir(), 'trace-agent-bench-'));
  const args = ['--headless=new', ...browser.args, ...(bench.flags ?? []), `--user-data-dir=${profile}`, `${server.origin}/${page}.html?${query}`];
  // Its own process group, so that killing it takes the renderer and GPU processes too.
  const child = spawn(browser.path, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let timer;
  try {
    const msg = await Promise.race([
      new Promise((r) => server.waiting.set(token, r)),
      exited.then(({ code, signal }) => Promise.reject(new Error(`Chromium exited early (code ${code}, signal ${signal})`))),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs / 1000} s (--timeout)`)), timeoutMs))),
    ]);
    if (msg.error) throw new Error(`the page failed: ${msg.error}`);
    return msg;
  } catch (e) {
    const log = stderr.split('\n').filter((l) => l && !l.includes('dbus')).join('\n'); // headless without a session bus: noise
    throw new Error(`bench "${page}": ${e.message}\n--- Chromium stderr (tail, dbus noise left out) ---\n${log}`);
  } finally {
    clearTimeout(timer);
    server.waiting.delete(token);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}
