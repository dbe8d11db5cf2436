// The desktop window's own state: LAN sharing (read from and set through the Wails bindings,
// not the HTTP API).
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';
import { desktop, type LANStatus } from './desktop';

export const LAN_KEY = ['desktop', 'lan'] as const;

/** useSetLANSharing turns LAN sharing on or off; the answer is the new status. */
export function useSetLANSharing(options: SaveOptions<boolean, LANStatus>) {
  return useApiMutation({
    ...options,
    invalidate: (qc, next) => void qc.setQueryData<LANStatus>(LAN_KEY, next),
    mutationFn: (on) => {
      const d = desktop();
      if (!d) return Promise.reject(new Error('not the desktop app'));
      return d.SetLANSharing(on);
    },
  });
}
