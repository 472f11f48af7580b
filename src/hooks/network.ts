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
 *
 * URLs are redacted in network-url.ts, bodies read and copied in
 * network-body.ts, the wrappers put on and taken off by patch.ts. What stays
 * here (~550 lines) is the one job of turning a request into its span: fetch
 * and XHR share its Pending/Outcome and `finish`, and split apart they would
 * each need the other's half.
 */
import type { TraceCore } from '../core/agent';
import { FLAG_REDACTED, FLAG_TRUNCATED, type Level, type SpanError } from '../core/entry';
import type { CopyLimits } from '../core/safe-copy';
import { roundMicros } from '../core/clock';
import { BODY_LIMITS, BODY_WAIT_MS, contentLength, copyBodyText, MAX_BODY_BYTES, readSmall, requestBodyOf, textKind, utf8Length } from './network-body';
import { absolute, isSecretParam, redactUrl } from './network-url';
import { isPatchWrapper, patchMethod, restoreAll, type Patch, type Traced } from './patch';
import { isErrorLike, spanError } from './span-error';

// For the tests and the entry: what used to live here.
export { MAX_BODY_BYTES, utf8Length } from './network-body';
export { redactUrl } from './network-url';

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
        this.patch(g, 'fetch', this.tracedFetch);
      }
      const proto = typeof g.XMLHttpRequest === 'function' ? (g.XMLHttpRequest.prototype as unknown) : undefined;
      if (this.options.xhr !== false && proto && typeof proto === 'object') {
        this.patch(proto, 'open', this.tracedOpen);
        this.patch(proto, 'send', this.tracedSend);
      }
    } catch {
      this.core.counters.internalErrors++;
    }
  }

  /**
   * Restores what start() replaced, exactly (the same descriptors), where our
   * wrapper is still in place (patch.ts): one that something else has since
   * wrapped in turn is left in place, and passes calls through untraced.
   */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    restoreAll(this.patches);
    this.patches = [];
  }

  private patch(holder: object, key: string, traced: Traced): void {
    const orig = (holder as Record<string, unknown>)[key];
    if (typeof orig !== 'function' || isPatchWrapper(orig)) return; // absent, or traced already
    try {
      this.patches.push(patchMethod(holder, key, orig, traced));
    } catch {
      /* not writable: left alone */
    }
  }

  // ---- fetch --------------------------------------------------------------

  private readonly tracedFetch: Traced = (orig, that, args) => {
    let p: Pending | undefined;
    try {
      p = this.beginFetch(args[0], args[1] as RequestInit | null | undefined);
    } catch {
      this.core.counters.internalErrors++;
    }
    if (!p) return Reflect.apply(orig, that, args);
    const pending = p;
    let result: unknown;
    try {
      result = Reflect.apply(orig, that, args);
    } catch (err) {
      this.fail(pending, err);
      throw err;
    }
    if (!(result instanceof Promise)) {
      // Another fetch (a polyfill) returned something else: watch it from the side.
      try {
        Promise.resolve(result).then(
          (res) => this.endFetch(pending, res),
          (err) => this.fail(pending, err),
        );
      } catch {
        this.core.counters.internalErrors++;
      }
      return result;
    }
    // An equivalent promise: the same Response, the same rejection (still
    // unhandled if the game does not handle it). Our callback runs before
    // the game's, so a clone taken in it sees an unread body.
    return result.then(
      (res: unknown) => {
        this.endFetch(pending, res);
        return res;
      },
      (err: unknown) => {
        this.fail(pending, err);
        throw err;
      },
    );
  };

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

  private readonly tracedOpen: Traced = (orig, that, args) => {
    const r = Reflect.apply(orig, that, args); // throws as before, and then nothing is recorded
    try {
      this.opened(that as object, args);
    } catch {
      this.core.counters.internalErrors++;
    }
    return r;
  };

  private readonly tracedSend: Traced = (orig, that, args) => {
    const xhr = that as object;
    let st: XhrState | undefined;
    let p: Pending | undefined;
    try {
      st = this.xhrStates.get(xhr);
      if (st && !st.ignored) p = this.beginXhr(xhr, st, args[0]);
    } catch {
      this.core.counters.internalErrors++;
    }
    const prev = st?.pending;
    if (st && p) st.pending = p;
    try {
      // A synchronous request fires its loadend inside this call.
      return Reflect.apply(orig, that, args);
    } catch (err) {
      if (st && p) {
        // Not sent (not opened, sent already) or a synchronous request that failed.
        if (st.pending === p) st.pending = prev && !prev.done ? prev : undefined;
        this.fail(p, err);
      }
      throw err;
    }
  };

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
    return isSecretParam(this.core.limits, key, value);
  }

  /** Sizes (and, with captureBodies, a copy) of a request body (network-body.ts). */
  private requestBody(p: Pending, body: unknown, contentType: () => string | null): void {
    try {
      const r = requestBodyOf(body, this.captureBodies, this.copy, this.bodyLimits, contentType);
      p.requestBytes = r.bytes;
      p.requestBody = r.body;
      p.flags |= r.flags;
    } catch {
      this.core.counters.internalErrors++;
    }
  }

  private readonly copy = (value: unknown, limits: CopyLimits) => this.core.copy(value, limits);

  private copyText(text: string, kind: 'json' | 'form' | 'text'): { value: unknown; flags: number } {
    return copyBodyText(text, kind, this.copy, this.bodyLimits);
  }

  private fail(p: Pending, err: unknown): void {
    const tEnd = this.core.elapsed();
    let error: SpanError;
    let aborted = false;
    try {
      error = spanError(err); // the one rule for thrown values (span-error.ts)
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
