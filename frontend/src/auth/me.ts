// patchMe: the user's own choices (a language, preferences) saved to their record.
import { api, unwrap, type Schemas } from '../api';
import type { User } from '../api/types';
import { isStale } from '../forms/useApiMutation';

/** A change to the user's own record, without the version (patchMe adds it). */
export type MeChange = Omit<Schemas['ProfileParams'], 'version'>;

/**
 * patchMe saves a change to the user's own record (a language, preferences). The user's own
 * choices are applied whatever changed meanwhile: after a stale-version refusal (another tab
 * saved first) the record is read again and the change made to it once more.
 */
export async function patchMe(user: User, change: (current: User) => MeChange, client = api.client) {
  const put = (u: User) => unwrap(client.PATCH('/api/v1/auth/me', { body: { ...change(u), version: u.version } }));
  try {
    return await put(user);
  } catch (err) {
    if (!isStale(err)) throw err;
    const fresh = await unwrap(client.GET('/api/v1/auth/me'));
    return put(fresh.user);
  }
}
