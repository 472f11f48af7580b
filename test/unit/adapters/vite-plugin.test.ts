import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scriptAttributes } from '../../../src/vite';

describe('the Vite plugin\'s options as the script tag\'s data-* attributes', () => {
  it('every option maps to the attribute the drop-in script reads, in its form (flags present, "false" to turn off)', () => {
    const attrs = scriptAttributes({
      hook: ['game.npcs', 'game.story'],
      trackState: 'game.state',
      trackStory: ['game.story'],
      hotkey: 'Alt+Shift+T',
      open: true,
      overlay: false,
      capacity: 5000,
      capacityBytes: 200_000,
      maxSessions: 3,
      db: 'my-game',
      strict: true,
      worker: false,
      input: true,
      inputText: true,
      console: true,
      errors: false,
      longTasks: false,
      frameStats: false,
      hitchMs: 40,
      analytics: false,
      thresholds: { fps: 25, 'slow-agents': 800 },
      network: ['bodies', 'query'],
    });
    expect(attrs).toEqual({
      'data-hook': 'game.npcs, game.story',
      'data-track-state': 'game.state',
      'data-track-story': 'game.story',
      'data-hotkey': 'Alt+Shift+T',
      'data-open': true,
      'data-overlay': 'false',
      'data-capacity': '5000',
      'data-capacity-bytes': '200000',
      'data-max-sessions': '3',
      'data-db': 'my-game',
      'data-strict': true,
      'data-worker': 'false',
      'data-input': true,
      'data-input-text': true,
      'data-console': true,
      'data-errors': 'false',
      'data-long-tasks': 'false',
      'data-frame-stats': 'false',
      'data-hitch-ms': '40',
      'data-analytics': 'false',
      'data-thresholds': 'fps=25, slow-agents=800',
      'data-network': 'bodies, query',
    });
    // Each is an attribute of the README's table (the script tag's options), so none is made up here.
    const readme = readFileSync('README.md', 'utf8');
    for (const name of Object.keys(attrs)) expect(readme, name).toContain(`| \`${name}\` |`);
    expect(scriptAttributes({ open: false, overlay: true, network: true })).toEqual({}); // the defaults need no attribute
    expect(scriptAttributes({ network: false })).toEqual({ 'data-network': 'false' });
  });
});
