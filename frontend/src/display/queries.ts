// The waiting-room displays: the administrator's list and saves, and the doctor's call.
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';

/** useCallNext calls the doctor's next patient to room; the displays show it with a chime. */
export function useCallNext(options: SaveOptions<string, Schemas['Called']>) {
  return useApiMutation({
    ...options,
    mutationFn: (room) => unwrap(api.client.POST('/api/v1/display/call-next', { body: { room } })),
  });
}

export const DISPLAYS_KEY = ['displays'] as const;

/** useCreateDisplay creates a display; its answer holds the token, shown this once. */
export function useCreateDisplay(options: SaveOptions<Schemas['TokenParams'], Schemas['Token']>) {
  return useApiMutation({
    ...options,
    invalidate: [DISPLAYS_KEY],
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/displays', { body })),
  });
}

/** useRevokeDisplay revokes a display (the TV is refused at once). */
export function useRevokeDisplay(options: SaveOptions<number, unknown> = {}) {
  const qc = useQueryClient();
  return useApiMutation({
    ...options,
    invalidate: [DISPLAYS_KEY],
    // revoked meanwhile by someone else, say: the list shows what is
    afterError: () => qc.invalidateQueries({ queryKey: DISPLAYS_KEY }),
    mutationFn: (id) => unwrap(api.client.DELETE('/api/v1/displays/{id}', { params: { path: { id } } })),
  });
}
