// The appointments area: the day view (/appointments?date=&doctor=, every doctor or one), the
// week view of one doctor (/appointments/week?date=&doctor=) and the reception queue
// (/appointments/queue). An empty slot books; the day and week are in the URL.
import { ActionIcon, Alert, Button, Card, Group, NativeSelect, Stack, Tabs, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconChevronLeft, IconChevronRight } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes, useLocation, useNavigate, useSearchParams } from 'react-router';
import type { Appointment, Doctor } from '../api/types';
import { useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { formatDay, formatLongDay, clinicToday } from '../i18n/format';
import { BookModal } from './BookModal';
import { useAppointments, useDoctors } from './queries';
import { QueuePage } from './QueuePage';
import { AppointmentChip, ScheduleGrid, type Column } from './ScheduleGrid';
import { addDays, buildDayGrid, buildWeekGrid, isIsoDate, slotTimes, weekOf } from './schedule';
import { DateField } from '../forms/DateField';
import { QueryError } from '../shell/PageState';

export function AppointmentsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  useDocumentTitle(`${t('areas.appointments')} · Chelal`);
  const tab = location.pathname.startsWith('/appointments/week') ? 'week' : location.pathname.startsWith('/appointments/queue') ? 'queue' : 'day';
  return (
    <Stack>
      <Title order={2}>{t('areas.appointments')}</Title>
      <Tabs
        value={tab}
        onChange={(v) => navigate(v === 'day' ? `/appointments${location.search}` : `/appointments/${v}${v === 'queue' ? '' : location.search}`)}
        className="no-print"
      >
        <Tabs.List>
          <Tabs.Tab value="day" data-testid="tab-day">
            {t('appointments.dayView')}
          </Tabs.Tab>
          <Tabs.Tab value="week" data-testid="tab-week">
            {t('appointments.weekView')}
          </Tabs.Tab>
          <Tabs.Tab value="queue" data-testid="tab-queue">
            {t('appointments.queue')}
          </Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <Routes>
        <Route index element={<DayView />} />
        <Route path="week" element={<WeekView />} />
        <Route path="queue" element={<QueuePage />} />
      </Routes>
    </Stack>
  );
}

interface Booking {
  doctorId: number;
  date: string;
  time: string;
}

/**
 * useScheduleParams: the day (date=) and doctor (doctor=, 0 for all) in the URL. A doctor
 * sees their own schedule first.
 */
function useScheduleParams() {
  const { user } = useSession();
  const [params, setParams] = useSearchParams();
  const raw = params.get('date');
  const date = isIsoDate(raw) ? raw : clinicToday();
  const own = user.role === 'doctor' ? user.id : 0;
  const doctor = params.has('doctor') ? Number(params.get('doctor')) || 0 : own;
  const set = (next: { date?: string; doctor?: number }) => {
    const d = next.date ?? date;
    const doc = next.doctor ?? doctor;
    setParams({ date: d, doctor: String(doc) }, { replace: true });
  };
  return { date, doctor, set };
}

function DateNav({ date, step, onChange, label }: { date: string; step: number; onChange: (d: string) => void; label: string }) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" wrap="nowrap">
      <ActionIcon variant="default" size="lg" onClick={() => onChange(addDays(date, -step))} aria-label={t('appointments.previous')} data-testid="prev">
        <IconChevronLeft size={18} />
      </ActionIcon>
      <Button variant="default" onClick={() => onChange(clinicToday())} data-testid="today">
        {t('appointments.today')}
      </Button>
      <ActionIcon variant="default" size="lg" onClick={() => onChange(addDays(date, step))} aria-label={t('appointments.next')} data-testid="next">
        <IconChevronRight size={18} />
      </ActionIcon>
      <DateField name="schedule_date" required value={date} onChange={(v) => isIsoDate(v) && onChange(v)} aria-label={t('appointments.date')} w={160} data-testid="schedule-date" />
      <Text fw={600} data-testid="schedule-label">
        {label}
      </Text>
    </Group>
  );
}

function DoctorSelect({ doctors, value, onChange, allowAll }: { doctors: Doctor[]; value: number; onChange: (id: number) => void; allowAll: boolean }) {
  const { t } = useTranslation();
  return (
    <NativeSelect
      aria-label={t('appointments.doctor')}
      value={String(value)}
      onChange={(e) => onChange(Number(e.currentTarget.value))}
      data={[...(allowAll ? [{ value: '0', label: t('appointments.allDoctors') }] : []), ...doctors.map((d) => ({ value: String(d.id), label: d.name }))]}
      data-testid="doctor-filter"
      w={220}
    />
  );
}

function DayView() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const { date, doctor, set } = useScheduleParams();
  const doctors = useDoctors();
  const list = useAppointments({ date, doctor_id: doctor || undefined });
  const [booking, setBooking] = useState<Booking | null>(null);
  const shown = useMemo(() => (doctors.data ?? []).filter((d) => !doctor || d.id === doctor), [doctors.data, doctor]);
  const grid = useMemo(() => buildDayGrid(slotTimes(), shown.map((d) => d.id), list.data ?? []), [shown, list.data]);
  const columns: Column[] = shown.map((d) => ({ key: String(d.id), label: d.name, date, doctorId: d.id }));

  return (
    <Stack>
      <Group justify="space-between" className="no-print">
        <DateNav date={date} step={1} onChange={(d) => set({ date: d })} label={formatLongDay(date, i18n.language)} />
        <DoctorSelect doctors={doctors.data ?? []} value={doctor} onChange={(id) => set({ doctor: id })} allowAll />
      </Group>
      <Title order={3} className="print-only">
        {formatLongDay(date, i18n.language)}
      </Title>
      {(list.isError || doctors.isError) && <Alert color="red">{problemMessage(list.error ?? doctors.error, t, i18n.language)}</Alert>}
      {doctors.isSuccess && doctors.data.length === 0 && <Alert color="yellow">{t('appointments.noDoctors')}</Alert>}
      {shown.length > 0 && (
        <ScheduleGrid
          columns={columns}
          rows={grid.rows}
          onBook={can('appointments.write') ? (c, time) => setBooking({ doctorId: c.doctorId, date: c.date, time }) : null}
          testId="day-schedule"
        />
      )}
      <Outside list={grid.outside} />
      {booking && <BookModal doctorId={booking.doctorId} date={booking.date} time={booking.time} onClose={() => setBooking(null)} />}
    </Stack>
  );
}

function WeekView() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const { date, doctor: chosen, set } = useScheduleParams();
  const doctors = useDoctors();
  const doctor = chosen || doctors.data?.[0]?.id || 0;
  const days = weekOf(date);
  const list = useAppointments({ from: days[0], to: days[6], doctor_id: doctor }, { enabled: doctor > 0 });
  const [booking, setBooking] = useState<Booking | null>(null);
  const grid = useMemo(() => buildWeekGrid(slotTimes(), days, list.data ?? []), [days[0], list.data]);
  const columns: Column[] = days.map((d) => ({ key: d, label: formatDay(d, i18n.language), date: d, doctorId: doctor }));

  return (
    <Stack>
      <Group justify="space-between" className="no-print">
        <DateNav
          date={date}
          step={7}
          onChange={(d) => set({ date: d, doctor })}
          label={t('appointments.weekOf', { from: formatDay(days[0]!, i18n.language), to: formatDay(days[6]!, i18n.language) })}
        />
        <DoctorSelect doctors={doctors.data ?? []} value={doctor} onChange={(id) => set({ doctor: id })} allowAll={false} />
      </Group>
      <QueryError query={list} />
      {doctors.isSuccess && doctors.data.length === 0 && <Alert color="yellow">{t('appointments.noDoctors')}</Alert>}
      {doctor > 0 && (
        <ScheduleGrid
          columns={columns}
          rows={grid.rows}
          onBook={can('appointments.write') ? (c, time) => setBooking({ doctorId: c.doctorId, date: c.date, time }) : null}
          columnWidth={125}
          testId="week-schedule"
        />
      )}
      <Outside list={grid.outside} />
      {booking && <BookModal doctorId={booking.doctorId} date={booking.date} time={booking.time} onClose={() => setBooking(null)} />}
    </Stack>
  );
}

function Outside({ list }: { list: Appointment[] }) {
  const { t } = useTranslation();
  if (list.length === 0) return null;
  return (
    <Card withBorder>
      <Text fw={600} mb="xs">
        {t('appointments.outsideHours')}
      </Text>
      <Stack gap="xs">
        {list.map((a) => (
          <AppointmentChip key={a.id} appointment={a} showDoctor />
        ))}
      </Stack>
    </Card>
  );
}
