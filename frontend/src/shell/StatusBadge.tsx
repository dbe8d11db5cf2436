// The status badges, in one place: an appointment's status and a bill's, each a light badge in
// the status's colour with its name in the user's language (data-status for tests and styles).
import { Badge } from '@mantine/core';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Status } from '../appointments/schedule';

/** StatusBadge: a status in its colour (gray for one the table does not know). */
export function StatusBadge({ status, colors, testId, children }: { status: string; colors: Record<string, string>; testId?: string; children: ReactNode }) {
  return (
    <Badge color={colors[status] ?? 'gray'} variant="light" data-testid={testId} data-status={status}>
      {children}
    </Badge>
  );
}

const APPOINTMENT_COLORS: Record<string, string> = {
  scheduled: 'blue',
  checked_in: 'teal',
  in_progress: 'grape',
  completed: 'gray',
  cancelled: 'red',
  no_show: 'orange',
};

/** statusLabel: an appointment status's name (an unknown one as the server wrote it). */
export function statusLabel(status: string, t: TFunction): string {
  return status in APPOINTMENT_COLORS ? t(`appointmentStatus.${status as Status}`) : status;
}

export function AppointmentStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <StatusBadge status={status} colors={APPOINTMENT_COLORS}>
      {statusLabel(status, t)}
    </StatusBadge>
  );
}

export const BILL_STATUS_COLORS: Record<string, string> = { pending: 'orange', partially_paid: 'yellow', paid: 'teal', cancelled: 'gray' };

export function BillStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <StatusBadge status={status} colors={BILL_STATUS_COLORS} testId="bill-status">
      {t(`billing.status.${status}`, { defaultValue: status })}
    </StatusBadge>
  );
}
