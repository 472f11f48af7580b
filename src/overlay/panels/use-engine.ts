/** What a tab shows from the analytics engine, polled the same way by every tab that asks it. */
import { useState } from 'preact/hooks';
import { errorMessage } from '../../core/errors';
import { usePolling } from '../charts';
import { REFRESH_MS, type OverlayState } from '../state';
import { chain } from '../../core/builtins';

/**
 * Polls `load` every REFRESH_MS while mounted, when analytics run. `data` is
 * the last answer (null until one came); `problem` is the last failure, or
 * `offText` when analytics are off (they run in the store's worker), else null.
 */
export function useEngine<T>(state: OverlayState, offText: string, load: () => Promise<T>): { data: T | null; problem: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  usePolling(
    () => {
      if (!state.snap.peek().analytics) {
        setProblem(offText);
        return;
      }
      return chain(
        load(),
        (d) => {
          setData(d);
          setProblem(null);
        },
        (err) => setProblem(errorMessage(err)),
      );
    },
    REFRESH_MS,
    [],
  );
  return { data, problem };
}
