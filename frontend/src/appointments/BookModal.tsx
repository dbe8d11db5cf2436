// BookModal: books an appointment: the patient (given, or picked with the patient search), the
// doctor, the day and a free 15-minute slot. With no slot given it proposes the doctor's first
// free slot from now on, so from a chart `b` then Enter books. A slot taken meanwhile by
// another desk is refused by the server with a clear message, and the next free slot is offered.
import { Alert, Modal, NativeSelect, SegmentedControl, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Appointment, Patient } from '../api/types';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { FormButtons, FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { clinicToday, formatDate, formatLongDay } from '../i18n/format';
import { ChosenPatient, PatientPicker } from '../patients/PatientPicker';
import { RegisterAction } from '../patients/RegisterAction';
import { lastDoctor, useAppointments, useBook, useDoctors } from './queries';
import { addDays, firstFreeSlot, isPast, slotTimes, takenSlots } from './schedule';
import { DateField } from '../forms/DateField';

export interface BookModalProps {
  patient?: Patient;
  doctorId?: number;
  date?: string;
  time?: string;
  onClose: () => void;
  onBooked?: (a: Appointment) => void;
}

const SEARCH_DAYS = 14;

export function BookModal({ patient: given, doctorId, date, time, onClose, onBooked }: BookModalProps) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const doctors = useDoctors();
  const [patient, setPatient] = useState<Patient | undefined>(given);
  const [q, setQ] = useState('');
  // true while the slot is the proposed "first free" one (not chosen by hand)
  const [auto, setAuto] = useState(!date || !time);
  const today = clinicToday();
  const { form, restored, discardDraft } = usePersistentForm({
    id: `book-${given?.id ?? 0}`,
    owner: user.id,
    initialValues: { doctor_id: doctorId ? String(doctorId) : '', date: date ?? today, time: time ?? '', reason: '', patient_id: given?.id ?? 0, mode: 'in_person' },
    // the slot is proposed or picked from the free ones each time: only the reason is a draft
    secret: ['doctor_id', 'date', 'time', 'patient_id'],
  });
  // One key per attempt: a resubmission after a lost answer creates nothing twice.
  const book = useBook({
    form,
    onSuccess: discardDraft,
    success: (a) => t('appointments.booked', { patient: a.patient_name, doctor: a.doctor_name, day: formatLongDay(a.date, i18n.language), time: a.time }),
    close: (a) => {
      onBooked?.(a);
      onClose();
    },
  });
  const doctor = Number(form.values.doctor_id);

  // the default doctor: the one given, else the one this desk booked with last, else the first
  useEffect(() => {
    const list = doctors.data ?? [];
    if (form.values.doctor_id || list.length === 0) return;
    const last = lastDoctor();
    form.setFieldValue('doctor_id', String((list.find((d) => d.id === last) ?? list[0]!).id));
  }, [doctors.data]);

  const range = useAppointments({ doctor_id: doctor, from: today, to: addDays(today, SEARCH_DAYS - 1) }, { enabled: doctor > 0 && auto });
  const day = useAppointments({ doctor_id: doctor, date: form.values.date }, { enabled: doctor > 0 && /^\d{4}-\d{2}-\d{2}$/.test(form.values.date) });

  // propose the first free slot of the chosen doctor
  useEffect(() => {
    if (!auto || !range.data) return;
    const free = firstFreeSlot(takenSlots(range.data), new Date(), SEARCH_DAYS);
    if (free) form.setValues({ date: free.date, time: free.time });
  }, [auto, range.data, doctor]);

  const times = useMemo(() => {
    const taken = takenSlots(day.data ?? []);
    const now = new Date();
    return slotTimes().filter((s) => s === form.values.time || (!taken.has(`${form.values.date} ${s}`) && !isPast(form.values.date, s, now)));
  }, [day.data, form.values.date, form.values.time]);

  function submit(v: typeof form.values) {
    if (!patient) {
      book.setMessage(t('appointments.choosePatient'));
      return;
    }
    void book.submit({ patient_id: patient.id, doctor_id: Number(v.doctor_id), date: v.date, time: v.time, ...(v.reason.trim() ? { reason: v.reason.trim() } : {}), ...(v.mode === 'video' ? { video: true } : {}) });
  }

  return (
    <Modal opened onClose={onClose} title={t('appointments.book')} size="lg">
      {!patient ? (
        <PatientPicker value={q} onChange={setQ} onPick={(p) => setPatient(p)} autoFocus label={t('appointments.patient')} testId="book-patient" noneAction={<RegisterAction />} />
      ) : (
        <form
          onSubmit={form.onSubmit(submit)}
          noValidate
          data-testid="book-form"
          onKeyDown={(e) => {
            // Enter on a select books too: doctor, then Enter
            if (e.key === 'Enter' && e.target instanceof HTMLSelectElement) {
              e.preventDefault();
              form.onSubmit(submit)();
            }
          }}
        >
          <Stack>
            <DraftNotice
              restored={restored}
              onDiscard={() => {
                discardDraft();
                form.setFieldValue('reason', '');
              }}
            />
            <div>
              <Text size="sm" fw={500}>
                {t('appointments.patient')}
              </Text>
              <ChosenPatient patient={patient} onChange={given ? undefined : () => setPatient(undefined)} testId="book-patient-chosen" />
            </div>
            <NativeSelect
              label={t('appointments.doctor')}
              name="doctor_id"
              data-autofocus
              autoFocus
              data={(doctors.data ?? []).map((d) => ({ value: String(d.id), label: d.name }))}
              {...form.getInputProps('doctor_id')}
              onChange={(e) => {
                form.setFieldValue('doctor_id', e.currentTarget.value);
                if (!date || !time) setAuto(true);
              }}
            />
            {doctors.isSuccess && doctors.data.length === 0 && <Alert color="yellow">{t('appointments.noDoctors')}</Alert>}
            <SimpleGrid cols={2}>
              <DateField
                label={t('appointments.date')}
                description={/^\d{4}-\d{2}-\d{2}$/.test(form.values.date) ? formatDate(form.values.date, i18n.language) : undefined}
                inputWrapperOrder={['label', 'input', 'description', 'error']}
                name="date"
                required
                min={today}
                {...form.getInputProps('date')}
                onChange={(v) => {
                  setAuto(false);
                  form.setValues({ date: v, time: '' });
                }}
              />
              <NativeSelect
                label={t('appointments.time')}
                name="time"
                data={[{ value: '', label: times.length ? t('appointments.chooseTime') : t('appointments.noFreeTime'), disabled: true }, ...times.map((s) => ({ value: s, label: s }))]}
                {...form.getInputProps('time')}
                onChange={(e) => {
                  setAuto(false);
                  form.setFieldValue('time', e.currentTarget.value);
                }}
              />
            </SimpleGrid>
            {auto && form.values.time && (
              <Text size="sm" c="dimmed" data-testid="first-free">
                {t('appointments.firstFree', { day: formatLongDay(form.values.date, i18n.language), time: form.values.time })}
              </Text>
            )}
            <TextInput label={t('appointments.reason')} name="reason" {...form.getInputProps('reason')} />
            {/* in person, or a video consultation (telemedicine: the session is created with it) */}
            <SegmentedControl
              aria-label={t('telemed.mode')}
              data={[
                { value: 'in_person', label: t('telemed.inPerson') },
                { value: 'video', label: t('telemed.video') },
              ]}
              data-testid="book-mode"
              {...form.getInputProps('mode')}
            />
            <FormError message={book.message} testId="book-error" />
            <FormButtons busy={book.busy} onCancel={onClose} disabled={!form.values.time || !doctor} testId="book-submit" label={t('appointments.bookSubmit')} />
          </Stack>
        </form>
      )}
    </Modal>
  );
}
