// useApiMutation: the UI's one save pattern. Every write goes through TanStack Query's
// useMutation with this helper, which does what each screen used to write by hand around its
// request: the busy state (for the button's spinner), the attempt's Idempotency-Key (for the
// create requests that send one, renewed after a success), the server's field errors beside
// their fields and the rest in one message above the buttons (or in a red toast), the
// stale-version refusal (409), the refresh of what the change affects, the success toast, and
// closing the dialog. The areas' mutations live in their queries.ts and are built on it.
//
// apiMutationOptions is the part without React (tested in useApiMutation.test.ts with a real
// QueryClient and MutationObserver, which is what useMutation runs on).
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient, type MutationOptions, type QueryClient, type QueryKey, type UseMutationResult } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { newIdempotencyKey } from '../api/idempotency';
import { problemMessage, serverFieldErrors } from './errors';
import type { NotificationData } from '@mantine/notifications';

/** The part of a Mantine form the helper uses: its field names and its errors. */
export interface FormTarget {
  getValues: () => object;
  setErrors: (errors: Record<string, string>) => void;
}

/** isStale: the server refused a change made on an older version of the record. */
export function isStale(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 409 && err.code === 'stale-version';
}

/**
 * showServerErrors puts a failure's field errors beside the form's fields (`placed`) and
 * returns the message for the rest (null when every error found its field).
 */
export function showServerErrors(
  err: unknown,
  form: FormTarget | undefined,
  t: TFunction,
  lang: string,
  rename: Record<string, string> = {},
  problem?: (err: unknown) => string,
): { message: string | null; placed: Record<string, string> } {
  const { errors, rest } = serverFieldErrors(err, form ? Object.keys(form.getValues()) : [], t, lang, rename);
  form?.setErrors(errors);
  const validation = err instanceof ApiError && (err.code === 'invalid' || err.fields.length > 0);
  if (Object.keys(errors).length > 0 && validation && rest.length === 0) return { message: null, placed: errors };
  return { message: [problem ? problem(err) : problemMessage(err, t, lang), ...rest].join(' '), placed: errors };
}

export interface ApiMutationConfig<V, R> {
  /** The request; `key` is this attempt's Idempotency-Key (send it where the area sends one). */
  mutationFn: (vars: V, key: string) => Promise<R>;
  /** What the change makes stale: query keys, or a function that refreshes (awaited before closing). */
  invalidate?: readonly QueryKey[] | ((qc: QueryClient, answer: R, vars: V) => unknown);
  /** The form whose fields the server's field errors go beside. */
  form?: FormTarget;
  /** Server field names that the form names otherwise. */
  rename?: Record<string, string>;
  /** The success toast (none when absent or null; teal unless a colour is given). */
  success?: string | ((answer: R, vars: V) => string | NotificationData | null);
  /** Where a failure shows: in `message` above the buttons (default), or in a red toast. */
  failure?: 'message' | 'toast';
  /** The sentence for a failure (default: problemMessage). */
  problem?: (err: unknown) => string;
  /** A stale-version refusal (409): what to do instead of saying so (e.g. show both versions). */
  onStale?: (err: ApiError, vars: V) => unknown;
  /** A failure the screen handles itself: return true and nothing else is shown. */
  onError?: (err: unknown, vars: V) => boolean | void | Promise<boolean | void>;
  /** After a failure was shown: `placed` are the field errors put beside their fields. */
  afterError?: (err: unknown, placed: Record<string, string>, vars: V) => unknown;
  /** After a success, before invalidation (e.g. setQueryData, discardDraft). */
  onSuccess?: (answer: R, vars: V) => unknown;
  /** Last, after a success: close the dialog, navigate. */
  close?: (answer: R, vars: V) => void;
}

/** What apiMutationOptions needs from the app (the hook passes the real ones). */
export interface MutationEnv {
  qc: QueryClient;
  t: TFunction;
  lang: string;
  notify: (n: NotificationData) => void;
  setMessage: (message: string | null) => void;
  /** The attempt's Idempotency-Key, renewed after each success. */
  key: { current: string };
}

/** apiMutationOptions builds the useMutation options for a config. */
export function apiMutationOptions<V, R>(config: ApiMutationConfig<V, R>, env: MutationEnv): MutationOptions<R, unknown, V> {
  return {
    mutationFn: (vars: V) => config.mutationFn(vars, env.key.current),
    onMutate: () => {
      env.setMessage(null);
    },
    onSuccess: async (answer, vars) => {
      env.key.current = newIdempotencyKey();
      await config.onSuccess?.(answer, vars);
      const inv = config.invalidate;
      if (typeof inv === 'function') await inv(env.qc, answer, vars);
      else if (inv) await Promise.all(inv.map((queryKey) => env.qc.invalidateQueries({ queryKey })));
      const success = typeof config.success === 'function' ? config.success(answer, vars) : config.success;
      if (typeof success === 'string') env.notify({ color: 'teal', message: success });
      else if (success) env.notify(success);
      config.close?.(answer, vars);
    },
    onError: async (err, vars) => {
      if ((await config.onError?.(err, vars)) === true) return;
      if (config.onStale && isStale(err)) {
        await config.onStale(err, vars);
        return;
      }
      const { message, placed } = showServerErrors(err, config.form, env.t, env.lang, config.rename, config.problem);
      if (config.failure === 'toast') {
        if (message) env.notify({ color: 'red', message });
      } else env.setMessage(message);
      await config.afterError?.(err, placed, vars);
    },
  };
}

export interface ApiMutation<V, R> {
  /** Runs the request; resolves with the answer, or undefined after a failure (already shown). */
  submit: (vars: V) => Promise<R | undefined>;
  /** A request is under way. */
  busy: boolean;
  /** The failure to show above the buttons (null: none). */
  message: string | null;
  setMessage: (message: string | null) => void;
  /** A new attempt (e.g. the user changed what a payment is): a new Idempotency-Key. */
  renewKey: () => void;
  mutation: UseMutationResult<R, unknown, V>;
}

export function useApiMutation<V = void, R = unknown>(config: ApiMutationConfig<V, R>): ApiMutation<V, R> {
  const qc = useQueryClient();
  const { t, i18n } = useTranslation();
  const [message, setMessage] = useState<string | null>(null);
  const key = useRef<string>('');
  if (!key.current) key.current = newIdempotencyKey();
  const mutation = useMutation<R, unknown, V>(apiMutationOptions(config, { qc, t, lang: i18n.language, notify: notifications.show, setMessage, key }));
  const { mutateAsync } = mutation;
  const submit = useCallback((vars: V) => mutateAsync(vars).catch(() => undefined), [mutateAsync]);
  const renewKey = useCallback(() => {
    key.current = newIdempotencyKey();
  }, []);
  return { submit, busy: mutation.isPending, message, setMessage, renewKey, mutation };
}

/** What a screen adds to an area's mutation (queries.ts sets the request and what it refreshes). */
export type SaveOptions<V, R> = Omit<ApiMutationConfig<V, R>, 'mutationFn' | 'invalidate'>;
