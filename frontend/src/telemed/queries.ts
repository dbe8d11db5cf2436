// Video consultations: the session, the patient's links, the notes, hanging up, and the two
// ways a browser reaches the call's signalling (staff with their session, the patient with the
// guest token their link gave).
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import { invalidateSchedule } from '../appointments/queries';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';
import type { SignalBody, Transport } from './call';

export type VideoSession = Schemas['VideoSession'];
export type PatientLink = Schemas['PatientLink'];

export const videoKey = (id: number) => ['telemedicine', id] as const;
export const linksKey = (id: number) => ['telemedicine', id, 'links'] as const;

export function useVideoSession(id: number) {
  return useQuery({
    queryKey: videoKey(id),
    queryFn: () => unwrap(api.client.GET('/api/v1/telemedicine/sessions/{id}', { params: { path: { id } } })),
    enabled: id > 0,
  });
}

function afterChange(qc: QueryClient, id: number) {
  return Promise.all([qc.invalidateQueries({ queryKey: videoKey(id) }), invalidateSchedule(qc)]);
}

/** useEndCall hangs up: the call ends for both sides (the encounter stays as it is). */
export function useEndCall(id: number, options: SaveOptions<void, VideoSession> = {}) {
  return useApiMutation<void, VideoSession>({
    failure: 'toast',
    ...options,
    invalidate: (qc) => afterChange(qc, id),
    mutationFn: () => unwrap(api.client.POST('/api/v1/telemedicine/sessions/{id}/end', { params: { path: { id } } })),
  });
}

/** useSaveVideoNotes writes the session's notes on the version read. */
export function useSaveVideoNotes(s: VideoSession, options: SaveOptions<string, VideoSession>) {
  return useApiMutation<string, VideoSession>({
    ...options,
    invalidate: (qc) => afterChange(qc, s.id),
    mutationFn: (notes) => unwrap(api.client.PATCH('/api/v1/telemedicine/sessions/{id}', { params: { path: { id: s.id } }, body: { notes, version: s.version } })),
  });
}

export function useLinks(id: number) {
  return useQuery({
    queryKey: linksKey(id),
    queryFn: () => unwrap(api.client.GET('/api/v1/telemedicine/sessions/{id}/links', { params: { path: { id } } })).then((l) => l.items),
  });
}

export function useCreateLink(id: number, options: SaveOptions<void, PatientLink>) {
  return useApiMutation<void, PatientLink>({
    ...options,
    invalidate: [linksKey(id)],
    mutationFn: () => unwrap(api.client.POST('/api/v1/telemedicine/sessions/{id}/links', { params: { path: { id } }, body: {} })),
  });
}

export function useRevokeLink(session: number, options: SaveOptions<number, unknown> = {}) {
  return useApiMutation<number, unknown>({
    failure: 'toast',
    ...options,
    invalidate: [linksKey(session)],
    mutationFn: (id) => unwrap(api.client.DELETE('/api/v1/telemedicine/links/{id}', { params: { path: { id } } })),
  });
}

/** joinURL is the link a patient opens (the code in the fragment: it is never sent in a URL to the server). */
export function joinURL(code: string, origin = window.location.origin) {
  return `${origin}/call#${code}`;
}

/** formatCode groups a code for reading aloud: ABCD-EFGH-JKMN. */
export function formatCode(code: string) {
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** staffTransport: the call of session id, with the user's session. */
export function staffTransport(id: number): Transport {
  return {
    open: (signal) => fetch(`/api/v1/telemedicine/sessions/${id}/signal`, { signal, credentials: 'same-origin', headers: { Accept: 'text/event-stream' } }),
    send: async (body: SignalBody) => {
      await unwrap(api.client.POST('/api/v1/telemedicine/sessions/{id}/signal', { params: { path: { id } }, body: body as Schemas['VideoSignalParams'] }));
    },
  };
}

export const TELEMED_TOKEN_HEADER = 'X-Telemedicine-Token';

/** guestTransport: the patient's call, with the guest token (no staff session, no CSRF token). */
export function guestTransport(token: string): Transport {
  return {
    open: (signal) => fetch('/api/v1/telemedicine/guest/signal', { signal, headers: { Accept: 'text/event-stream', [TELEMED_TOKEN_HEADER]: token } }),
    send: async (body: SignalBody) => {
      const res = await fetch('/api/v1/telemedicine/guest/signal', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [TELEMED_TOKEN_HEADER]: token },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`signal: ${res.status}`);
    },
  };
}

/** redeem exchanges the link's code for the guest token, once. */
export async function redeem(code: string): Promise<Schemas['GuestPass']> {
  const res = await fetch('/api/v1/telemedicine/join', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code }) });
  const body = (await res.json()) as Schemas['GuestPass'] & { detail?: string };
  if (!res.ok) throw new Error(body.detail || `HTTP ${res.status}`);
  return body;
}

/** useRedeem exchanges a patient's code for the guest token (the patient's page: no session). */
export function useRedeem(options: SaveOptions<string, Schemas['GuestPass']>) {
  return useApiMutation({ ...options, mutationFn: (code) => redeem(code) });
}
