import type { ReactNode } from 'react';
import { useSession } from '../auth/session';
import { areaByKey, canSee, type AreaKey } from './areas';
import { NotAllowed } from './NotFound';

/** RequireArea shows its children only to users whose role works in the area. */
export function RequireArea({ area, children }: { area: AreaKey; children: ReactNode }) {
  const { permissions } = useSession();
  return canSee(areaByKey(area), permissions) ? children : <NotAllowed />;
}
