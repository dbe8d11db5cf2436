// ReasonModal: a dialog that asks why before an act that needs a reason (discontinuing a
// prescription, sending one back to its prescriber): the reason is required here and by the
// server, the server's error on `reason` shows beside the field, any other problem above the
// buttons. The act is an area's mutation (useSave, called here with this form).
import { Modal, Stack, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { DraftNotice } from './DraftNotice';
import { FormButtons, FormError } from './FormFooter';
import type { ApiMutation, SaveOptions } from './useApiMutation';
import { usePersistentForm } from './usePersistentForm';

export interface ReasonModalProps {
  title: string;
  label: string;
  description?: string;
  submitLabel: string;
  submitColor?: string;
  /** testId names the form (`<testId>-form`) and its submit button (`<testId>-submit`). */
  testId: string;
  /** The draft's name (per record: "discontinue-12"). */
  draftId: string;
  /** useSave is the area's mutation that does the act with the trimmed reason. */
  useSave: (options: SaveOptions<string, unknown>) => ApiMutation<string, unknown>;
  onClose: () => void;
}

export function ReasonModal({ title, label, description, submitLabel, submitColor, testId, draftId, useSave, onClose }: ReasonModalProps) {
  const { t } = useTranslation();
  const { user } = useSession();
  const { form, restored, discardDraft } = usePersistentForm({
    id: draftId,
    owner: user.id,
    initialValues: { reason: '' },
    validate: { reason: (v) => (v.trim() ? null : t('pharmacy.giveReason')) },
  });
  const save = useSave({ form, onSuccess: discardDraft, close: onClose });

  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={form.onSubmit((v) => save.submit(v.reason.trim()))} noValidate data-testid={`${testId}-form`}>
        <Stack>
          <DraftNotice
            restored={restored}
            onDiscard={() => {
              discardDraft();
              form.setValues({ reason: '' });
            }}
          />
          <Textarea label={label} description={description} required autosize minRows={2} name="reason" data-autofocus {...form.getInputProps('reason')} />
          <FormError message={save.message} />
          <FormButtons busy={save.busy} onCancel={onClose} label={submitLabel} color={submitColor} testId={`${testId}-submit`} />
        </Stack>
      </form>
    </Modal>
  );
}
