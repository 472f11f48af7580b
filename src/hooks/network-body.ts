/**
 * Request and response bodies of network spans: their sizes, and with
 * captureBodies small copies (JSON parsed, forms as objects so that secret
 * keys are redacted, text cut short). A response is read from a clone, in
 * the background, bounded in bytes and in time.
 */
import type { CopyLimits } from '../core/safe-copy';

/** Largest response body read (and request body parsed) with captureBodies. */
export const MAX_BODY_BYTES = 16_384;
/** How long a response body is waited for before the span is written without it. */
export const BODY_WAIT_MS = 5_000;
/** Copy limits for bodies: spans are many, bodies are for a glance. */
export const BODY_LIMITS = { maxDepth: 4, maxBytes: 4_096, maxString: 512, maxKeys: 50 } as const;

/** The core's copy, with the body limits (TraceCore.copy). */
export type CopyBody = (value: unknown, limits: CopyLimits) => { value: unknown; flags: number };

/** What a request body gives a span. */
export interface RequestBody {
  bytes?: number;
  body?: unknown;
  flags: number;
}

/** Sizes (and, with `capture`, a copy) of a request body; throws what reading it throws. */
export function requestBodyOf(body: unknown, capture: boolean, copy: CopyBody, limits: CopyLimits, contentType: () => string | null): RequestBody {
  const out: RequestBody = { flags: 0 };
  const keep = (c: { value: unknown; flags: number }) => {
    out.body = c.value;
    out.flags |= c.flags;
  };
  if (typeof body === 'string') {
    out.bytes = utf8Length(body);
    if (capture && body.length <= MAX_BODY_BYTES) {
      let ct: string | null = null;
      try {
        ct = contentType();
      } catch {
        /* unreadable headers: sniff */
      }
      keep(copyBodyText(body, textKind(ct) ?? sniff(body), copy, limits));
    }
  } else if (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) {
    out.bytes = body.toString().length;
    if (capture) keep(copy(paramsObject(body), limits));
  } else if (typeof Blob !== 'undefined' && body instanceof Blob) {
    out.bytes = body.size;
  } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    out.bytes = body.byteLength;
  } else if (typeof FormData !== 'undefined' && body instanceof FormData) {
    if (capture) keep(copy(formObject(body), limits));
  }
  // ReadableStream, Document and the rest: neither size nor body.
  return out;
}

/** A body's text as data: JSON parsed, a form as an object (so secret keys are redacted), else the text cut short. */
export function copyBodyText(text: string, kind: 'json' | 'form' | 'text', copy: CopyBody, limits: CopyLimits): { value: unknown; flags: number } {
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
  return copy(value, limits);
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

export function contentLength(h: string | null): number | undefined {
  return h && /^\s*\d+\s*$/.test(h) ? Number(h) : undefined;
}

/** Which bodies are read as text: JSON, forms and text (not event streams). */
export function textKind(ct: string | null | undefined): 'json' | 'form' | 'text' | undefined {
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
export async function readSmall(res: Response, max: number, waitMs: number): Promise<{ text?: string; bytes: number }> {
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
