// uploadUpdate sends the new executable and its signature to POST /api/v1/system/update with
// XMLHttpRequest, whose upload reports progress (fetch does not): 50 MB over a clinic's Wi-Fi
// takes a while, and the administrator sees how far it is.
import { api } from '../api';
import { ACTIVITY_HEADER, ApiError, CSRF_HEADER, NetworkError } from '../api/client';
import type { components } from '../api/schema';

export type UpdateResult = components['schemas']['UpdateResult'];
export type About = components['schemas']['About'];

export const UPDATE_PATH = '/api/v1/system/update';

/** The codes of the server's update refusals, each with a sentence in the catalog (about.codes). */
export const UPDATE_CODES = [
  'update-no-key',
  'update-unavailable',
  'update-not-writable',
  'update-busy',
  'update-form',
  'update-signature-format',
  'update-tampered',
  'update-wrong-key',
  'update-platform',
  'update-kind',
  'update-not-program',
  'update-downgrade',
  'update-restart-first',
] as const;

export function isUpdateCode(code: string): code is (typeof UPDATE_CODES)[number] {
  return (UPDATE_CODES as readonly string[]).includes(code);
}

/** updateForm is the multipart body: the fields the server reads. */
export function updateForm(executable: Blob, signature: Blob, names: { executable: string; signature: string }): FormData {
  const form = new FormData();
  // the signature first: small, and the server then has it when the executable is done
  form.append('signature', signature, names.signature);
  form.append('executable', executable, names.executable);
  return form;
}

/**
 * uploadUpdate resolves with the installed update, or rejects with ApiError (a refusal) or
 * NetworkError. onProgress gets the fraction sent (0 to 1).
 */
export function uploadUpdate(form: FormData, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<UpdateResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', UPDATE_PATH);
    const csrf = api.csrfToken();
    if (csrf) xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.setRequestHeader(ACTIVITY_HEADER, 'user');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body as UpdateResult);
        return;
      }
      reject(new ApiError(xhr.status, (body ?? {}) as ConstructorParameters<typeof ApiError>[1]));
    };
    xhr.onerror = () => reject(new NetworkError());
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}
