// usePersistentForm: a Mantine form whose non-secret input is kept as a draft (drafts.ts)
// while it is being typed, restored when the form opens again (after a reload, a lost
// server, an automatic logoff), and dropped once the form is saved.
import { useForm, type FormValidateInput, type UseFormReturnType } from '@mantine/form';
import { useCallback, useState } from 'react';
import { clearDraft, draftKey, hasDraft, loadDraft, restoreDraft, saveDraft, type DraftValues } from './drafts';

function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export interface PersistentFormOptions<T extends DraftValues> {
  /** Unique per form (and per record for edit forms: "user-edit-12"). */
  id: string;
  /** Whose draft this is (the user's id; "setup" before any user exists). */
  owner: string | number | null;
  initialValues: T;
  validate?: FormValidateInput<T>;
  /** Fields never stored, besides those named like passwords, codes and tokens. */
  secret?: readonly (keyof T & string)[];
}

export interface PersistentForm<T extends DraftValues> {
  form: UseFormReturnType<T>;
  /** Whether input from an earlier visit was restored. */
  restored: boolean;
  /** Forget the draft (after a successful save, or when the user discards it). */
  discardDraft: () => void;
  /** Forget the draft and put the form back to the options' initial values (the user discards it). */
  startOver: () => void;
}

export function usePersistentForm<T extends DraftValues>(options: PersistentFormOptions<T>): PersistentForm<T> {
  const key = draftKey(options.owner, options.id);
  const secret = options.secret ?? [];
  const [start] = useState(() => {
    const storage = session();
    const restored = storage ? hasDraft(storage, key) : false;
    const values = storage ? restoreDraft(options.initialValues, loadDraft(storage, key, secret)) : options.initialValues;
    return { restored, values };
  });
  const form = useForm<T>({
    mode: 'controlled',
    initialValues: start.values,
    validate: options.validate,
    onValuesChange: (values) => {
      const storage = session();
      if (storage) saveDraft(storage, key, values, secret, options.initialValues);
    },
  });
  const discardDraft = useCallback(() => {
    const storage = session();
    if (storage) clearDraft(storage, key);
  }, [key]);
  const startOver = () => {
    discardDraft();
    form.setValues(options.initialValues);
  };
  return { form, restored: start.restored, discardDraft, startOver };
}
