// VersionConflict: what a form shows when someone else saved the record meanwhile (a 409 on
// the version): the two versions field by field, and the two ways out (take theirs, keep mine).
// The patient's edit and the consultation's notes use it.
import { Alert, Button, Group, Stack, Table } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export interface ConflictRow {
  field: string;
  label: ReactNode;
  mine: ReactNode;
  theirs: ReactNode;
  /** Marks the row (data-differs) and bolds the two values. */
  differs?: boolean;
}

export interface VersionConflictProps {
  testId: string;
  title: ReactNode;
  text: ReactNode;
  /** The header of the other version's column. */
  theirsLabel: ReactNode;
  rows: ConflictRow[];
  /** The values' cells' class (e.g. notes-text, which keeps line breaks). */
  valueClass?: string;
  takeTheirs: { label: ReactNode; onClick: () => void };
  keepMine: { label: ReactNode; onClick: () => void; testId: string };
}

export function VersionConflict({ testId, title, text, theirsLabel, rows, valueClass, takeTheirs, keepMine }: VersionConflictProps) {
  const { t } = useTranslation();
  return (
    <Stack data-testid={testId}>
      <Alert color="orange" title={title}>
        {text}
      </Alert>
      <Table withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th />
            <Table.Th>{t('patients.yourVersion')}</Table.Th>
            <Table.Th>{theirsLabel}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.field} data-field={r.field} data-differs={r.differs || undefined}>
              <Table.Td fw={500}>{r.label}</Table.Td>
              <Table.Td className={valueClass} fw={r.differs ? 700 : undefined}>
                {r.mine}
              </Table.Td>
              <Table.Td className={valueClass} fw={r.differs ? 700 : undefined}>
                {r.theirs}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group justify="flex-end">
        <Button variant="default" onClick={takeTheirs.onClick} data-testid="take-theirs">
          {takeTheirs.label}
        </Button>
        <Button onClick={keepMine.onClick} data-testid={keepMine.testId}>
          {keepMine.label}
        </Button>
      </Group>
    </Stack>
  );
}
