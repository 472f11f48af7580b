/**
 * The store client's side of the page's lifecycle, kept next to it as
 * OpenTelemetry keeps its batcher's in the platform layer: flush when the
 * page is hidden; on pagehide and freeze the un-acked tail goes to the
 * emergency log, because the store's open transaction dies with the page;
 * visible again (or back from the back/forward cache), the log is discarded.
 *
 * A page event handler of ours never throws into the page, and one failing
 * step (a page that broke a builtin since) does not skip the next: each is
 * tried on its own and counted by `onFailure`.
 */
import { listen, settle, unlisten } from '../core/builtins';
import type { StoreClient } from './client';

export interface PageLifecycleHooks {
  /** Said first on each visibility change (the agent records it). */
  onVisibility: (state: DocumentVisibilityState) => void;
  onFailure: () => void;
}

/** Follows the page's lifecycle for `client`; returns the stop that takes the listeners off. */
export function followPageLifecycle(client: StoreClient, hooks: PageLifecycleHooks): () => void {
  const attempt = (step: () => void) => {
    try {
      step();
    } catch {
      hooks.onFailure();
    }
  };
  const onVisibility = () => {
    const hidden = document.visibilityState === 'hidden';
    attempt(() => hooks.onVisibility(document.visibilityState));
    if (hidden) {
      attempt(() => settle(client.flush())); // no store left: the emergency log below still runs
      // When the page is unloading, visibilitychange comes after pagehide:
      // save again so that this last entry is covered too.
      attempt(() => client.saveEmergency());
    } else {
      attempt(() => client.discardEmergency());
    }
  };
  const onPageHide = () => attempt(() => client.saveEmergency());
  const onPageShow = (ev: PageTransitionEvent) => {
    if (ev.persisted) attempt(() => client.discardEmergency());
  };
  listen(document, 'visibilitychange', onVisibility);
  listen(window, 'pagehide', onPageHide);
  listen(document, 'freeze', onPageHide);
  listen(window, 'pageshow', onPageShow as EventListener);
  return () => {
    attempt(() => unlisten(document, 'visibilitychange', onVisibility));
    attempt(() => unlisten(window, 'pagehide', onPageHide));
    attempt(() => unlisten(document, 'freeze', onPageHide));
    attempt(() => unlisten(window, 'pageshow', onPageShow as EventListener));
  };
}
