/** The drop-in script's sibling files, named from its own URL (src/agent/script-part.ts). */
import { describe, expect, it } from 'vitest';
import { siblingUrl } from '../../src/agent/script-part';

describe('siblingUrl', () => {
  it('puts the part before .js, in the same folder, keeping the query and dropping the hash', () => {
    expect(siblingUrl('https://game.example/js/trace-agent.js', 'worker')).toBe('https://game.example/js/trace-agent.worker.js');
    expect(siblingUrl('https://game.example/trace-agent.js?v=3#x', 'overlay')).toBe('https://game.example/trace-agent.overlay.js?v=3');
    // Renamed: the siblings follow the name.
    expect(siblingUrl('https://cdn.example/lib/ta.js', 'overlay')).toBe('https://cdn.example/lib/ta.overlay.js');
    // No .js, or no file name at all.
    expect(siblingUrl('https://game.example/agent', 'worker')).toBe('https://game.example/agent.worker.js');
    expect(siblingUrl('https://game.example/tools/', 'worker')).toBe('https://game.example/tools/trace-agent.worker.js');
  });

  it('has none for a URL it cannot read', () => {
    expect(siblingUrl('', 'worker')).toBeNull();
    expect(siblingUrl('not a url', 'overlay')).toBeNull();
  });
});
