// A table's column of row buttons: its header (ActionsTh, named for screen readers only) and
// its cells (ButtonCell).
import { Button, Table, type ButtonProps } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function ActionsTh({ className }: { className?: string }) {
  const { t } = useTranslation();
  return (
    <Table.Th className={className}>
      <span className="visually-hidden">{t('common.actions')}</span>
    </Table.Th>
  );
}

export interface ButtonCellProps extends Omit<ButtonProps, 'children'> {
  onClick: () => void;
  children: ReactNode;
  /** false: the cell stays (the columns line up), empty. */
  show?: boolean;
  /** The cell's alignment and class (no-print for the screens that print). */
  cell?: { ta?: 'right'; className?: string };
  'aria-label'?: string;
  'data-testid'?: string;
}

/** ButtonCell: a table cell with one row button (compact and subtle unless told otherwise). */
export function ButtonCell({ show = true, cell, children, ...button }: ButtonCellProps) {
  return (
    <Table.Td ta={cell?.ta} className={cell?.className}>
      {show && (
        <Button size="compact-sm" variant="subtle" {...button}>
          {children}
        </Button>
      )}
    </Table.Td>
  );
}
