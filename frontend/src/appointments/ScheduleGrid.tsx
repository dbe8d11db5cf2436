// ScheduleGrid: rows of 15-minute slots, a column per doctor (day view) or per day (week view).
// A booked slot shows its patients; an empty slot to come is a button that books it.
import { Anchor, Group, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Appointment } from '../api/types';
import { AppointmentActions } from './AppointmentActions';
import { AppointmentStatusBadge } from '../shell/StatusBadge';
import { isPast } from './schedule';

export interface Column {
  key: string;
  label: string;
  /** The date and doctor an empty slot of this column books. */
  date: string;
  doctorId: number;
}

export interface GridRow {
  time: string;
  cells: { appointments: Appointment[]; free: boolean }[];
}

export function ScheduleGrid({
  columns,
  rows,
  onBook,
  showDoctor = false,
  columnWidth = 170,
  testId = 'schedule',
}: {
  columns: Column[];
  rows: GridRow[];
  /** null: the user cannot book (no appointments.write). */
  onBook: ((c: Column, time: string) => void) | null;
  showDoctor?: boolean;
  /** The narrowest a column gets before the grid scrolls sideways, in pixels. */
  columnWidth?: number;
  testId?: string;
}) {
  const { t } = useTranslation();
  const now = new Date();
  return (
    <Table.ScrollContainer minWidth={Math.max(480, columnWidth * columns.length + 80)}>
      <Table className="schedule-grid" layout="fixed" withColumnBorders withTableBorder stickyHeader verticalSpacing={4} data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th className="slot-time">{t('appointments.time')}</Table.Th>
            {columns.map((c) => (
              <Table.Th key={c.key} data-column={c.key}>
                {c.label}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.time} data-time={r.time}>
              <Table.Td className="slot-time">{r.time}</Table.Td>
              {r.cells.map((cell, i) => {
                const col = columns[i]!;
                const bookable = onBook && cell.free && !isPast(col.date, r.time, now);
                return (
                  <Table.Td key={col.key} data-column={col.key}>
                    <Stack gap={4}>
                      {cell.appointments.map((a) => (
                        <AppointmentChip key={a.id} appointment={a} showDoctor={showDoctor} />
                      ))}
                      {bookable && (
                        <UnstyledButton
                          className="slot-free no-print"
                          onClick={() => onBook(col, r.time)}
                          aria-label={t('appointments.bookSlot', { column: col.label, time: r.time })}
                          data-free-slot={`${col.key} ${r.time}`}
                        >
                          +
                        </UnstyledButton>
                      )}
                    </Stack>
                  </Table.Td>
                );
              })}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function AppointmentChip({ appointment: a, showDoctor }: { appointment: Appointment; showDoctor?: boolean }) {
  return (
    <Stack className="appointment-chip" data-status={a.status} data-appointment={a.id} gap={2}>
      <Anchor component={Link} to={`/patients/${a.patient_id}`} size="sm" fw={600} lh={1.2}>
        {a.patient_name}
      </Anchor>
      <Text size="xs" c="dimmed">
        {a.time} · {a.patient_unique_id}
        {showDoctor ? ` · ${a.doctor_name}` : ''}
      </Text>
      <Group gap={4}>
        <AppointmentStatusBadge status={a.status} />
        <AppointmentActions appointment={a} size="compact-xs" />
      </Group>
    </Stack>
  );
}
