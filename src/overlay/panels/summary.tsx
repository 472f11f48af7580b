/** The top of the panel: live counters and the store's health in one glance. */
import type { OverlaySnapshot } from '../source';
import { formatCount } from '../format';
import { memo } from './memo';

export function Summary({ snap, rate }: { snap: OverlaySnapshot; rate: number }) {
  const c = snap.counters;
  return (
    <>
      <div class="tiles">
        <Tile k="events/s" v={formatCount(rate)} />
        <Tile k="logged" v={formatCount(c.logged)} />
        <Tile k="stored" v={formatCount(c.acked)} />
        <Tile k="fps" v={snap.fps > 0 ? snap.fps.toFixed(0) : '–'} />
      </div>
      <div class="facts">
        <span>
          pending <b>{formatCount(snap.pending)}</b>
        </span>
        <span class={c.dropped > 0 ? 'bad' : ''}>
          dropped <b>{formatCount(c.dropped)}</b>
        </span>
        <span class={c.rejected > 0 ? 'bad' : ''}>
          rejected <b>{formatCount(c.rejected)}</b>
        </span>
        <span>
          truncated <b>{formatCount(c.truncated)}</b>
        </span>
        <span>
          in ring <b>{formatCount(c.stored)}</b>
        </span>
        <span>
          evicted <b>{formatCount(c.evicted)}</b>
        </span>
        {c.recovered > 0 && (
          <span>
            recovered <b>{formatCount(c.recovered)}</b>
          </span>
        )}
        {c.droppedByStore > 0 && (
          <span class="bad">
            refused by store <b>{formatCount(c.droppedByStore)}</b>
          </span>
        )}
        {c.lostOnUnload > 0 && (
          <span class="bad">
            lost on unload <b>{formatCount(c.lostOnUnload)}</b>
          </span>
        )}
        {c.internalErrors > 0 && (
          <span class="bad">
            internal errors <b>{formatCount(c.internalErrors)}</b>
          </span>
        )}
      </div>
      {(snap.store.problems.length > 0 || snap.hookProblems.length > 0) && (
        <div class="problems">
          {snap.store.problems.map((p) => (
            <div>⚠ {p}</div>
          ))}
          {snap.hookProblems.map((p) => (
            <div>
              ⚠ hook {p.path}: {p.reason}
            </div>
          ))}
        </div>
      )}
      {snap.unsupported.length > 0 && <div class="note">not in this browser: {snap.unsupported.join(', ')}</div>}
    </>
  );
}

/** Memoised: the snapshot refreshes 4 times a second, and most tiles show the same text again. */
const Tile = memo(function Tile({ k, v }: { k: string; v: string }) {
  return (
    <div class="tile">
      <div class="v">{v}</div>
      <div class="k">{k}</div>
    </div>
  );
});
