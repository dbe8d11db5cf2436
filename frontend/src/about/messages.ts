// The sentence for a refused update from file.
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client';
import { problemMessage } from '../forms/errors';
import { isUpdateCode } from './upload';

/** updateMessage is the sentence for a refused update: the server's own in English (it names the folder, the versions). */
export function updateMessage(err: unknown, t: TFunction, lang: string): string {
  if (err instanceof ApiError && isUpdateCode(err.code)) {
    if (lang === 'en' && err.detail) return err.detail;
    return t(`about.codes.${err.code}`);
  }
  return problemMessage(err, t, lang);
}
