import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import { FLAG_REDACTED, type TraceEntry } from '../../../src/core/entry';
import { Hooks } from '../../../src/hooks/hook';
import { recorded } from './recorded';
import { MAX_BODY_BYTES, NetworkSpans, redactUrl, utf8Length, type NetworkData, type NetworkOptions } from '../../../src/hooks/network';

type FetchFn = (input: unknown, init?: RequestInit) => Promise<Response>;

/** A minimal XMLHttpRequest that the test drives by hand (happy-dom's would go to the network). */
class FakeXhr extends EventTarget {
  static sent: FakeXhr[] = [];
  /** For synchronous requests: what send() answers with. */
  static syncAnswer: ((x: FakeXhr) => void) | null = null;
  readyState = 0;
  status = 0;
  statusText = '';
  responseType: XMLHttpRequestResponseType = '';
  responseURL = '';
  response: unknown = '';
  private text = '';
  private headers: Record<string, string> = {};
  method = '';
  url = '';
  async = true;
  body: unknown;
  private sending = false;

  get responseText(): string {
    if (this.responseType !== '' && this.responseType !== 'text') throw new DOMException('not text', 'InvalidStateError');
    return this.text;
  }
  open(method: string, url: string | URL, async?: boolean): void {
    if (method === 'BAD METHOD') throw new SyntaxError('bad method');
    this.method = method;
    this.url = String(url);
    this.async = arguments.length < 3 ? true : !!async;
    this.readyState = 1;
    this.sending = false;
  }
  send(body?: unknown): void {
    if (this.readyState !== 1 || this.sending) throw new DOMException('not opened', 'InvalidStateError');
    this.sending = true;
    this.body = body;
    FakeXhr.sent.push(this);
    if (!this.async && FakeXhr.syncAnswer) FakeXhr.syncAnswer(this);
  }
  abort(): void {
    if (this.sending) this.fail('abort');
  }
  getResponseHeader(name: string): string | null {
    return this.headers[name.toLowerCase()] ?? null;
  }
  respond(status: number, text: string, headers: Record<string, string> = {}, statusText = '', responseURL = this.url): void {
    this.status = status;
    this.statusText = statusText;
    this.text = text;
    this.response = this.responseType === 'json' ? JSON.parse(text) : text;
    this.headers = headers;
    this.responseURL = responseURL;
    this.readyState = 4;
    this.sending = false;
    this.dispatchEvent(new Event('load'));
    this.dispatchEvent(new Event('loadend'));
  }
  fail(type: 'error' | 'timeout' | 'abort'): void {
    this.status = 0;
    this.readyState = 4;
    this.sending = false;
    this.dispatchEvent(new Event(type));
    this.dispatchEvent(new Event('loadend'));
  }
}

let entries: TraceEntry[];
let core: TraceCore;
let ids: number;
let current: number;
let net: NetworkSpans[];
let fake: ReturnType<typeof vi.fn<FetchFn>>;
let lastResponse: Response | undefined;

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  return new Response(text, {
    status,
    statusText: status === 200 ? 'OK' : status === 404 ? 'Not Found' : status === 503 ? 'Service Unavailable' : '',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers },
  });
}

function start(options: NetworkOptions = {}): NetworkSpans {
  const n = new NetworkSpans(core, () => ++ids, () => current, options);
  n.start();
  net.push(n);
  return n;
}

const spans = () => entries.filter((e) => e.type === 'net:fetch' || e.type === 'net:xhr');
const data = (e: TraceEntry | undefined) => e!.data as NetworkData;
/** Lets background work (the body read of a clone) finish. */
const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  entries = [];
  core = new TraceCore({ write: (e) => entries.push(e) });
  ids = 100;
  current = 0;
  net = [];
  lastResponse = undefined;
  FakeXhr.sent = [];
  FakeXhr.syncAnswer = null;
  fake = vi.fn<FetchFn>(async () => (lastResponse = json({ reply: 'hello' })));
  vi.stubGlobal('fetch', fake);
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
});

afterEach(() => {
  for (const n of net) n.stop();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('fetch', () => {
  it('records a span with method, URL, status, sizes, duration, and returns the very same Response', async () => {
    start();
    const body = JSON.stringify({ prompt: 'hi', password: 'hunter2' });
    const res = await fetch('https://llm.test/v1/chat', { method: 'post', body, headers: { Authorization: 'Bearer sk-secret' } });
    expect(res).toBe(lastResponse); // not a clone, not a copy
    expect(await res.json()).toEqual({ reply: 'hello' });
    expect(fake).toHaveBeenCalledTimes(1);
    expect(fake.mock.calls[0]![1]!.body).toBe(body); // the game's arguments, untouched
    const [s] = spans();
    expect(s).toMatchObject({
      kind: 'agent',
      type: 'net:fetch',
      level: 'info',
      source: 'network',
      method: 'POST',
      spanId: 101,
      status: 'ok',
      async: true,
    });
    expect(s!.parentId).toBeUndefined();
    expect(s!.dur).toBeGreaterThanOrEqual(0);
    expect(s!.error).toBeUndefined();
    expect(data(s)).toMatchObject({ url: 'https://llm.test/v1/chat', status: 200, statusText: 'OK', requestBytes: body.length, responseBytes: 17, contentType: 'application/json' });
    // No bodies unless asked, and never a header but content-type and length.
    expect(data(s).requestBody).toBeUndefined();
    expect(data(s).responseBody).toBeUndefined();
    const text = recorded(s);
    expect(text).not.toContain('sk-secret');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('Authorization');
  });

  it('parents the span to the span current when the request started (an NPC calling an LLM)', async () => {
    const hooks = new Hooks(core);
    const n = new NetworkSpans(core, () => 10_000 + ++ids, () => hooks.current);
    n.start();
    net.push(n);
    const npc = {
      name: 'Mira',
      async think(prompt: string): Promise<string> {
        const res = await fetch('https://llm.test/v1/chat', { method: 'POST', body: prompt });
        return ((await res.json()) as { reply: string }).reply;
      },
    };
    hooks.hook(npc, 'npc');
    try {
      // Two at once: each request belongs to its own think().
      const replies = await Promise.all([npc.think('a'), npc.think('b')]);
      expect(replies).toEqual(['hello', 'hello']);
      const thinks = entries.filter((e) => e.type === 'npc.think');
      const reqs = spans();
      expect(thinks).toHaveLength(2);
      expect(reqs).toHaveLength(2);
      expect(reqs.map((r) => r.parentId).sort()).toEqual(thinks.map((t) => t.spanId).sort());
      expect(new Set([...thinks, ...reqs].map((e) => e.spanId)).size).toBe(4); // no id collides
    } finally {
      hooks.unhook(npc);
    }
  });

  it('takes the parent at call time, not when the response arrives', async () => {
    start();
    let answer!: (r: Response) => void;
    fake.mockImplementationOnce(() => new Promise((r) => (answer = r)));
    current = 7;
    const p = fetch('https://api.test/x');
    current = 0;
    answer(json({}));
    await p;
    expect(spans()[0]!.parentId).toBe(7);
  });

  it('redacts the query string and hash, removes credentials, resolves relative URLs', async () => {
    vi.stubGlobal('location', { href: 'https://game.test/play/index.html?level=3' });
    // A session id holding one of the secrets: the check below must not look at it.
    core = new TraceCore({ write: (e) => entries.push(e) }, { sessionId: '0abc0ann-0000-4000-8000-000000000abc' });
    start();
    await fetch('https://user:pw@api.test/save?slot=1&token=abc#top');
    await fetch('api/score?u=ann');
    await fetch('/health');
    const urls = spans().map((s) => data(s).url);
    expect(urls).toEqual(['https://api.test/save?<redacted>#<redacted>', 'https://game.test/play/api/score?<redacted>', 'https://game.test/health']);
    expect(recorded(entries)).not.toMatch(/abc|pw@|ann/);
  });

  it('with captureQuery keeps the query but redacts secret-looking parameters', async () => {
    start({ captureQuery: true });
    await fetch(
      'https://api.test/v1/gen?model=small&api_key=K1&key=K2&token=T1&access_token=T2&X-Amz-Signature=S1&sig=S2&session=S3&password=P1&client_secret=C1&auth=A1&page=2&author=me&tokens=5#state=x&id_token=T3',
    );
    const s = spans()[0]!;
    expect(data(s).url).toBe(
      'https://api.test/v1/gen?model=small&api_key=<redacted>&key=<redacted>&token=<redacted>&access_token=<redacted>&X-Amz-Signature=<redacted>&sig=<redacted>&session=<redacted>&password=<redacted>&client_secret=<redacted>&auth=<redacted>&page=2&author=me&tokens=5#state=x&id_token=<redacted>',
    );
    expect(s.flags! & FLAG_REDACTED).toBe(FLAG_REDACTED);
    expect(recorded(s)).not.toMatch(/K1|K2|T1|T2|T3|S1|S2|S3|P1|C1|A1/);
  });

  it("with captureQuery, the page's redact rule decides a parameter as the copier does: true redacts, a throw redacts, anything else keeps", async () => {
    core = new TraceCore(
      { write: (e) => entries.push(e) },
      {
        limits: {
          redact: (k) => {
            if (k === 'player') return true;
            if (k === 'boom') throw new Error('rule failed');
            return (k === 'level' ? 1 : false) as boolean; // truthy, not true: kept, as a copied object would keep it
          },
        },
      },
    );
    start({ captureQuery: true });
    await fetch('https://api.test/save?player=ann&boom=1&level=3&page=2');
    expect(data(spans()[0]).url).toBe('https://api.test/save?player=<redacted>&boom=<redacted>&level=3&page=2');
  });

  it('works with a Request object and with a URL object', async () => {
    start();
    const req = new Request('https://api.test/items/4?x=1', { method: 'PUT', body: 'x' });
    await fetch(req);
    expect(fake.mock.calls[0]![0]).toBe(req);
    await fetch(new URL('https://api.test/list?page=2'), { method: 'DELETE' });
    await fetch(new Request('https://api.test/r'), { method: 'PATCH' }); // init wins over the Request
    expect(spans().map((s) => [s.method, data(s).url])).toEqual([
      ['PUT', 'https://api.test/items/4?<redacted>'],
      ['DELETE', 'https://api.test/list?<redacted>'],
      ['PATCH', 'https://api.test/r'],
    ]);
  });

  it('preserves a rejection: the same error, and an error span', async () => {
    start();
    const err = new TypeError('Failed to fetch');
    fake.mockRejectedValueOnce(err);
    await expect(fetch('https://down.test/')).rejects.toBe(err);
    const [s] = spans();
    expect(s).toMatchObject({ status: 'error', level: 'error', error: { name: 'TypeError', message: 'Failed to fetch' } });
    expect(data(s)).toMatchObject({ url: 'https://down.test/', status: 0 });
  });

  it('preserves a synchronous throw of the fetch it wraps', async () => {
    start();
    const err = new Error('sync');
    fake.mockImplementationOnce(() => {
      throw err;
    });
    expect(() => fetch('https://api.test/')).toThrow(err);
    expect(spans()[0]).toMatchObject({ status: 'error', error: { name: 'Error', message: 'sync' } });
  });

  it('records an abort as an AbortError', async () => {
    start();
    fake.mockImplementation(
      (_input, init) =>
        new Promise((_resolve, reject) => {
          const signal = init!.signal!;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    );
    const c1 = new AbortController();
    const p1 = fetch('https://llm.test/stream', { signal: c1.signal });
    c1.abort();
    const e1 = await p1.catch((e: unknown) => e);
    expect((e1 as Error).name).toBe('AbortError');
    // A custom reason is what rejects; the span still says AbortError.
    const c2 = new AbortController();
    const p2 = fetch('https://llm.test/stream', { signal: c2.signal });
    c2.abort('player left');
    await expect(p2).rejects.toBe('player left');
    const [a, b] = spans();
    expect(a).toMatchObject({ status: 'error', level: 'warn', error: { name: 'AbortError' } });
    expect(b).toMatchObject({ status: 'error', level: 'warn', error: { name: 'AbortError', message: 'player left' } });
  });

  it('levels: 4xx is a warning, 5xx an error span', async () => {
    start();
    fake.mockResolvedValueOnce(json({}, 404)).mockResolvedValueOnce(json({}, 503));
    const r1 = await fetch('https://api.test/a');
    const r2 = await fetch('https://api.test/b');
    expect([r1.status, r2.status]).toEqual([404, 503]); // resolved, as fetch does
    const [a, b] = spans();
    expect(a).toMatchObject({ level: 'warn', status: 'ok', data: { status: 404, statusText: 'Not Found' } });
    expect(a!.error).toBeUndefined();
    expect(b).toMatchObject({ level: 'error', status: 'error', error: { name: 'HttpError', message: '503 Service Unavailable' } });
  });

  it('captures bodies only when asked: parsed, small, with secret keys redacted', async () => {
    start({ captureBodies: true });
    fake.mockImplementationOnce(async () => (lastResponse = json({ reply: 'hello', session_token: 'tok-1', nested: { apiKey: 'k-1' } })));
    const res = await fetch('https://llm.test/v1/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hi', password: 'hunter2' }),
    });
    expect(res).toBe(lastResponse);
    // The game reads its response as if nothing had happened.
    expect(await res.json()).toEqual({ reply: 'hello', session_token: 'tok-1', nested: { apiKey: 'k-1' } });
    await settle();
    const s = spans()[0]!;
    expect(data(s).requestBody).toEqual({ prompt: 'hi', password: { $t: 'redacted' } });
    expect(data(s).responseBody).toEqual({ reply: 'hello', session_token: { $t: 'redacted' }, nested: { apiKey: { $t: 'redacted' } } });
    expect(s.flags! & FLAG_REDACTED).toBe(FLAG_REDACTED);
    expect(recorded(s)).not.toMatch(/hunter2|tok-1|k-1/);
  });

  it('captures form, URLSearchParams, text and FormData request bodies; sizes of binary ones', async () => {
    start({ captureBodies: true });
    fake.mockImplementation(async () => new Response(null, { status: 204 }));
    await fetch('https://api.test/a', { method: 'POST', body: new URLSearchParams({ user: 'ann', password: 'x1' }) });
    await fetch('https://api.test/b', { method: 'POST', body: 'user=bob&pin=1234' });
    await fetch('https://api.test/c', { method: 'POST', body: 'héllo wörld' });
    const form = new FormData();
    form.append('name', 'save1');
    form.append('file', new Blob(['abc'], { type: 'text/plain' }), 'save.json');
    await fetch('https://api.test/d', { method: 'POST', body: form });
    await fetch('https://api.test/e', { method: 'POST', body: new Uint8Array(12) });
    await fetch('https://api.test/f', { method: 'POST', body: new Blob(['12345']) });
    const d = spans().map(data);
    expect(d[0]).toMatchObject({ requestBody: { user: 'ann', password: { $t: 'redacted' } }, requestBytes: 20 });
    expect(d[1]).toMatchObject({ requestBody: { user: 'bob', pin: { $t: 'redacted' } }, requestBytes: 17 });
    expect(d[2]).toMatchObject({ requestBody: 'héllo wörld', requestBytes: 13 });
    expect(d[3]!.requestBody).toEqual({ name: 'save1', file: { file: 'save.json', size: 3, type: 'text/plain' } });
    expect(d[4]).toMatchObject({ requestBytes: 12 });
    expect(d[4]!.requestBody).toBeUndefined();
    expect(d[5]).toMatchObject({ requestBytes: 5 });
  });

  it('does not read large, unsized-and-large, streaming or binary response bodies', async () => {
    start({ captureBodies: true });
    const big = 'x'.repeat(MAX_BODY_BYTES + 1);
    fake
      .mockResolvedValueOnce(new Response(big, { headers: { 'content-type': 'text/plain', 'content-length': String(big.length) } }))
      .mockResolvedValueOnce(new Response(big, { headers: { 'content-type': 'text/plain' } })) // no length: read up to the cap
      .mockResolvedValueOnce(new Response('data: {}\n\n', { headers: { 'content-type': 'text/event-stream' } }))
      .mockResolvedValueOnce(new Response(new Uint8Array(8), { headers: { 'content-type': 'application/octet-stream' } }))
      .mockResolvedValueOnce(new Response('short text', { headers: { 'content-type': 'text/plain' } }));
    const texts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`https://api.test/${i}`);
      texts.push(await res.text());
    }
    expect(texts[0]).toHaveLength(big.length);
    expect(texts[1]).toHaveLength(big.length); // the game's copy is whole, however far the clone was read
    await settle();
    const d = spans().map(data);
    expect(d.map((x) => x.responseBody)).toEqual([undefined, undefined, undefined, undefined, 'short text']);
    expect(d[0]!.responseBytes).toBe(big.length);
    expect(d[4]!.responseBytes).toBe(10); // no content-length: the length read
  });

  it('writes the span without the body if the body does not come in time, and never delays the game', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    start({ captureBodies: true });
    let push!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
    fake.mockResolvedValueOnce(new Response(stream, { headers: { 'content-type': 'application/json' } }));
    const res = await fetch('https://llm.test/slow');
    push.enqueue(new TextEncoder().encode('{"a":'));
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"a":'); // the game reads as it arrives
    expect(spans()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5_000);
    await vi.waitFor(() => expect(spans()).toHaveLength(1));
    expect(data(spans()[0]).responseBody).toBeUndefined();
    expect(spans()[0]!.status).toBe('ok');
    // The game's stream is unaffected by the clone's cancel.
    push.enqueue(new TextEncoder().encode('1}'));
    push.close();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('1}');
  });

  it('records the CORS type and a redirect (final URL redacted too)', async () => {
    start();
    const res = json({});
    Object.defineProperty(res, 'type', { value: 'cors' });
    Object.defineProperty(res, 'redirected', { value: true });
    Object.defineProperty(res, 'url', { value: 'https://cdn.test/final?sig=abc' });
    fake.mockResolvedValueOnce(res);
    await fetch('https://api.test/start');
    expect(data(spans()[0])).toMatchObject({ type: 'cors', finalUrl: 'https://cdn.test/final?<redacted>' });
  });

  it('ignores data: and blob: URLs and what the ignore option says', async () => {
    start({ ignore: (url) => url.includes('/telemetry') });
    await fetch('data:text/plain,hi');
    await fetch('blob:https://game.test/1234');
    await fetch('https://api.test/telemetry?x=1');
    await fetch('https://api.test/ok');
    expect(fake).toHaveBeenCalledTimes(4);
    expect(spans().map((s) => data(s).url)).toEqual(['https://api.test/ok']);
  });

  it('restores fetch exactly on stop, and traces nothing after', async () => {
    const before = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
    const n = start();
    expect(globalThis.fetch).not.toBe(fake);
    expect(globalThis.fetch.name).toBe(fake.name);
    expect(globalThis.fetch.length).toBe(fake.length);
    n.stop();
    expect(Object.getOwnPropertyDescriptor(globalThis, 'fetch')).toEqual(before);
    expect(globalThis.fetch).toBe(fake);
    await fetch('https://api.test/after');
    expect(spans()).toHaveLength(0);
    n.stop(); // twice is harmless
    // And it can start again.
    n.start();
    await fetch('https://api.test/again');
    expect(spans()).toHaveLength(1);
  });

  it('restores a fetch that was an accessor (or inherited) as it was', async () => {
    const getter = () => fake;
    Object.defineProperty(globalThis, 'fetch', { get: getter, configurable: true, enumerable: false });
    const n = start();
    await fetch('https://api.test/x');
    expect(spans()).toHaveLength(1);
    n.stop();
    expect(Object.getOwnPropertyDescriptor(globalThis, 'fetch')).toEqual({ get: getter, set: undefined, configurable: true, enumerable: false });
  });

  it('does not patch twice: start() again, or a second instance', async () => {
    const n = start();
    const wrapped = globalThis.fetch;
    n.start();
    start();
    expect(globalThis.fetch).toBe(wrapped);
    await fetch('https://api.test/once');
    expect(spans()).toHaveLength(1);
  });

  it('leaves a wrapper that wrapped ours in place on stop, and ours stops tracing', async () => {
    const n = start();
    const ours = globalThis.fetch;
    const theirs = vi.fn((...args: Parameters<typeof fetch>) => ours(...args));
    globalThis.fetch = theirs as unknown as typeof fetch;
    n.stop();
    expect(globalThis.fetch).toBe(theirs);
    await fetch('https://api.test/x');
    expect(theirs).toHaveBeenCalledTimes(1);
    expect(fake).toHaveBeenCalledTimes(1);
    expect(spans()).toHaveLength(0);
  });

  it('never throws into the game when tracing fails; counts it', async () => {
    const broken = new TraceCore({
      write: () => {
        throw new Error('sink down');
      },
    });
    const n = new NetworkSpans(broken, () => 1, () => 0, {
      captureBodies: true,
      ignore: () => {
        throw new Error('bad rule');
      },
    });
    n.start();
    net.push(n);
    const res = await fetch('https://api.test/x', { method: 'POST', body: '{"a":1}' });
    expect(await res.json()).toEqual({ reply: 'hello' });
    await settle();
    expect(broken.counters.internalErrors).toBeGreaterThanOrEqual(2); // the rule, and the span
    // A currentSpan that throws: the request still goes.
    const m = new NetworkSpans(core, () => 1, () => {
      throw new Error('boom');
    });
    n.stop();
    m.start();
    net.push(m);
    await expect(fetch('https://api.test/y')).resolves.toBeInstanceOf(Response);
  });
});

describe('XMLHttpRequest', () => {
  const open = FakeXhr.prototype.open;
  const send = FakeXhr.prototype.send;

  it('records a span at loadend with method, URL, status and sizes; events reach the game as before', () => {
    start();
    current = 3;
    const xhr = new XMLHttpRequest();
    const seen: string[] = [];
    xhr.addEventListener('load', () => seen.push('load'));
    xhr.addEventListener('loadend', () => seen.push(`loadend, spans: ${spans().length}`));
    xhr.open('post', 'https://srv.test/save?slot=2');
    xhr.send(JSON.stringify({ hp: 10, token: 'T9' }));
    xhr.addEventListener('loadend', () => seen.push(`later loadend, spans: ${spans().length}`));
    current = 0;
    expect(spans()).toHaveLength(0); // not before loadend
    (xhr as unknown as FakeXhr).respond(201, '{"ok":true}', { 'content-type': 'application/json', 'content-length': '11' }, 'Created');
    // The game's listeners all run, in their order; ours is one more listener.
    expect(seen).toEqual(['load', 'loadend, spans: 0', 'later loadend, spans: 1']);
    const [s] = spans();
    expect(s).toMatchObject({ type: 'net:xhr', level: 'info', source: 'network', method: 'POST', spanId: 101, parentId: 3, status: 'ok', async: true });
    expect(data(s)).toMatchObject({ url: 'https://srv.test/save?<redacted>', status: 201, statusText: 'Created', requestBytes: 22, responseBytes: 11, contentType: 'application/json' });
    expect(data(s).requestBody).toBeUndefined();
    expect(data(s).responseBody).toBeUndefined();
    expect(recorded(s)).not.toContain('T9');
  });

  it('captures bodies when asked; responseBytes from the text when there is no content-length', () => {
    start({ captureBodies: true });
    const xhr = new XMLHttpRequest() as unknown as FakeXhr;
    xhr.open('POST', 'https://srv.test/login');
    xhr.send('{"user":"ann","password":"pw1"}');
    xhr.respond(200, '{"session_token":"s1","name":"Ann"}', { 'content-type': 'application/json; charset=utf-8' });
    const j = new XMLHttpRequest() as unknown as FakeXhr;
    j.responseType = 'json';
    j.open('GET', 'https://srv.test/me');
    j.send();
    j.respond(200, '{"id":1,"email":"a@b.c"}', { 'content-type': 'application/json' });
    const [a, b] = spans().map(data);
    expect(a).toMatchObject({
      requestBody: { user: 'ann', password: { $t: 'redacted' } },
      responseBody: { session_token: { $t: 'redacted' }, name: 'Ann' },
      responseBytes: 35,
    });
    expect(b!.responseBody).toEqual({ id: 1, email: { $t: 'redacted' } });
    expect(recorded(entries)).not.toMatch(/pw1|"s1"|a@b\.c/);
  });

  it('records errors, timeouts and aborts as error spans', () => {
    start();
    const kinds = ['error', 'timeout', 'abort'] as const;
    for (const k of kinds) {
      const xhr = new XMLHttpRequest() as unknown as FakeXhr;
      xhr.open('GET', `https://srv.test/${k}`);
      xhr.send();
      if (k === 'abort') xhr.abort();
      else xhr.fail(k);
    }
    expect(spans().map((s) => [s.status, s.level, s.error?.name, data(s).status])).toEqual([
      ['error', 'error', 'NetworkError', 0],
      ['error', 'error', 'TimeoutError', 0],
      ['error', 'warn', 'AbortError', 0],
    ]);
  });

  it('handles reuse, open() again mid-flight, send() that throws, and synchronous requests', () => {
    start();
    const xhr = new XMLHttpRequest() as unknown as FakeXhr;
    // Reused: two requests, two spans.
    xhr.open('GET', 'https://srv.test/1');
    xhr.send();
    xhr.respond(200, 'a');
    xhr.open('GET', 'https://srv.test/2');
    xhr.send();
    xhr.respond(200, 'b');
    // open() again while in flight: the first ends as aborted, the second goes on.
    xhr.open('GET', 'https://srv.test/3');
    xhr.send();
    xhr.open('GET', 'https://srv.test/4');
    xhr.send();
    xhr.respond(200, 'd');
    // send() twice: the second throws as before, the first is still traced.
    xhr.open('GET', 'https://srv.test/5');
    xhr.send();
    expect(() => xhr.send()).toThrow(/not opened/);
    xhr.respond(200, 'e');
    // A bad open throws as before and records nothing.
    expect(() => xhr.open('BAD METHOD', 'https://srv.test/6')).toThrow(SyntaxError);
    // Synchronous: loadend fires inside send().
    FakeXhr.syncAnswer = (x) => x.respond(200, 'sync');
    xhr.open('GET', 'https://srv.test/7', false);
    xhr.send();
    const rows = spans().map((s) => [data(s).url.slice(-1), s.status, s.error?.name ?? '', s.async ?? false]);
    expect(rows).toEqual([
      ['1', 'ok', '', true],
      ['2', 'ok', '', true],
      ['3', 'error', 'AbortError', true],
      ['4', 'ok', '', true],
      ['5', 'error', 'InvalidStateError', true], // the refused second send
      ['5', 'ok', '', true],
      ['7', 'ok', '', false],
    ]);
    expect(data(spans()[6]).sync).toBe(true);
  });

  it('records the final URL after a redirect, and ignores what it is told to', () => {
    start({ ignore: (u) => u.endsWith('/ping') });
    const xhr = new XMLHttpRequest() as unknown as FakeXhr;
    xhr.open('GET', 'https://srv.test/old#frag');
    xhr.send();
    xhr.respond(200, '', {}, '', 'https://srv.test/old');
    xhr.open('GET', 'https://srv.test/a');
    xhr.send();
    xhr.respond(200, '', {}, '', 'https://srv.test/b?t=1');
    xhr.open('GET', 'https://srv.test/ping');
    xhr.send();
    xhr.respond(200, '');
    const d = spans().map(data);
    expect(d.map((x) => x.finalUrl)).toEqual([undefined, 'https://srv.test/b?<redacted>']);
  });

  it('restores open and send exactly on stop, and does not patch twice', () => {
    const o = Object.getOwnPropertyDescriptor(FakeXhr.prototype, 'open');
    const s = Object.getOwnPropertyDescriptor(FakeXhr.prototype, 'send');
    const n = start();
    const wrappedOpen = FakeXhr.prototype.open;
    expect(wrappedOpen).not.toBe(open);
    start();
    n.start();
    expect(FakeXhr.prototype.open).toBe(wrappedOpen);
    const xhr = new XMLHttpRequest() as unknown as FakeXhr;
    xhr.open('GET', 'https://srv.test/x');
    xhr.send();
    xhr.respond(200, '');
    expect(spans()).toHaveLength(1);
    for (const x of net) x.stop();
    expect(Object.getOwnPropertyDescriptor(FakeXhr.prototype, 'open')).toEqual(o);
    expect(Object.getOwnPropertyDescriptor(FakeXhr.prototype, 'send')).toEqual(s);
    expect(FakeXhr.prototype.send).toBe(send);
  });

  it('can leave fetch or XHR alone', () => {
    const n = start({ xhr: false, fetch: true });
    expect(FakeXhr.prototype.open).toBe(open);
    n.stop();
    start({ fetch: false });
    expect(globalThis.fetch).toBe(fake);
    expect(FakeXhr.prototype.open).not.toBe(open);
  });
});

describe('helpers', () => {
  it('redactUrl: keeps the path, cuts the query and hash, and URLs it cannot parse', () => {
    const never = () => false;
    expect(redactUrl('https://a.test/p?x=1', false, never).url).toBe('https://a.test/p?<redacted>');
    expect(redactUrl('https://a.test/p?', false, never).url).toBe('https://a.test/p');
    expect(redactUrl('not a url?secret=1#x', false, never).url).toBe('not a url?<redacted>#<redacted>');
    expect(redactUrl('https://a.test/p?a=1&b&c=%20x', true, never)).toEqual({ url: 'https://a.test/p?a=1&b&c=%20x', redacted: false });
    expect(redactUrl('https://a.test/p?api%5Fkey=1', true, (k) => k === 'api_key').url).toBe('https://a.test/p?api%5Fkey=<redacted>');
  });

  it('utf8Length agrees with the encoder', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => utf8Length(s) === Buffer.byteLength(s, 'utf8')),
    );
    expect(utf8Length('\ud800')).toBe(3); // a lone surrogate is written as U+FFFD
  }, 30_000); // 100 random strings: ~0.85 s alone, once past Vitest's 5 s default on a loaded 2-core machine
});
