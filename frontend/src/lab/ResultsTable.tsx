// A lab order's results with their flags: the consultation's and the chart's view (the lab
// enters values on its worklist). A critical result stays marked until the doctor
// acknowledges it; an amended one says so and shows the earlier values.
import { Badge, Button, Group, Table, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../i18n/format';
import { critical, useAcknowledge, type LabResult } from './queries';

export function FlagBadge({ flag }: { flag: string }) {
  const { t } = useTranslation();
  if (!flag) return null;
  const color = critical(flag) ? 'red' : flag === 'abnormal' ? 'orange' : 'yellow';
  return (
    <Badge color={color} variant={critical(flag) ? 'filled' : 'light'} data-testid="lab-flag" data-flag={flag}>
      {t(`lab.flag.${flag}` as 'lab.flag.low')}
    </Badge>
  );
}

/** resultValue is a result's value as shown: the number and unit, or the choice in words. */
export function resultValue(r: LabResult, t: (k: string) => string, lang: string): string {
  if (r.status === 'pending') return t('lab.pending');
  if (r.value_numeric != null) return `${r.value_numeric.toLocaleString(lang)} ${r.unit}`.trim();
  if (r.result_type === 'choice') return t(`lab.choice.${r.value_text}`) || r.value_text;
  return r.value_text;
}

export function ResultsTable({ results, canAcknowledge }: { results: LabResult[]; canAcknowledge: boolean }) {
  const { t, i18n } = useTranslation();
  const ack = useAcknowledge({ success: t('lab.acknowledged') });
  return (
    <Table verticalSpacing={4} data-testid="lab-results">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('lab.test')}</Table.Th>
          <Table.Th>{t('lab.result')}</Table.Th>
          <Table.Th>{t('lab.reference')}</Table.Th>
          <Table.Th>{t('lab.flagHeader')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {results.map((r) => (
          <Table.Tr key={r.id} data-testid="lab-result" data-test={r.test_code} data-flag={r.flag}>
            <Table.Td>{r.test_name}</Table.Td>
            <Table.Td>
              <Text span fw={r.flag ? 700 : undefined}>
                {resultValue(r, t as (k: string) => string, i18n.language)}
              </Text>
              {r.amended && (
                <Tooltip
                  multiline
                  w={280}
                  label={r.amendments
                    .map((a) => `${formatDateTime(a.amended_at, i18n.language)} ${a.old_numeric ?? a.old_text}: ${a.reason} (${a.amended_by_name})`)
                    .join(' · ')}
                >
                  <Badge ml="xs" variant="outline" color="gray" data-testid="lab-amended">
                    {t('lab.amended')}
                  </Badge>
                </Tooltip>
              )}
              {r.status === 'entered' && (
                <Badge ml="xs" variant="outline">
                  {t('lab.awaitingVerification')}
                </Badge>
              )}
            </Table.Td>
            <Table.Td>{r.reference}</Table.Td>
            <Table.Td>
              <Group gap="xs">
                <FlagBadge flag={r.flag} />
                {critical(r.flag) && !r.acknowledged_at && canAcknowledge && (
                  <Button size="compact-xs" color="red" variant="light" loading={ack.busy} onClick={() => ack.submit(r.id)} data-testid="lab-acknowledge">
                    {t('lab.acknowledge')}
                  </Button>
                )}
              </Group>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
