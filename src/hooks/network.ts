/**
 * Network calls as spans: patches `fetch` and `XMLHttpRequest.prototype.open`
 * and `send` so that every request the game makes (an NPC asking an LLM, a
 * save sent to a game server) becomes one `net:fetch` or `net:xhr` span, a
 * child of the span that was running when the request started.
 *
 * What is recorded: method, URL (absolute, credentials removed, the query
 * string and hash redacted unless `captureQuery`), status, sizes, duration,
 * the response's content-type and CORS type. Never a header other than
 * content-type and content-length. Bodies only with `captureBodies`, copied
 * with small limits (secret keys redacted); a response body is read from a
 * clone in the background, never delaying the game's own read.
 *
 * The game sees no difference: fetch resolves to the very Response it would
 * have, rejects with the very error; XHR events fire as before. A failure of
 * the tracer is counted in `internalErrors`, never thrown into the game.
 *
 * `dur` of a fetch span ends when the fetch promise settles (the response
 * headers arrived); of an XHR span, at `loadend` (the whole body arrived).
 */
import type { TraceCore } from '../core/agent';
import { FLAG_REDACTED, FLAG_TRUNCATED, type Level, type SpanError } from '../core/entry';
import { redactsKey, type CopyLimits } from '../core/safe-copy';
import { roundMicros } from '../core/clock';
import { errorMessage } from '../core/errors';

export interface NetworkOptions {
  /** Trace `fetch` (default true). */
  fetch?: boolean;
  /** Trace `XMLHttpRequest` (default true). */
  xhr?: boolean;
  /** Keep the query string and hash, with the values of secret-looking parameters redacted (default false: `?<redacted>`). */
  captureQuery?: boolean;
  /** Copy small request and response bodies into the span (default false). */
  captureBodies?: boolean;
  /** Requests to leave untraced; gets the absolute URL, unredacted. `data:` and `blob:` URLs are never traced. */
  ignore?: (url: string) => boolean;
}

/** What a network span carries in `data`. */
export interface NetworkData {
  /** Absolute; credentials removed; query and hash redacted unless captureQuery. */
  url: string;
  /** HTTP status; 0 for a network error, an abort, or an opaque (no-cors) response. */
  status: number;
  statusText?: string;
  requestBytes?: number;
  /** From content-length (as sent, maybe compressed), else the length of the body read. */
  responseBytes?: number;
  /** The response type when not plain: cors, opaque, opaqueredirect, error. */
  type?: string;
  /** The response's content-type. */
  contentType?: string;
  /** The final URL (redacted the same way) when the request was redirected. */
  finalUrl?: string;
  /** Synchronous XHR (the page blocked on it). */
  sync?: boolean;
  requestBody?: unknown;
  responseBody?: unknown;
}

/** Largest response body read (and request body parsed) with captureBodies. */
export const MAX_BODY_BYTES = 16_384;
/** How long a response body is waited for before the span is written without it. */
const BODY_WAIT_MS = 5_000;
/** Copy limits for bodies: spans are many, bodies are for a glance. */
const BODY_LIMITS = { maxDepth: 4, maxBytes: 4_096, maxString: 512, maxKeys: 50 } as const;
/**
 * Query parameters whose values are redacted even with captureQuery, on top
 * of the core's `redactKeys` (which catches `password`, `access_token`,
 * `api_key`, ...): `key`, `sig`, `signature`, `token`, `secret`, `session`,
 * `sid`, `credential`, `auth`, also after a `-`, `_` or `.` (`X-Amz-Signature`,
 * `hub.verify_token`, `client_key`).
 */
const URL_SECRET_PARAMS = /(^|[-_.])(key|sig|signature|token|secret|session(id)?|sid|credential|auth|password|pwd)$/i;

const REDACTED = '<redacted>';
const MAX_URL = 2_048;

/** Every wrapper we install, across instances: never wrap a wrapper of ours. */
const ours = new WeakSet<Function>();

type Api = 'fetch' | 'xhr';

interface Pending {
  api: Api;
  method: string;
  url: string;
  /** The absolute URL unredacted: compared, never recorded. */
  raw: string;
  spanId: number;
  parentId: number;
  /** core.elapsed() at the start. */
  t0: number;
  flags: number;
  sync: boolean;
  requestBytes: number | undefined;
  requestBody: unknown;
  signal: AbortSignal | undefined;
  /** The failure event an XHR saw before loadend. */
  failure: string | undefined;
  done: boolean;
}

interface Outcome {
  tEnd: number;
  status: number;
  statusText?: string;
  type?: string;
  contentType?: string;
  responseBytes?: number;
  finalUrl?: string;
  responseBody?: unknown;
  flags?: number;
  error?: SpanError;
  aborted?: boolean;
}

interface XhrState {
  url: string;
  method: string;
  sync: boolean;
  /** Ignored by rule: send passes through. */
  ignored: boolean;
  pending: Pending | undefined;
}

interface Patch {
  holder: object;
  key: string;
  before: PropertyDescriptor | undefined;
  wrapper: Function;
}

export class NetworkSpans {
  private active = false;
  private patches: Patch[] = [];
  private readonly captureQuery: boolean;
  private readonly captureBodies: boolean;
  private readonly xhrStates = new WeakMap<object, XhrState>();
  private readonly bodyLimits: CopyLimits;

  constructor(
    private readonly core: TraceCore,
    private readonly nextSpanId: () => number,
    private readonly currentSpan: () => number,
    private readonly options: NetworkOptions = {},
  ) {
    this.captureQuery = options.captureQuery ?? false;
    this.captureBodies = options.captureBodies ?? false;
    this.bodyLimits = { ...core.limits, ...BODY_LIMITS };
  }

  /** Whether requests are being traced. */
  get running(): boolean {
    return this.active;
  }

  /** Patches fetch and XHR (those enabled and present). Calling it again does nothing. */
  start(): void {
    if (this.active) return;
    this.active = true;
    const g = globalThis as { fetch?: unknown; XMLHttpRequest?: unknown };
    try {
      if (this.options.fetch !== false && typeof g.fetch === 'function') {
        this.patch(g, 'fetch', (orig) => this.wrapFetch(orig));
      }
      const proto = typeof g.XMLHttpRequest === 'function' ? (g.XMLHttpRequest.prototype as unknown) : undefined;
      if (this.options.xhr !== false && proto && typeof proto === 'object') {
        this.patch(proto, 'open', (orig) => this.wrapOpen(orig));
        this.patch(proto, 'send', (orig) => this.wrapSend(orig));
      }
    } catch {
      this.core.counters.internalErrors++;
    }
  }

  /**
   * Restores what start() replaced, exactly (the same descriptors). A wrapper
   * that something else has since wrapped in turn is left in place, and
   * passes calls through untraced.
   */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    for (const p of this.patches.reverse()) {
      try {
        const now = Object.getOwnPropertyDescriptor(p.holder, p.key);
        const current = now ? now.value : (p.holder as Record<string, unknown>)[p.key];
        if (current !== p.wrapper) continue; // wrapped again by someone else: ours stays, inert
        if (p.before) Object.defineProperty(p.holder, p.key, p.before);
        else delete (p.holder as Record<string, unknown>)[p.key];
      } catch {
        this.core.counters.internalErrors++;
      }
    }
    this.patches = [];
  }

  private patch(holder: object, key: string, make: (orig: Function) => Function): void {
    const before = Object.getOwnPropertyDescriptor(holder, key);
    const orig = (holder as Record<string, unknown>)[key];
    if (typeof orig !== 'function' || ours.has(orig)) return; // absent, or traced already
    if (before && !before.configurable && !before.writable) return;
    const wrapper = make(orig);
    Object.defineProperty(wrapper, 'name', { value: orig.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: orig.length, configurable: true });
    ours.add(wrapper);
    if (before && !before.configurable) (holder as Record<string, unknown>)[key] = wrapper;
    else {
      Object.defineProperty(holder, key, {
        value: wrapper,
        writable: before?.writable ?? true,
        enumerable: before?.enumerable ?? false,
        configurable: true,
      });
    }
    this.patches.push({ holder, key, before, wrapper });
  }

  // ---- fetch --------------------------------------------------------------

  private wrapFetch(orig: Function): Function {
    const self = this;
    return function fetch(this: unknown, ...args: unknown[]): unknown {
      if (!self.active) return Reflect.apply(orig, this, args);
      let p: Pending | undefined;
      try {
        p = self.beginFetch(args[0], args[1] as RequestInit | null | undefined);
      } catch {
        self.core.counters.internalErrors++;
      }
      if (!p) return Reflect.apply(orig, this, args);
      const pending = p;
      let result: unknown;
      try {
        result = Reflect.apply(orig, this, args);
      } catch (err) {
        self.fail(pending, err);
        throw err;
      }
      if (!(result instanceof Promise)) {
        // Another fetch (a polyfill) returned something else: watch it from the side.
        try {
          Promise.resolve(result).then(
            (res) => self.endFetch(pending, res),
            (err) => self.fail(pending, err),
          );
        } catch {
          self.core.counters.internalErrors++;
        }
        return result;
      }
      // An equivalent promise: the same Response, the same rejection (still
      // unhandled if the game does not handle it). Our callback runs before
      // the game's, so a clone taken in it sees an unread body.
      return result.then(
        (res: unknown) => {
          self.endFetch(pending, res);
          return res;
        },
        (err: unknown) => {
          self.fail(pending, err);
          throw err;
        },
      );
    };
  }

  private beginFetch(input: unknown, init: RequestInit | null | undefined): Pending | undefined {
    const req = typeof Request === 'function' && input instanceof Request ? input : undefined;
    const raw = req ? req.url : input instanceof URL ? input.href : String(input);
    const abs = absolute(raw);
    if (this.ignored(abs)) return undefined;
    const method = String(init?.method ?? req?.method ?? 'GET').toUpperCase();
    const p = this.begin('fetch', method, abs, false);
    const body = init?.body;
    // A Request's own body is not read (that would need a clone of every upload).
    if (body !== undefined && body !== null) {
      this.requestBody(p, body, () => {
        const h = init?.headers ?? req?.headers;
        return h ? new Headers(h).get('content-type') : null;
      });
    }
    p.signal = init?.signal ?? req?.signal ?? undefined;
    return p;
  }

  private endFetch(p: Pending, res: unknown): void {
    let out: Outcome = { tEnd: this.core.elapsed(), status: 0 };
    try {
      if (typeof Response === 'undefined' || !(res instanceof Response)) {
        this.finish(p, out);
        return;
      }
      const ct = res.headers.get('content-type');
      const cl = contentLength(res.headers.get('content-length'));
      out = {
        tEnd: out.tEnd,
        status: res.status,
        statusText: res.statusText || undefined,
        type: res.type && res.type !== 'basic' && res.type !== 'default' ? res.type : undefined,
        contentType: ct ? ct.slice(0, 100) : undefined,
        responseBytes: cl,
        finalUrl: res.redirected && res.url ? this.redact(res.url).url : undefined,
      };
      const kind = this.captureBodies ? textKind(ct) : undefined;
      if (
        kind &&
        res.body &&
        !res.bodyUsed &&
        p.method !== 'HEAD' &&
        res.status !== 204 &&
        res.status !== 304 &&
        (cl === undefined || cl <= MAX_BODY_BYTES)
      ) {
        // Taken now, before the game's code runs: the body is unread.
        const clone = res.clone();
        const o = out;
        readSmall(clone, MAX_BODY_BYTES, BODY_WAIT_MS)
          .then((r) => {
            if (r.text !== undefined) {
              o.responseBytes ??= r.bytes;
              const c = this.copyText(r.text, kind);
              o.responseBody = c.value;
              o.flags = c.flags;
            }
          })
          .catch(() => {
            this.core.counters.internalErrors++;
          })
          .finally(() => this.finish(p, o));
        return;
      }
    } catch {
      this.core.counters.internalErrors++;
    }
    this.finish(p, out);
  }

  // ---- XMLHttpRequest -----------------------------------------------------

  private wrapOpen(orig: Function): Function {
    const self = this;
    return function open(this: object, ...args: unknown[]): unknown {
      const r = Reflect.apply(orig, this, args); // throws as before, and then nothing is recorded
      if (self.active) {
        try {
          self.opened(this, args);
        } catch {
          self.core.counters.internalErrors++;
        }
      }
      return r;
    };
  }

  private wrapSend(orig: Function): Function {
    const self = this;
    return function send(this: object, ...args: unknown[]): unknown {
      let st: XhrState | undefined;
      let p: Pending | undefined;
      if (self.active) {
        try {
          st = self.xhrStates.get(this);
          if (st && !st.ignored) p = self.beginXhr(this, st, args[0]);
        } catch {
          self.core.counters.internalErrors++;
        }
      }
      const prev = st?.pending;
      if (st && p) st.pending = p;
      try {
        // A synchronous request fires its loadend inside this call.
        return Reflect.apply(orig, this, args);
      } catch (err) {
        if (st && p) {
          // Not sent (not opened, sent already) or a synchronous request that failed.
          if (st.pending === p) st.pending = prev && !prev.done ? prev : undefined;
          self.fail(p, err);
        }
        throw err;
      }
    };
  }

  private opened(xhr: object, args: unknown[]): void {
    const old = this.xhrStates.get(xhr);
    if (old?.pending && !old.pending.done) {
      // open() again ends the request in flight without any event.
      this.finish(old.pending, {
        tEnd: this.core.elapsed(),
        status: 0,
        error: { name: 'AbortError', message: 'open() was called again before the request ended' },
        aborted: true,
      });
    }
    const abs = absolute(String(args[1]));
    this.xhrStates.set(xhr, {
      url: abs,
      method: String(args[0]).toUpperCase(),
      sync: args.length > 2 && !args[2],
      ignored: this.ignored(abs),
      pending: undefined,
    });
  }

  private beginXhr(xhr: object, st: XhrState, body: unknown): Pending {
    const p = this.begin('xhr', st.method, st.url, st.sync);
    if (body !== undefined && body !== null) this.requestBody(p, body, () => null);
    const target = xhr as EventTarget;
    // The same listener each time: adding it again is a no-op.
    for (const type of ['error', 'timeout', 'abort', 'loadend']) target.addEventListener(type, this.onXhrEvent);
    return p;
  }

  private readonly onXhrEvent = (ev: Event): void => {
    try {
      // target, not currentTarget: Node's EventTarget loses currentTarget after the first listener.
      const xhr = (ev.target ?? ev.currentTarget) as XMLHttpRequest | null;
      if (!xhr) return;
      const st = this.xhrStates.get(xhr);
      const p = st?.pending;
      if (!st || !p || p.done) return;
      if (ev.type !== 'loadend') {
        p.failure ??= ev.type;
        return;
      }
      st.pending = undefined;
      this.endXhr(xhr, p);
    } catch {
      this.core.counters.internalErrors++;
    }
  };

  private endXhr(xhr: XMLHttpRequest, p: Pending): void {
    const tEnd = this.core.elapsed();
    if (p.failure) {
      const name = p.failure === 'abort' ? 'AbortError' : p.failure === 'timeout' ? 'TimeoutError' : 'NetworkError';
      const message = p.failure === 'abort' ? 'the request was aborted' : p.failure === 'timeout' ? 'the request timed out' : 'the request failed';
      this.finish(p, { tEnd, status: 0, error: { name, message }, aborted: p.failure === 'abort' });
      return;
    }
    const out: Outcome = { tEnd, status: 0 };
    try {
      out.status = xhr.status;
      out.statusText = xhr.statusText || undefined;
      const ct = xhr.getResponseHeader('content-type');
      out.contentType = ct ? ct.slice(0, 100) : undefined;
      out.responseBytes = contentLength(xhr.getResponseHeader('content-length'));
      // responseURL has no fragment: a redirect is a change of anything else.
      if (xhr.responseURL && absolute(xhr.responseURL) !== p.raw.split('#')[0]) out.finalUrl = this.redact(xhr.responseURL).url;
      if (this.captureBodies) {
        const rt = xhr.responseType;
        const kind = textKind(ct);
        if (rt === '' || rt === 'text') {
          const text = xhr.responseText;
          const bytes = utf8Length(text);
          out.responseBytes ??= bytes;
          if (kind && bytes <= MAX_BODY_BYTES && text) {
            const c = this.copyText(text, kind);
            out.responseBody = c.value;
            out.flags = c.flags;
          }
        } else if (rt === 'json' && xhr.response !== null && (out.responseBytes ?? 0) <= MAX_BODY_BYTES) {
          const c = this.core.copy(xhr.response, this.bodyLimits);
          out.responseBody = c.value;
          out.flags = c.flags;
        }
      }
    } catch {
      this.core.counters.internalErrors++;
    }
    this.finish(p, out);
  }

  // ---- shared -------------------------------------------------------------

  private ignored(abs: string): boolean {
    if (/^(data|blob):/i.test(abs)) return true;
    const rule = this.options.ignore;
    if (!rule) return false;
    try {
      return !!rule(abs);
    } catch {
      this.core.counters.internalErrors++;
      return false;
    }
  }

  private begin(api: Api, method: string, abs: string, sync: boolean): Pending {
    const { url, redacted } = this.redact(abs);
    return {
      api,
      method,
      url,
      raw: abs,
      spanId: this.nextSpanId(),
      parentId: this.currentSpan(),
      t0: this.core.elapsed(),
      flags: redacted ? FLAG_REDACTED : 0,
      sync,
      requestBytes: undefined,
      requestBody: undefined,
      signal: undefined,
      failure: undefined,
      done: false,
    };
  }

  private redact(abs: string): { url: string; redacted: boolean } {
    return redactUrl(abs, this.captureQuery, (k, v) => this.isSecretParam(k, v));
  }

  private isSecretParam(key: string, value: string): boolean {
    return URL_SECRET_PARAMS.test(key) || redactsKey(this.core.limits, key, value);
  }

  /** Sizes (and, with captureBodies, a copy) of a request body. */
  private requestBody(p: Pending, body: unknown, contentType: () => string | null): void {
    try {
      if (typeof body === 'string') {
        p.requestBytes = utf8Length(body);
        if (this.captureBodies && body.length <= MAX_BODY_BYTES) {
          let ct: string | null = null;
          try {
            ct = contentType();
          } catch {
            /* unreadable headers: sniff */
          }
          const c = this.copyText(body, textKind(ct) ?? sniff(body));
          p.requestBody = c.value;
          p.flags |= c.flags;
        }
      } else if (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) {
        const text = body.toString();
        p.requestBytes = text.length;
        if (this.captureBodies) this.setRequestCopy(p, paramsObject(body));
      } else if (typeof Blob !== 'undefined' && body instanceof Blob) {
        p.requestBytes = body.size;
      } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
        p.requestBytes = body.byteLength;
      } else if (typeof FormData !== 'undefined' && body instanceof FormData) {
        if (this.captureBodies) this.setRequestCopy(p, formObject(body));
      }
      // ReadableStream, Document and the rest: neither size nor body.
    } catch {
      this.core.counters.internalErrors++;
    }
  }

  private setRequestCopy(p: Pending, value: unknown): void {
    const c = this.core.copy(value, this.bodyLimits);
    p.requestBody = c.value;
    p.flags |= c.flags;
  }

  /** A body's text as data: JSON parsed, a form as an object (so secret keys are redacted), else the text cut short. */
  private copyText(text: string, kind: 'json' | 'form' | 'text'): { value: unknown; flags: number } {
    let value: unknown = text;
    if (kind === 'json') {
      try {
        value = JSON.parse(text);
      } catch {
        /* not JSON after all: the text */
      }
    } else if (kind === 'form') {
      value = paramsObject(new URLSearchParams(text));
    }
    return this.core.copy(value, this.bodyLimits);
  }

  private fail(p: Pending, err: unknown): void {
    const tEnd = this.core.elapsed();
    let error: SpanError;
    let aborted = false;
    try {
      error = toSpanError(err);
      aborted = error.name === 'AbortError' || !!p.signal?.aborted;
      if (aborted && !isErrorLike(err)) error = { name: 'AbortError', message: error.message };
    } catch {
      error = { name: 'Error', message: 'unprintable error' };
    }
    this.finish(p, { tEnd, status: 0, error, aborted });
  }

  /** Writes the span, once. */
  private finish(p: Pending, o: Outcome): void {
    if (p.done) return;
    p.done = true;
    try {
      const httpError = !o.error && o.status >= 500;
      const failed = !!o.error || httpError;
      const level: Level = o.error ? (o.aborted ? 'warn' : 'error') : o.status >= 500 ? 'error' : o.status >= 400 ? 'warn' : 'info';
      const data: NetworkData = {
        url: p.url,
        status: o.status,
        statusText: o.statusText,
        requestBytes: p.requestBytes,
        responseBytes: o.responseBytes,
        type: o.type,
        contentType: o.contentType,
        finalUrl: o.finalUrl,
        sync: p.sync || undefined,
        requestBody: p.requestBody,
        responseBody: o.responseBody,
      };
      const flags = (p.flags | (o.flags ?? 0)) & (FLAG_TRUNCATED | FLAG_REDACTED);
      this.core.emit({
        kind: 'agent',
        type: p.api === 'fetch' ? 'net:fetch' : 'net:xhr',
        level,
        source: 'network',
        method: p.method,
        spanId: p.spanId,
        parentId: p.parentId || undefined,
        data,
        dur: roundMicros(Math.max(0, o.tEnd - p.t0)),
        ts: o.tEnd,
        status: failed ? 'error' : 'ok',
        error: o.error ?? (httpError ? { name: 'HttpError', message: `${o.status} ${o.statusText ?? ''}`.trim() } : undefined),
        async: p.sync ? undefined : true,
        flags: flags || undefined,
      });
    } catch {
      this.core.counters.internalErrors++;
    }
  }
}

// ---- helpers (exported for tests) -------------------------------------------

/** The URL resolved against the document (or the page's location). */
function absolute(raw: string): string {
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  const base = g.document?.baseURI || g.location?.href;
  try {
    return (base ? new URL(raw, base) : new URL(raw)).href;
  } catch {
    return raw;
  }
}

/**
 * Removes credentials; redacts the query string and the hash (`?<redacted>`),
 * or with `captureQuery` only the values of the parameters `isSecret` names.
 */
export function redactUrl(abs: string, captureQuery: boolean, isSecret: (key: string, value: string) => boolean): { url: string; redacted: boolean } {
  let head: string;
  let search: string;
  let hash: string;
  let redacted = false;
  try {
    const u = new URL(abs);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      redacted = true;
    }
    search = u.search;
    hash = u.hash;
    u.search = '';
    u.hash = '';
    head = u.href;
  } catch {
    // Not a URL we can parse: cut it by hand.
    const h = abs.indexOf('#');
    hash = h >= 0 ? abs.slice(h) : '';
    const rest = h >= 0 ? abs.slice(0, h) : abs;
    const q = rest.indexOf('?');
    search = q >= 0 ? rest.slice(q) : '';
    head = q >= 0 ? rest.slice(0, q) : rest;
  }
  let url = head;
  if (captureQuery) {
    for (const [mark, part] of [
      ['?', search],
      ['#', hash],
    ] as const) {
      if (part.length <= 1) continue;
      const body = part.slice(1);
      if (mark === '#' && !body.includes('=')) {
        url += part;
        continue;
      }
      const kept = body.split('&').map((pair) => {
        const i = pair.indexOf('=');
        if (i < 0) return pair;
        const key = decode(pair.slice(0, i));
        if (!isSecret(key, decode(pair.slice(i + 1)))) return pair;
        redacted = true;
        return `${pair.slice(0, i)}=${REDACTED}`;
      });
      url += mark + kept.join('&');
    }
  } else {
    if (search.length > 1) url += `?${REDACTED}`;
    if (hash.length > 1) url += `#${REDACTED}`;
  }
  return { url: url.length > MAX_URL ? url.slice(0, MAX_URL) + '…' : url, redacted };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Bytes of a string in UTF-8, without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 4 bytes for 2 code units
      i++;
    } else n += 2;
  }
  return n;
}

function contentLength(h: string | null): number | undefined {
  return h && /^\s*\d+\s*$/.test(h) ? Number(h) : undefined;
}

/** Which bodies are read as text: JSON, forms and text (not event streams). */
function textKind(ct: string | null | undefined): 'json' | 'form' | 'text' | undefined {
  if (!ct) return undefined;
  const mime = ct.split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/json' || mime.endsWith('+json')) return 'json';
  if (mime === 'application/x-www-form-urlencoded') return 'form';
  if (mime === 'text/event-stream') return undefined;
  if (mime.startsWith('text/') || mime === 'application/xml' || mime.endsWith('+xml')) return 'text';
  return undefined;
}

function sniff(s: string): 'json' | 'form' | 'text' {
  const t = s.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return 'json';
  if (/^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$/.test(s)) return 'form';
  return 'text';
}

function setField(o: Record<string, unknown>, k: string, v: unknown): void {
  const had = Object.prototype.hasOwnProperty.call(o, k);
  const value = had ? ([] as unknown[]).concat(o[k], v) : v;
  // defineProperty: a `__proto__` field stays a field.
  Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
}

function paramsObject(params: URLSearchParams): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of params) setField(o, k, v);
  return o;
}

function formObject(form: FormData): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of form) {
    setField(o, k, typeof v === 'string' ? v : { file: (v as File).name, size: v.size, type: v.type });
  }
  return o;
}

/** Reads at most `max` bytes of a (cloned) response; cancels it past that or after `waitMs`. */
async function readSmall(res: Response, max: number, waitMs: number): Promise<{ text?: string; bytes: number }> {
  const reader = res.body!.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, waitMs);
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > max) {
        await reader.cancel().catch(() => {});
        return { bytes };
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) return { bytes };
  const all = new Uint8Array(bytes);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return { text: new TextDecoder().decode(all), bytes };
}

function isErrorLike(err: unknown): err is { name: unknown; message: unknown } {
  return !!err && typeof err === 'object' && 'name' in err && 'message' in err;
}

function toSpanError(err: unknown): SpanError {
  if (isErrorLike(err)) {
    return { name: String(err.name).slice(0, 200), message: String(err.message).slice(0, 2_000) };
  }
  return { name: 'NonError', message: errorMessage(err).slice(0, 1_000) };
}
