// QueuePage (/appointments/queue): today's visits that are not done, in arrival order, with
// their state (checked in, vitals taken, with the doctor, to the pharmacy, to the cashier) and
// how long they have been in it, refreshed every 15 seconds, and the walk-in check-in: find the
// patient, choose the doctor, check in now. Each row offers only the next step of its state
// that the user may take (a receptionist is not offered the consultation).
import { Anchor, Button, Group, Modal, NativeSelect, Stack, Table, Text } from '@mantine/core';
import { IconUserCheck } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../api/types';
import { useSession } from '../auth/session';
import { FormButtons, FormError } from '../forms/FormFooter';
import { formatTime, clinicToday } from '../i18n/format';
import { ChosenPatient, PatientPicker } from '../patients/PatientPicker';
import { RegisterAction } from '../patients/RegisterAction';
import { AppointmentActions } from './AppointmentActions';
import { lastDoctor, QUEUE_REFRESH_MS, useAppointments, useBook, useDoctors } from './queries';
import { NextAction, useServerNow, useVisits, VisitStateCell, WAITING_STATES } from './visits';
import { TableHead } from '../shell/TableHead';
import { PatientNameLines } from '../patients/PatientNameLines';
import { QueryError } from '../shell/PageState';

/** useQueue: today's checked-in appointments, in arrival order, kept fresh. */
export function useQueue() {
  return useAppointments({ date: clinicToday(), status: 'checked_in' }, { refetchInterval: QUEUE_REFRESH_MS });
}

export function QueuePage() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const queue = useVisits(0);
  const now = useServerNow(queue.data?.offset ?? 0);
  const [walkIn, setWalkIn] = useState(false);
  const rows = queue.data?.items ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" data-testid="queue-size">
          {t('queue.waiting', { n: rows.filter((a) => a.visit_state && WAITING_STATES.includes(a.visit_state)).length })}
        </Text>
        {can('appointments.write') && (
          <Button leftSection={<IconUserCheck size={18} />} onClick={() => setWalkIn(true)} data-testid="walk-in">
            {t('queue.walkIn')}
          </Button>
        )}
      </Group>
      <QueryError query={queue} />
      <Table striped verticalSpacing="xs" data-testid="queue">
        <TableHead
          columns={['#', t('queue.arrived'), t('appointments.patient'), t('appointments.doctor'), t('queue.wait')]}
          actions="no-print"
        />
        <Table.Tbody>
          {rows.map((a, i) => {
            const waiting = a.visit_state !== undefined && WAITING_STATES.includes(a.visit_state);
            return (
              <Table.Tr key={a.id} data-appointment={a.id} data-unique-id={a.patient_unique_id} data-state={a.visit_state}>
                <Table.Td>{i + 1}</Table.Td>
                <Table.Td>{a.checked_in_at ? formatTime(a.checked_in_at, i18n.language) : a.time}</Table.Td>
                <Table.Td>
                  <PatientNameLines id={a.patient_id} name={a.patient_name} uniqueId={a.patient_unique_id} />
                </Table.Td>
                <Table.Td>{a.doctor_name}</Table.Td>
                <Table.Td>
                  <VisitStateCell a={a} serverNow={now} />
                </Table.Td>
                <Table.Td className="no-print">
                  <Group gap={4} wrap="nowrap">
                    <NextAction a={a} can={can} ids={{ vitals: 'queue-vitals', consult: 'queue-consult', continue: 'queue-continue', dispense: 'queue-dispense', pay: 'queue-pay' }} />
                    {waiting && <AppointmentActions appointment={a} />}
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {queue.isSuccess && rows.length === 0 && <Text c="dimmed">{t('queue.empty')}</Text>}
      {walkIn && <WalkInModal onClose={() => setWalkIn(false)} />}
    </Stack>
  );
}

function WalkInModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const doctors = useDoctors();
  const [q, setQ] = useState('');
  const [patient, setPatient] = useState<Patient | null>(null);
  const [doctor, setDoctor] = useState('');
  // One key per attempt: a resubmission after a lost answer creates nothing twice.
  const book = useBook({
    // the check-in's ticket (80 mm) can be printed from the toast
    success: (a) => ({
      color: 'teal',
      autoClose: 10_000,
      message: (
        <>
          {t('queue.checkedIn', { patient: a.patient_name, doctor: a.doctor_name })}{' '}
          <Anchor href={`/api/v1/appointments/${a.id}/ticket.pdf`} target="_blank" data-testid="print-ticket">
            {t('displays.printTicket')}
          </Anchor>
        </>
      ),
    }),
    close: onClose,
  });

  useEffect(() => {
    const list = doctors.data ?? [];
    if (doctor || list.length === 0) return;
    setDoctor(String((list.find((d) => d.id === lastDoctor()) ?? list[0]!).id));
  }, [doctors.data]);

  function checkIn() {
    if (!patient || !doctor) return;
    void book.submit({ patient_id: patient.id, doctor_id: Number(doctor), walk_in: true });
  }

  return (
    <Modal opened onClose={onClose} title={t('queue.walkIn')} size="lg">
      {!patient ? (
        <PatientPicker value={q} onChange={setQ} onPick={setPatient} autoFocus label={t('appointments.patient')} testId="walk-in-patient" noneAction={<RegisterAction />} />
      ) : (
        <form
          data-testid="walk-in-form"
          onSubmit={(e) => {
            e.preventDefault();
            checkIn();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && e.target instanceof HTMLSelectElement) {
              e.preventDefault();
              checkIn();
            }
          }}
        >
          <Stack>
            <ChosenPatient patient={patient} onChange={() => setPatient(null)} />
            <NativeSelect
              label={t('appointments.doctor')}
              data-autofocus
              autoFocus
              name="doctor_id"
              value={doctor}
              onChange={(e) => setDoctor(e.currentTarget.value)}
              data={(doctors.data ?? []).map((d) => ({ value: String(d.id), label: d.name }))}
            />
            <FormError message={book.message} />
            <FormButtons busy={book.busy} onCancel={onClose} disabled={!doctor} testId="check-in-now" label={t('queue.checkInNow')} />
          </Stack>
        </form>
      )}
    </Modal>
  );
}
