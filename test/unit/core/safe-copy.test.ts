import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLAG_REDACTED, FLAG_TRUNCATED } from '../../../src/core/entry';
import { Copier, DEFAULT_LIMITS, safeCopy, type CopyLimits } from '../../../src/core/safe-copy';
import { revive } from '../../../src/export/trace-json';

describe('safeCopy', () => {
  it('copies plain data as it is, detached from the original', () => {
    const src = { a: 1, b: 'x', c: [true, null, { d: 2.5 }] };
    const { value, flags } = safeCopy(src);
    expect(value).toEqual(src);
    expect(value).not.toBe(src);
    src.c.push(false);
    expect((value as typeof src).c).toHaveLength(3);
    expect(flags).toBe(0);
  });

  it('tags what JSON cannot hold, and revive brings it back', () => {
    const err = new RangeError('too far');
    const src = {
      m: new Map<unknown, unknown>([['k', 1], [2, { z: 3n }]]),
      s: new Set(['a', 'b']),
      big: 12345678901234567890n,
      when: new Date('2026-01-02T03:04:05.000Z'),
      nan: Number.NaN,
      inf: -Infinity,
      undef: undefined,
      err,
    };
    const { value } = safeCopy(src);
    const json = JSON.parse(JSON.stringify(value));
    const back = revive(json) as typeof src;
    expect(back.m).toBeInstanceOf(Map);
    expect(back.m.get('k')).toBe(1);
    expect((back.m.get(2) as { z: bigint }).z).toBe(3n);
    expect(back.s).toEqual(new Set(['a', 'b']));
    expect(back.big).toBe(12345678901234567890n);
    expect(back.when.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(back.nan).toBeNaN();
    expect(back.inf).toBe(-Infinity);
    expect('undef' in back && back.undef === undefined).toBe(true);
    expect(back.err).toBeInstanceOf(Error);
    expect(back.err.name).toBe('RangeError');
    expect(back.err.message).toBe('too far');
  });

  it('describes cycles with the path of the object they return to', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    a['child'] = { up: a, list: [a] };
    const { value } = safeCopy(a);
    expect(value).toEqual({
      name: 'a',
      self: { $t: 'cycle', path: '$' },
      child: { up: { $t: 'cycle', path: '$' }, list: [{ $t: 'cycle', path: '$' }] },
    });
    const shared = { x: 1 };
    expect(safeCopy({ p: shared, q: shared }).value).toEqual({ p: { x: 1 }, q: { x: 1 } });
  });

  it('names functions, symbols and DOM-like nodes instead of copying them', () => {
    function handler() {}
    // Shaped like a DOM element: an instance of a class, as every node is.
    class FakeElement {
      nodeType = 1;
      nodeName = 'CANVAS';
      id = 'game';
      className = 'big';
    }
    const node = new FakeElement();
    const { value } = safeCopy({ f: handler, s: Symbol('tag'), node, anon: () => 1 });
    expect(value).toEqual({
      f: { $t: 'fn', name: 'handler' },
      s: { $t: 'symbol', v: 'tag' },
      node: { $t: 'node', name: 'canvas', id: 'game', class: 'big' },
      anon: { $t: 'fn', name: 'anon' },
    });
    // A plain object that only looks like a node is data, copied as it is.
    expect(safeCopy({ nodeType: 1, nodeName: 'X' }).value).toEqual({ nodeType: 1, nodeName: 'X' });
  });

  it('never throws: getters that throw, revoked proxies, hostile objects', () => {
    const bad = {
      ok: 1,
      get boom(): number {
        throw new Error('getter exploded');
      },
    };
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const { value, flags } = safeCopy({ bad, proxy });
    expect((value as { bad: unknown }).bad).toEqual({ ok: 1, boom: { $t: 'throws', message: 'getter exploded' } });
    expect((value as { proxy: { $t: string } }).proxy.$t).toBe('throws');
    expect(flags & FLAG_TRUNCATED).toBe(FLAG_TRUNCATED);
  });

  it('cuts long strings, deep nesting, long arrays and big objects, and flags it', () => {
    const limits = { ...DEFAULT_LIMITS, maxString: 10, maxDepth: 3, maxKeys: 5, maxBytes: 10_000 };
    const deep = { a: { b: { c: { d: 1 } } } };
    const { value, flags } = safeCopy(
      { s: 'x'.repeat(50), deep, arr: [1, 2, 3, 4, 5, 6, 7], obj: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, i])) },
      { ...limits, maxKeys: 8 },
    );
    const v = value as Record<string, unknown>;
    expect(v['s']).toEqual({ $t: 'str', v: 'x'.repeat(10), n: 50 });
    expect(v['deep']).toEqual({ a: { b: { $t: 'trunc' } } });
    expect(v['arr']).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(v['obj'] as object)).toHaveLength(9); // 8 keys + $more
    expect((v['obj'] as Record<string, unknown>)['$more']).toBe(1);
    expect(flags & FLAG_TRUNCATED).toBe(FLAG_TRUNCATED);
    const arr = safeCopy(Array.from({ length: 300 }, (_, i) => i)).value as unknown[];
    expect(arr).toHaveLength(201);
    expect(arr[200]).toEqual({ $t: 'more', n: 100 });
  });

  it('keeps the copy within the byte budget', () => {
    const big = Array.from({ length: 150 }, (_, i) => ({ id: i, text: 'y'.repeat(200) }));
    const { value, flags } = safeCopy({ big }, { ...DEFAULT_LIMITS, maxBytes: 4_000 });
    expect(JSON.stringify(value).length).toBeLessThan(4_000 + 600);
    expect(flags & FLAG_TRUNCATED).toBe(FLAG_TRUNCATED);
  });

  it('redacts secret keys by default and marks them', () => {
    const { value, flags } = safeCopy({ user: 'ann', password: 'hunter2', nested: { apiKey: 'k', Authorization: 'Bearer x', token: 't' }, tokens: 3 });
    expect(value).toEqual({
      user: 'ann',
      password: { $t: 'redacted' },
      nested: { apiKey: { $t: 'redacted' }, Authorization: { $t: 'redacted' }, token: { $t: 'redacted' } },
      tokens: 3,
    });
    expect(flags & FLAG_REDACTED).toBe(FLAG_REDACTED);
    expect(safeCopy({ password: 'p' }, { ...DEFAULT_LIMITS, redactKeys: null }).value).toEqual({ password: 'p' });
    const secret = ['newPassword', 'user_password', 'authToken', 'auth_token', 'userEmail', 'phoneNumber', 'creditCardNumber', 'x-api-key', 'set-cookie', 'clientSecret', 'auth'];
    const harmless = ['tokens', 'author', 'passes', 'compass', 'pinned', 'maxTokens', 'authored'];
    const keys = (ks: string[]) => Object.fromEntries(ks.map((k) => [k, 1]));
    const v = safeCopy(keys([...secret, ...harmless])).value as Record<string, unknown>;
    expect(secret.filter((k) => (v[k] as { $t?: string }).$t !== 'redacted')).toEqual([]);
    expect(harmless.filter((k) => v[k] !== 1)).toEqual([]);
  });

  it('escapes user objects that look like tags, so revive leaves them alone', () => {
    const src = { $t: 'map', v: [['a', 1]] };
    const { value } = safeCopy({ inner: src });
    expect(value).toEqual({ inner: { $t: 'obj', v: { $t: 'map', v: [['a', 1]] } } });
    expect(revive(JSON.parse(JSON.stringify(value)))).toEqual({ inner: src });
  });

  it('a reused copier resets its flags between copies and survives re-entry', () => {
    const c = new Copier();
    c.copy({ password: 'x' });
    expect(c.flags).toBe(FLAG_REDACTED);
    c.copy({ a: 1 });
    expect(c.flags).toBe(0);
    let inner: unknown;
    const tricky = {
      get g() {
        inner = c.copy({ nested: true }); // a getter that logs while being copied
        return 1;
      },
    };
    expect(c.copy(tricky)).toEqual({ g: 1 });
    expect(inner).toEqual({ nested: true });
  });
});

describe('the fast path for plain data', () => {
  const tight: CopyLimits = { ...DEFAULT_LIMITS, maxDepth: 3, maxBytes: 300, maxString: 20, maxKeys: 5 };

  it('gives exactly the copy and flags of the full walk, for any value and limits', () => {
    const copier = new Copier();
    const check = (v: unknown, lim: CopyLimits) => {
      const fast = copier.copy(v, lim);
      const fastFlags = copier.flags;
      const full = copier.copyFull(v, lim);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(full));
      expect(fastFlags).toBe(copier.flags);
    };
    fc.assert(
      fc.property(fc.anything({ maxDepth: 5, withNullPrototype: true, withObjectString: true }), fc.boolean(), (v, small) => check(v, small ? tight : DEFAULT_LIMITS)),
      { numRuns: 2_000 },
    );
    // What the fast path must hand over: secrets, tags, non-finite numbers, long strings, depth, size.
    for (const v of [
      { password: 'x' },
      { $t: 'map' },
      { n: NaN },
      { s: 'y'.repeat(50) },
      { a: { b: { c: { d: 1 } } } },
      { k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6 },
      JSON.parse('{"__proto__": {"x": 1}}') as unknown,
      [1, , 3],
      { a: undefined, b: 1 },
      { ['x'.repeat(290)]: 1, e: {} }, // the budget runs out just before a container
    ]) {
      check(v, tight);
    }
    // Booleans cost the same in both paths (found by review: 7 x 200 of them crossed the budget in one only).
    check(Array.from({ length: 7 }, () => Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, true]))), { ...DEFAULT_LIMITS, maxKeys: 1_000 });
  });

  it('keeps an own __proto__ key as data, never as the copy\'s prototype', () => {
    const { value } = safeCopy(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });
});

describe('a user redaction rule', () => {
  it('redacts what it says, after the key pattern, and redacts when it throws', () => {
    const lim: CopyLimits = { ...DEFAULT_LIMITS, redact: (key, value) => key === 'nick' || value === 'secret-ish' || (key === 'boom' && (() => { throw new Error('x'); })()) };
    const { value, flags } = safeCopy({ nick: 'ann', note: 'secret-ish', boom: 1, ok: 2, nested: { nick: 'b' } }, lim);
    expect(value).toEqual({ nick: { $t: 'redacted' }, note: { $t: 'redacted' }, boom: { $t: 'redacted' }, ok: 2, nested: { nick: { $t: 'redacted' } } });
    expect(flags).toBe(FLAG_REDACTED);
  });
});
