/**
 * A collapsible JSON tree. Children are rendered only when their node is
 * open, and at most CHUNK at a time ("show more"), so a large value costs
 * nothing until it is looked at. Tagged values of the safe copy (`{ $t }`,
 * see src/core/safe-copy.ts) read as what they stand for. Everything is text.
 */
import { useState } from 'preact/hooks';

/** Children shown per click of "more". */
export const CHUNK = 100;

type Tagged = { $t: string; [k: string]: unknown };

function isTagged(v: unknown): v is Tagged {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { $t?: unknown }).$t === 'string';
}

/** A tagged value as one line, or null when it has children to show. */
export function tagText(v: Tagged): string | null {
  switch (v.$t) {
    case 'undef':
      return 'undefined';
    case 'trunc':
      return '… (deeper values not recorded)';
    case 'redacted':
      return '[redacted]';
    case 'more':
      return `… ${String(v['n'])} more`;
    case 'str':
      return `${JSON.stringify(String(v['v']))}… (${String(v['n'])} chars)`;
    case 'num':
      return String(v['v']);
    case 'bigint':
      return `${String(v['v'])}n`;
    case 'symbol':
      return `Symbol(${String(v['v'])})`;
    case 'fn':
      return `ƒ ${String(v['name'])}()`;
    case 'cycle':
      return `[cycle → ${String(v['path'])}]`;
    case 'throws':
      return v['message'] === undefined ? '[getter threw]' : `[getter threw: ${String(v['message'])}]`;
    case 'date':
      return `Date ${String(v['v'])}`;
    case 'regexp':
      return String(v['v']);
    case 'global':
      return '[global object]';
    case 'promise':
      return 'Promise';
    case 'buffer':
      return `ArrayBuffer(${String(v['bytes'])})`;
    case 'opaque':
      return `${String(v['ctor'])} {…}`;
    case 'node':
      return `<${String(v['name'])}${v['id'] ? `#${String(v['id'])}` : ''}${v['class'] ? `.${String(v['class']).split(/\s+/).join('.')}` : ''}>`;
    case 'error':
    case 'map':
    case 'set':
    case 'typed':
    case 'obj':
      return null;
    default:
      return null;
  }
}

/** The children of a container (tagged containers unwrapped), as [key, value] pairs, and its summary. */
function childrenOf(v: unknown): { entries: [string, unknown][]; summary: string } | null {
  if (Array.isArray(v)) return { entries: v.map((x, i) => [String(i), x]), summary: `Array(${v.length})` };
  if (v === null || typeof v !== 'object') return null;
  if (isTagged(v)) {
    switch (v.$t) {
      case 'map': {
        const pairs = Array.isArray(v['v']) ? (v['v'] as unknown[]) : [];
        return {
          entries: pairs.map((p, i) => (Array.isArray(p) ? [keyText(p[0]), p[1]] : [`(${i})`, p])),
          summary: `Map(${pairs.length})`,
        };
      }
      case 'set': {
        const items = Array.isArray(v['v']) ? (v['v'] as unknown[]) : [];
        return { entries: items.map((x, i) => [String(i), x]), summary: `Set(${items.length})` };
      }
      case 'typed': {
        const items = Array.isArray(v['v']) ? (v['v'] as unknown[]) : [];
        return { entries: items.map((x, i) => [String(i), x]), summary: `${String(v['ctor'])}(${String(v['length'])})` };
      }
      case 'error': {
        const entries = Object.entries(v).filter(([k]) => k !== '$t');
        return { entries, summary: `${String(v['name'])}: ${String(v['message'])}` };
      }
      case 'obj':
        return childrenOf(v['v']);
      default:
        if (tagText(v) !== null) return null;
    }
  }
  const entries = Object.entries(v as Record<string, unknown>);
  return { entries, summary: `{${entries.length}}` };
}

function keyText(k: unknown): string {
  if (typeof k === 'string') return JSON.stringify(k);
  if (isTagged(k)) return tagText(k) ?? k.$t;
  try {
    return JSON.stringify(k) ?? String(k);
  } catch {
    return String(k);
  }
}

function leafText(v: unknown): { text: string; cls: string } {
  if (v === null) return { text: 'null', cls: 'j-null' };
  if (isTagged(v)) return { text: tagText(v) ?? v.$t, cls: 'j-tag' };
  switch (typeof v) {
    case 'string':
      return { text: JSON.stringify(v), cls: 'j-str' };
    case 'number':
      return { text: String(v), cls: 'j-num' };
    case 'boolean':
      return { text: String(v), cls: 'j-bool' };
    case 'undefined':
      return { text: 'undefined', cls: 'j-null' };
    default:
      return { text: String(v), cls: '' };
  }
}

/** A value as a tree; nodes above `openDepth` start open. */
export function JsonTree({ value, label, openDepth = 1 }: { value: unknown; label?: string; openDepth?: number }) {
  return (
    <div class="json-tree" role="tree" aria-label={label ?? 'value'}>
      <JsonNode name={label ?? null} value={value} depth={0} openDepth={openDepth} />
    </div>
  );
}

function JsonNode({ name, value, depth, openDepth }: { name: string | null; value: unknown; depth: number; openDepth: number }) {
  const kids = childrenOf(value);
  const [open, setOpen] = useState(depth < openDepth && (kids?.entries.length ?? 0) <= CHUNK);
  const [shown, setShown] = useState(CHUNK);
  const key = name === null ? null : <span class="j-key">{name}: </span>;
  if (!kids) {
    const leaf = leafText(value);
    return (
      <div class="j-node j-leaf" role="treeitem">
        {key}
        <span class={leaf.cls}>{leaf.text}</span>
      </div>
    );
  }
  const tag = isTagged(value) && value.$t !== 'obj';
  return (
    <div class="j-node" role="treeitem" aria-expanded={open}>
      <button type="button" class="j-toggle" aria-label={`${open ? 'collapse' : 'expand'} ${name ?? 'value'}`} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'}
      </button>
      {key}
      <span class={tag ? 'j-tag' : 'j-sum'}>{kids.summary}</span>
      {open && (
        <div class="j-kids" role="group">
          {kids.entries.slice(0, shown).map(([k, v]) => (
            <JsonNode key={k} name={k} value={v} depth={depth + 1} openDepth={openDepth} />
          ))}
          {kids.entries.length > shown && (
            <button type="button" class="j-more" onClick={() => setShown(shown + CHUNK)}>
              show {Math.min(CHUNK, kids.entries.length - shown)} more of {kids.entries.length - shown}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
