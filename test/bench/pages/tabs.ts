/** The overlay's tabs as the fps and overlay pages open them: each clicked in the shadow root. */
import { overlayRoot, sleep, type TraceAgentApi } from './common';

/** The overlay's tabs, in its order (src/overlay/state.ts; benches.mjs keeps its own copy for the keys). */
export const TABS = ['metrics', 'log', 'agents', 'anomalies', 'health'] as const;

/** Opens the overlay on `tab` (its button clicked), failing when the tab does not open. */
export async function showTab(ta: TraceAgentApi, tab: string): Promise<void> {
  ta.open();
  if (!ta.isOpen) throw new Error('the overlay did not open');
  await sleep(50); // rendered
  const button = [...overlayRoot().querySelectorAll<HTMLElement>('[role="tab"]')].find((b) => b.textContent?.trim() === tab);
  if (!button) throw new Error(`no "${tab}" tab in the overlay`);
  button.click();
  await sleep(50);
  if (button.getAttribute('aria-selected') !== 'true') throw new Error(`the "${tab}" tab did not open`);
}
