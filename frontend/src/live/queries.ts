// The live area's saves: the user's choice of hand-over notifications.
import { useQueryClient } from '@tanstack/react-query';
import { patchMe } from '../auth/me';
import { updateSessionUser, useSession } from '../auth/session';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';
import type { HandoverPrefs } from './handover';

/** useSaveHandover saves which hand-overs the user receives (preferences.handover), keeping their other preferences. */
export function useSaveHandover(options: SaveOptions<HandoverPrefs, Awaited<ReturnType<typeof patchMe>>>) {
  const qc = useQueryClient();
  const { user } = useSession();
  return useApiMutation({
    ...options,
    invalidate: (_, answer) => updateSessionUser(qc, answer.user),
    mutationFn: (next) => patchMe(user, (current) => ({ preferences: { ...(current.preferences ?? {}), handover: next } })),
  });
}
