// The live state of the app: whether the event stream (GET /api/v1/events) is up, and the
// latest change heard for each record. Screens poll only while the stream is down
// (livePoll); edit forms learn that their record changed elsewhere (latestChange).
import { useSyncExternalStore } from 'react';

/** connecting: not yet up (the screens poll meanwhile); live; paused: down for a while. */
export type LiveStatus = 'connecting' | 'live' | 'paused';

/** LiveEvent is one change as the server sends it: what changed, never its content. */
export interface LiveEvent {
  kind: string;
  id: number;
  version?: number;
  action: 'create' | 'update' | 'delete' | string;
  at: string;
  by?: number;
  by_name?: string;
}

let status: LiveStatus = 'connecting';
const statusListeners = new Set<() => void>();
const latest = new Map<string, LiveEvent>();
const changeListeners = new Set<() => void>();

export function liveStatus(): LiveStatus {
  return status;
}

export function setLiveStatus(next: LiveStatus) {
  if (status === next) return;
  status = next;
  for (const l of statusListeners) l();
}

export function onLiveStatus(l: () => void): () => void {
  statusListeners.add(l);
  return () => statusListeners.delete(l);
}

export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(onLiveStatus, liveStatus, () => 'connecting' as const);
}

/**
 * livePoll is a query's refetchInterval: ms while the stream is not live (the fallback), none
 * while it is (events invalidate the query instead). Use it as `refetchInterval: () => livePoll(ms)`.
 */
export function livePoll(ms: number): number | false {
  return status === 'live' ? false : ms;
}

const key = (kind: string, id: number) => `${kind}:${id}`;

/** recordChange remembers ev as the latest change of its record. */
export function recordChange(ev: LiveEvent) {
  latest.set(key(ev.kind, ev.id), ev);
  if (latest.size > 2000) latest.delete(latest.keys().next().value as string);
  for (const l of changeListeners) l();
}

/** latestChange is the newest change heard of a record (undefined: none since the app opened). */
export function latestChange(kind: string, id: number): LiveEvent | undefined {
  return latest.get(key(kind, id));
}

function onChange(l: () => void): () => void {
  changeListeners.add(l);
  return () => changeListeners.delete(l);
}

/**
 * useChangedElsewhere returns the change of a record that made the version being edited stale
 * (a newer version saved by someone else), or undefined.
 */
export function useChangedElsewhere(kind: string, id: number, version: number | undefined, me: number): LiveEvent | undefined {
  const ev = useSyncExternalStore(onChange, () => latestChange(kind, id), () => undefined);
  if (!ev || version === undefined || ev.by === me) return undefined;
  if (ev.action === 'delete') return ev;
  return ev.version !== undefined && ev.version > version ? ev : undefined;
}

const seen = new Set<string>();
const SEEN_MAX = 4096;

/**
 * firstSight remembers an event id and says whether it is new. A stream that resumes is sent
 * again the events just before where it left off (one that committed late may be among them:
 * ids are taken when a change is made, not when it commits), so ids already handled are dropped.
 */
export function firstSight(id: string): boolean {
  if (!id) return true;
  if (seen.has(id)) return false;
  seen.add(id);
  if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value as string);
  return true;
}
