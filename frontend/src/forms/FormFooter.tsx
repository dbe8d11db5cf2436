// The end of every form: the failure that found no field (above the buttons), then Cancel and
// the submit button, which spins while the save is under way (a form that stays on its screen,
// such as a card or a panel, has the submit button alone).
import { Alert, Button, Group, type ButtonVariant, type MantineSize } from '@mantine/core';
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
  /** What Cancel does; without it there is no Cancel button. */
  onCancel?: () => void;
  /** The submit button's words (default: Save). */
  label?: string;
  /** The submit button's data-testid. */
  testId?: string;
  color?: string;
  disabled?: boolean;
  cancelLabel?: string;
  size?: MantineSize;
  variant?: ButtonVariant;
  /** The icon before the submit button's words. */
  icon?: ReactNode;
}

/** FormButtons: Cancel (when the form has one), then the submit button. */
export function FormButtons({ busy, onCancel, label, testId, color, disabled, cancelLabel, size, variant, icon }: FormButtonsProps) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end">
      {onCancel && (
        <Button variant="default" size={size} onClick={onCancel}>
          {cancelLabel ?? t('common.cancel')}
        </Button>
      )}
      <Button type="submit" size={size} color={color} variant={variant} leftSection={icon} loading={busy} disabled={disabled} data-testid={testId}>
        {label ?? t('common.save')}
      </Button>
    </Group>
  );
}
