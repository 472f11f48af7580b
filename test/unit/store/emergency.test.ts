import { afterEach, describe, expect, it } from 'vitest';
import { clearEmergency, emergencyKey, loadEmergency, saveEmergency } from '../../../src/store/emergency';
import { batchOf, entry, MemoryStorage } from './helpers';

// What a page may do after the agent started: each test breaks one builtin and restores it.
const proto = Array.prototype as unknown as Record<PropertyKey, unknown>;
const realIterator = Array.prototype[Symbol.iterator];
const realStringify = JSON.stringify;
const realParse = JSON.parse;
const realMap = Array.prototype.map;
const realSlice = Array.prototype.slice;
const realJoin = Array.prototype.join;

function restore(): void {
  delete proto['toJSON'];
  Array.prototype[Symbol.iterator] = realIterator;
  JSON.stringify = realStringify;
  JSON.parse = realParse;
  Array.prototype.map = realMap;
  Array.prototype.slice = realSlice;
  Array.prototype.join = realJoin;
}
afterEach(restore);

function batches(): ReturnType<typeof batchOf>[] {
  return [batchOf([entry(1, 'gone'), entry(2, 'gone')]), batchOf([entry(3, 'gone'), entry(4, 'gone')])];
}

function seqsLoaded(storage: MemoryStorage, dbName: string): number[] {
  const loaded = loadEmergency([storage], dbName);
  const out: number[] = [];
  for (let i = 0; i < loaded.length; i++) {
    const bs = loaded[i]!.record.batches;
    for (let j = 0; j < bs.length; j++) for (let k = 0; k < bs[j]!.count; k++) out[out.length] = bs[j]!.cols.seq[k]!;
  }
  return out;
}

describe('emergency log under a page that broke builtins later', () => {
  it("Array.prototype.toJSON (Prototype.js-style) does not turn the saved record into strings the next load discards", () => {
    const storage = new MemoryStorage();
    const bs = batches();
    proto['toJSON'] = function (this: unknown[]) {
      return realJoin.call(this, '|');
    };
    let out;
    try {
      out = saveEmergency([storage], emergencyKey('db-tojson', 'gone'), 'gone', bs, 1e6);
    } finally {
      restore();
    }
    expect(out.saved).toBe(4);
    expect(seqsLoaded(storage, 'db-tojson')).toEqual([1, 2, 3, 4]);
  });

  it('a replaced JSON.stringify / JSON.parse is not used', () => {
    const storage = new MemoryStorage();
    const bs = batches();
    JSON.stringify = (() => '"page"') as typeof JSON.stringify;
    JSON.parse = (() => ({})) as typeof JSON.parse;
    let out, seqs;
    try {
      out = saveEmergency([storage], emergencyKey('db-json', 'gone'), 'gone', bs, 1e6);
      seqs = seqsLoaded(storage, 'db-json');
    } finally {
      restore();
    }
    expect(out.saved).toBe(4);
    expect(seqs).toEqual([1, 2, 3, 4]);
  });

  it('a throwing array iterator, map, slice or join breaks neither save, clear nor load', () => {
    const storage = new MemoryStorage();
    const bs = batches();
    const boom = () => {
      throw new Error('page broke it');
    };
    Array.prototype[Symbol.iterator] = boom as never;
    Array.prototype.map = boom as never;
    Array.prototype.slice = boom as never;
    Array.prototype.join = boom as never;
    const key = emergencyKey('db-iter', 'gone');
    let out, seqs, left;
    try {
      out = saveEmergency([storage], key, 'gone', bs, 1e6);
      seqs = seqsLoaded(storage, 'db-iter');
      clearEmergency([storage], key);
      left = storage.map.size;
    } catch (err) {
      out = seqs = left = String(err);
    } finally {
      restore();
    }
    expect(out).toMatchObject({ saved: 4 });
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(left).toBe(0);
  });

  it('under a throwing iterator, what no storage takes is still marked', () => {
    const storage = new MemoryStorage(400);
    const bs = batches();
    Array.prototype[Symbol.iterator] = (() => {
      throw new Error('page broke it');
    }) as never;
    Array.prototype.map = (() => {
      throw new Error('page broke it');
    }) as never;
    let out;
    try {
      out = saveEmergency([storage], emergencyKey('db-mark', 'gone'), 'gone', bs, 1e6);
    } catch (err) {
      out = String(err);
    } finally {
      restore();
    }
    expect(out).toMatchObject({ marked: true, saved: 2, unsaved: 2 });
  });
});
