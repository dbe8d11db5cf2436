// The end of every form: the failure that found no field (above the buttons), then Cancel and
// the submit button, which spins while the save is under way.
import { Alert, Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** FormError shows a failure's message (nothing when there is none). */
export function FormError({ message, testId }: { message: ReactNode; testId?: string }) {
  if (!message) return null;
  return (
    <Alert color="red" role="alert" data-testid={testId}>
      {message}
    </Alert>
  );
}

export interface FormButtonsProps {
  busy: boolean;
  onCancel: () => void;
  /** The submit button's words (default: Save). */
  label?: string;
  /** The submit button's data-testid. */
  testId?: string;
  color?: string;
  disabled?: boolean;
  cancelLabel?: string;
}

/** FormButtons: Cancel, then the submit button. */
export function FormButtons({ busy, onCancel, label, testId, color, disabled, cancelLabel }: FormButtonsProps) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        {cancelLabel ?? t('common.cancel')}
      </Button>
      <Button type="submit" color={color} loading={busy} disabled={disabled} data-testid={testId}>
        {label ?? t('common.save')}
      </Button>
    </Group>
  );
}
