// The printable patient card: name, birth date and the record number as a Code 128 barcode
// and a QR code, both drawn here as SVG (no image service, nothing remote).
import { Button, Group, Stack, Text } from '@mantine/core';
import { IconPrinter } from '@tabler/icons-react';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../api/types';
import { formatDate } from '../i18n/format';
import { bornText } from './fields';
import { code128Bars } from './code128';
import { qrPath } from './qr';

/** Barcode draws text as Code 128; height and module width in CSS pixels. */
export function Barcode({ text, height = 48, module = 1.5 }: { text: string; height?: number; module?: number }) {
  const { bars, modules } = useMemo(() => code128Bars(text), [text]);
  return (
    <svg width={modules * module} height={height} viewBox={`0 0 ${modules} ${height}`} preserveAspectRatio="none" role="img" aria-label={text} data-testid="barcode">
      <rect width={modules} height={height} fill="#fff" />
      {bars.map((b) => (
        <rect key={b.x} x={b.x} y={0} width={b.width} height={height} fill="#000" />
      ))}
    </svg>
  );
}

export function QrCode({ text, size = 96 }: { text: string; size?: number }) {
  const { d, size: n } = useMemo(() => qrPath(text), [text]);
  return (
    <svg width={size} height={size} viewBox={`0 0 ${n} ${n}`} role="img" aria-label={text} data-testid="qrcode" shapeRendering="crispEdges">
      <rect width={n} height={n} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

export function PatientCard({ patient: p }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  return (
    <Stack align="flex-start">
      <Group className="no-print">
        <Button leftSection={<IconPrinter size={18} />} onClick={() => window.print()} data-testid="print-card">
          {t('common.print')}
        </Button>
        <Text size="sm" c="dimmed">
          {t('patients.cardHint')}
        </Text>
      </Group>
      <div className="patient-card" data-testid="patient-card">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
          <div>
            <Text size="xs" tt="uppercase" c="dimmed">
              {t('patients.cardTitle')}
            </Text>
            <Text fw={700} size="lg" lh={1.2}>
              {p.first_name} {p.last_name}
            </Text>
            <Text size="sm">{bornText(t, p, formatDate(p.date_of_birth, i18n.language))}</Text>
            <Text ff="monospace" fw={700} mt={4}>
              {p.unique_id}
            </Text>
          </div>
          <QrCode text={p.unique_id} size={80} />
        </Group>
        <Barcode text={p.unique_id} height={40} module={1.4} />
      </div>
    </Stack>
  );
}
