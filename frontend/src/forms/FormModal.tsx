// FormModal: the one shape of a form in a dialog. The draft notice first (usePersistentForm put
// back earlier input), then the fields, the failure that found no field, Cancel and the submit
// button; the dialog's close and Cancel do the same.
import { Modal, Stack, type ModalProps } from '@mantine/core';
import type { FormEventHandler, ReactNode } from 'react';
import { DraftNotice } from './DraftNotice';
import { FormButtons, FormError } from './FormFooter';

export interface FormModalProps {
  title: ReactNode;
  size?: ModalProps['size'];
  onClose: () => void;
  /** The form's submit handler (form.onSubmit(...)). */
  onSubmit: FormEventHandler<HTMLFormElement>;
  /** The form's data-testid. */
  testId: string;
  /** The draft from usePersistentForm: whether input was put back, and how to start over. */
  draft: { restored: boolean; startOver: () => void };
  /** The save from useApiMutation: its spinner and its message for what found no field. */
  save: { busy: boolean; message: string | null };
  /** The submit button's words (default: Save) and data-testid. */
  submitLabel?: string;
  submitTestId?: string;
  children: ReactNode;
}

export function FormModal({ title, size, onClose, onSubmit, testId, draft, save, submitLabel, submitTestId, children }: FormModalProps) {
  return (
    <Modal opened onClose={onClose} title={title} size={size}>
      <form onSubmit={onSubmit} noValidate data-testid={testId}>
        <Stack>
          <DraftNotice restored={draft.restored} onDiscard={draft.startOver} />
          {children}
          <FormError message={save.message} testId="form-error" />
          <FormButtons busy={save.busy} onCancel={onClose} label={submitLabel} testId={submitTestId} />
        </Stack>
      </form>
    </Modal>
  );
}
