// A table's header row from a list of columns, the one way the screens write their <Table.Thead>.
import { Table } from '@mantine/core';
import { isValidElement, type ReactNode } from 'react';
import { ActionsTh } from './ActionsTh';

/** A column: its label, or the label with an alignment ('' gives an empty header cell). */
export type HeadCell = ReactNode | { label: ReactNode; ta: 'right' };

/** right: a right-aligned column (amounts, quantities). */
export const right = (label: ReactNode): HeadCell => ({ label, ta: 'right' });

function isAligned(c: HeadCell): c is { label: ReactNode; ta: 'right' } {
  return typeof c === 'object' && c !== null && !isValidElement(c) && 'ta' in c;
}

export interface TableHeadProps {
  /** The columns in order; false, null and undefined leave a column out (a column shown on a condition). */
  columns: HeadCell[];
  /** Adds the row buttons' column (ActionsTh) at the end; 'no-print' hides it on paper. */
  actions?: boolean | 'no-print';
}

export function TableHead({ columns, actions }: TableHeadProps) {
  return (
    <Table.Thead>
      <Table.Tr>
        {columns
          .filter((c) => c !== false && c !== null && c !== undefined)
          .map((c, i) =>
            isAligned(c) ? (
              <Table.Th key={i} ta={c.ta}>
                {c.label}
              </Table.Th>
            ) : (
              <Table.Th key={i}>{c}</Table.Th>
            ),
          )}
        {actions && <ActionsTh className={actions === 'no-print' ? 'no-print' : undefined} />}
      </Table.Tr>
    </Table.Thead>
  );
}
