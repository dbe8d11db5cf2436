// ReasonModal: a dialog that asks why before an act that needs a reason (discontinuing a
// prescription, sending one back to its prescriber): the reason is required here and by the
// server, the server's error on `reason` shows beside the field, any other problem above the
// buttons.
import { Alert, Button, Group, Modal, Stack, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';

export interface ReasonModalProps {
  title: string;
  label: string;
  description?: string;
  submitLabel: string;
  submitColor?: string;
  /** testId names the form (`<testId>-form`) and its submit button (`<testId>-submit`). */
  testId: string;
  /** act does the act with the trimmed reason; it throws the API's error on failure. */
  act: (reason: string) => Promise<void>;
  /** problem turns a failure (other than a field error on `reason`) into a message. */
  problem: (err: unknown) => string;
  onClose: () => void;
}

export function ReasonModal({ title, label, description, submitLabel, submitColor, testId, act, problem, onClose }: ReasonModalProps) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    if (!reason.trim()) {
      setReasonError(t('pharmacy.giveReason'));
      return;
    }
    setBusy(true);
    setError(null);
    setReasonError(null);
    try {
      await act(reason.trim());
      onClose();
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.reason) setReasonError(err.fieldErrors.reason);
      else setError(problem(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={submit} noValidate data-testid={`${testId}-form`}>
        <Stack>
          <Textarea
            label={label}
            description={description}
            required
            autosize
            minRows={2}
            name="reason"
            value={reason}
            error={reasonError}
            onChange={(ev) => setReason(ev.currentTarget.value)}
            data-autofocus
          />
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" color={submitColor} loading={busy} data-testid={`${testId}-submit`}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
