// ActionsTh: the header of a table's column of row buttons: named for screen readers only.
import { Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function ActionsTh({ className }: { className?: string }) {
  const { t } = useTranslation();
  return (
    <Table.Th className={className}>
      <span className="visually-hidden">{t('common.actions')}</span>
    </Table.Th>
  );
}
