// AppointmentActions: the moves an appointment can make from its status, and only those
// (check in, start, complete, no-show, cancel with a reason, reschedule a scheduled one).
import { Button, Menu, Modal, NativeSelect, SimpleGrid, Stack, Textarea } from '@mantine/core';
import { IconCalendarEvent, IconChevronDown } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Appointment } from '../api/types';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { FormButtons, FormError } from '../forms/FormFooter';
import { statusLabel } from '../shell/StatusBadge';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useAppointments, useMoveAppointment } from './queries';
import { isPast, legalMoves, slotTimes, takenSlots, type Status } from './schedule';
import { clinicToday } from '../i18n/format';
import { DateField } from '../forms/DateField';
import { VideoActions } from '../telemed/VideoActions';

export function AppointmentActions({ appointment: a, size = 'compact-sm' }: { appointment: Appointment; size?: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const move = useMoveAppointment(a, { failure: 'toast', success: (_, v) => t('appointments.moved', { patient: a.patient_name, status: statusLabel(v.status ?? '', t) }) });
  const [dialog, setDialog] = useState<'cancel' | 'reschedule' | null>(null);
  const moves = legalMoves(a.status);
  const video = <VideoActions appointment={a} size={size} />; // a video appointment: join, the patient's link
  if (!can('appointments.write') || moves.length === 0) return video;

  function go(status: Status) {
    if (status === 'cancelled') {
      setDialog('cancel');
      return;
    }
    void move.submit({ status });
  }

  return (
    <>
      {video}
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button size={size} variant="light" rightSection={<IconChevronDown size={14} />} loading={move.busy} className="no-print" data-testid={`actions-${a.id}`}>
            {t('common.actions')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {moves.map((m) => (
            <Menu.Item key={m} onClick={() => go(m)} data-move={m} color={m === 'cancelled' || m === 'no_show' ? 'red' : undefined}>
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
  const { user } = useSession();
  const { form, restored, discardDraft } = usePersistentForm({
    id: `appointment-cancel-${a.id}`,
    owner: user.id,
    initialValues: { cancel_reason: '' },
    validate: { cancel_reason: (v) => (v.trim() ? null : t('validation.required')) },
  });
  const move = useMoveAppointment(a, { form, onSuccess: discardDraft, close: onClose });
  return (
    <Modal opened onClose={onClose} title={t('appointments.cancelTitle', { patient: a.patient_name })}>
      <form noValidate data-testid="cancel-form" onSubmit={form.onSubmit((v) => move.submit({ status: 'cancelled', cancel_reason: v.cancel_reason.trim() }))}>
        <Stack>
          <DraftNotice
            restored={restored}
            onDiscard={() => {
              discardDraft();
              form.setValues({ cancel_reason: '' });
            }}
          />
          <Textarea label={t('appointments.cancelReason')} required data-autofocus name="cancel_reason" autosize minRows={2} {...form.getInputProps('cancel_reason')} />
          <FormError message={move.message} />
          <FormButtons busy={move.busy} onCancel={onClose} cancelLabel={t('common.back')} color="red" label={t('appointments.cancelSubmit')} />
        </Stack>
      </form>
    </Modal>
  );
}

function RescheduleModal({ appointment: a, onClose }: { appointment: Appointment; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const { form, discardDraft } = usePersistentForm({ id: `appointment-reschedule-${a.id}-${a.version}`, owner: user.id, initialValues: { date: a.date, time: '' } });
  const move = useMoveAppointment(a, { form, onSuccess: discardDraft, close: onClose });
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
        onSubmit={form.onSubmit((v) => move.submit({ date: v.date, time: v.time }))}
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
          <FormError message={move.message} />
          <FormButtons busy={move.busy} onCancel={onClose} cancelLabel={t('common.back')} disabled={!form.values.time} label={t('appointments.rescheduleSubmit')} />
        </Stack>
      </form>
    </Modal>
  );
}
