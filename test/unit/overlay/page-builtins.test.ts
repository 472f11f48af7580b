/**
 * dist/trace-agent.overlay.js is built with src/overlay/page-builtins.ts in
 * place of src/core/builtins.ts (vite.config.ts): it must export every name
 * the real module does, or an overlay module importing the missing one would
 * get undefined. Outside the overlay's file (no loader's <script>), it is the
 * real module's builtins.
 */
import { describe, expect, it } from 'vitest';
import * as builtins from '../../../src/core/builtins';
import * as handed from '../../../src/overlay/page-builtins';

const { STARTUP_BUILTINS, ...real } = builtins;

describe("the overlay file's builtins", () => {
  it('exports every name of src/core/builtins.ts, and nothing else', () => {
    expect(Object.keys(handed).sort()).toEqual(Object.keys(real).sort());
  });

  it('are the real ones where no loader handed any over; the object the page hands over holds every one', () => {
    for (const name of Object.keys(real) as (keyof typeof real)[]) expect(handed[name], name).toBe(real[name]);
    expect(Object.keys(STARTUP_BUILTINS).sort()).toEqual(Object.keys(real).sort());
    for (const name of Object.keys(real) as (keyof typeof real)[]) expect(STARTUP_BUILTINS[name], name).toBe(real[name]);
  });
});
