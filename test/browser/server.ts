/** A static file server for the browser tests: the built demo, test fixtures, optional headers (CSP). */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Extra headers for HTML responses (e.g. a Content-Security-Policy). */
  htmlHeaders?: Record<string, string>;
  /** Requests handled before files: return true when answered. */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export async function serve(dirs: string[], options: ServeOptions = {}): Promise<StaticServer> {
  const roots = dirs.map((d) => resolve(d));
  const server: Server = createServer((req, res) => {
    if (options.handle?.(req, res)) return;
    if (req.url === '/favicon.ico') {
      res.statusCode = 204; // no console noise from a missing icon
      res.end();
      return;
    }
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const rel = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
    for (const root of roots) {
      const file = join(root, rel);
      if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) continue;
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      res.setHeader('Content-Type', type);
      res.setHeader('Cache-Control', 'no-store');
      if (type.startsWith('text/html')) for (const [k, v] of Object.entries(options.htmlHeaders ?? {})) res.setHeader(k, v);
      createReadStream(file).pipe(res);
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
