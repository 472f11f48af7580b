/**
 * What a network span records of a URL: absolute, without credentials, the
 * query string and hash redacted (or, with captureQuery, the values of the
 * parameters that look secret).
 */
import { redactsKey, type CopyLimits } from '../core/safe-copy';

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

/** Whether a query parameter's value is redacted: by its name here, or by the core's `redactKeys`. */
export function isSecretParam(limits: CopyLimits, key: string, value: string): boolean {
  return URL_SECRET_PARAMS.test(key) || redactsKey(limits, key, value);
}

/** The URL resolved against the document (or the page's location). */
export function absolute(raw: string): string {
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
