// AppointmentActions: the moves an appointment can make from its status, and only those
// (check in, start, complete, no-show, cancel with a reason, reschedule a scheduled one).
import { Alert, Badge, Button, Group, Menu, Modal, NativeSelect, SimpleGrid, Stack, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconCalendarEvent, IconChevronDown } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Appointment } from '../api/types';
import { useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { useServerErrors } from '../forms/useServerErrors';
import { useAppointments, useMove } from './queries';
import { isPast, legalMoves, slotTimes, takenSlots, type Status } from './schedule';
import { clinicToday } from '../i18n/format';
import { DateField } from '../forms/DateField';

const STATUS_COLORS: Record<string, string> = {
  scheduled: 'blue',
  checked_in: 'teal',
  in_progress: 'grape',
  completed: 'gray',
  cancelled: 'red',
  no_show: 'orange',
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLORS[status] ?? 'gray'} variant="light" data-status={status}>
      {statusLabel(status, t)}
    </Badge>
  );
}

export function statusLabel(status: string, t: TFunction): string {
  return status in STATUS_COLORS ? t(`appointmentStatus.${status as Status}`) : status;
}

export function AppointmentActions({ appointment: a, size = 'compact-sm' }: { appointment: Appointment; size?: string }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const move = useMove();
  const [dialog, setDialog] = useState<'cancel' | 'reschedule' | null>(null);
  const [busy, setBusy] = useState(false);
  const moves = legalMoves(a.status);
  if (!can('appointments.write') || moves.length === 0) return null;

  async function go(status: Status) {
    if (status === 'cancelled') {
      setDialog('cancel');
      return;
    }
    setBusy(true);
    try {
      await move(a, { status });
      notifications.show({ color: 'teal', message: t('appointments.moved', { patient: a.patient_name, status: statusLabel(status, t) }) });
    } catch (err) {
      notifications.show({ color: 'red', message: problemMessage(err, t, i18n.language) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button size={size} variant="light" rightSection={<IconChevronDown size={14} />} loading={busy} className="no-print" data-testid={`actions-${a.id}`}>
            {t('common.actions')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {moves.map((m) => (
            <Menu.Item key={m} onClick={() => void go(m)} data-move={m} color={m === 'cancelled' || m === 'no_show' ? 'red' : undefined}>
              {t(`appointmentMoves.${m}`)}
            </Menu.Item>
          ))}
          {a.status === 'scheduled' && (
            <Menu.Item leftSection={<IconCalendarEvent size={14} />} onClick={() => setDialog('reschedule')} data-move="reschedule">
              {t('appointments.reschedule')}
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>
      {dialog === 'cancel' && <CancelModal appointment={a} onClose={() => setDialog(null)} />}
      {dialog === 'reschedule' && <RescheduleModal appointment={a} onClose={() => setDialog(null)} />}
    </>
  );
}

function CancelModal({ appointment: a, onClose }: { appointment: Appointment; onClose: () => void }) {
  const { t } = useTranslation();
  const move = useMove();
  const [busy, setBusy] = useState(false);
  const form = useForm({ mode: 'controlled', initialValues: { cancel_reason: '' }, validate: { cancel_reason: (v) => (v.trim() ? null : t('validation.required')) } });
  const errors = useServerErrors(form);
  return (
    <Modal opened onClose={onClose} title={t('appointments.cancelTitle', { patient: a.patient_name })}>
      <form
        noValidate
        data-testid="cancel-form"
        onSubmit={form.onSubmit(async (v) => {
          setBusy(true);
          try {
            await move(a, { status: 'cancelled', cancel_reason: v.cancel_reason.trim() });
            onClose();
          } catch (err) {
            errors.handle(err);
          } finally {
            setBusy(false);
          }
        })}
      >
        <Stack>
          <Textarea label={t('appointments.cancelReason')} required data-autofocus name="cancel_reason" autosize minRows={2} {...form.getInputProps('cancel_reason')} />
          {errors.message && <Alert color="red">{errors.message}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.back')}
            </Button>
            <Button type="submit" color="red" loading={busy}>
              {t('appointments.cancelSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function RescheduleModal({ appointment: a, onClose }: { appointment: Appointment; onClose: () => void }) {
  const { t } = useTranslation();
  const move = useMove();
  const [busy, setBusy] = useState(false);
  const form = useForm({ mode: 'controlled', initialValues: { date: a.date, time: '' } });
  const errors = useServerErrors(form);
  const day = useAppointments({ doctor_id: a.doctor_id, date: form.values.date }, { enabled: /^\d{4}-\d{2}-\d{2}$/.test(form.values.date) });
  const times = useMemo(() => {
    const taken = takenSlots(day.data ?? []);
    const now = new Date();
    return slotTimes().filter((s) => !taken.has(`${form.values.date} ${s}`) && !isPast(form.values.date, s, now));
  }, [day.data, form.values.date]);
  return (
    <Modal opened onClose={onClose} title={t('appointments.rescheduleTitle', { patient: a.patient_name })}>
      <form
        noValidate
        data-testid="reschedule-form"
        onSubmit={form.onSubmit(async (v) => {
          setBusy(true);
          try {
            await move(a, { date: v.date, time: v.time });
            onClose();
          } catch (err) {
            errors.handle(err);
          } finally {
            setBusy(false);
          }
        })}
      >
        <Stack>
          <SimpleGrid cols={2}>
            <DateField label={t('appointments.date')} name="date" required min={clinicToday()} data-autofocus {...form.getInputProps('date')} />
            <NativeSelect
              label={t('appointments.time')}
              name="time"
              data={[{ value: '', label: times.length ? t('appointments.chooseTime') : t('appointments.noFreeTime'), disabled: true }, ...times.map((s) => ({ value: s, label: s }))]}
              {...form.getInputProps('time')}
            />
          </SimpleGrid>
          {errors.message && <Alert color="red">{errors.message}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.back')}
            </Button>
            <Button type="submit" loading={busy} disabled={!form.values.time}>
              {t('appointments.rescheduleSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
