// The app's one API client and connectivity state. Screens import `api` and `unwrap`:
//   const users = await unwrap(api.client.GET('/api/v1/users', { params: { query: { limit: 50 } } }));
import { createApi, type ApiError } from './client';
import { createConnectivity } from './connectivity';

export { ApiError, NetworkError, unwrap, type Schemas } from './client';

export const connectivity = createConnectivity();

let unauthorized: (error: ApiError) => void = () => {};

/** onUnauthorized sets what happens when the session is gone (the session module logs out). */
export function onUnauthorized(handler: (error: ApiError) => void) {
  unauthorized = handler;
}

export const api = createApi({
  hooks: {
    onNetworkError: () => connectivity.reportNetworkError(),
    onDatabaseUnavailable: () => connectivity.reportDatabaseUnavailable(),
    onUnauthorized: (error) => unauthorized(error),
  },
});

if (typeof window !== 'undefined') {
  window.addEventListener('offline', () => connectivity.reportNetworkError());
  window.addEventListener('online', () => void connectivity.check());
}
