// VideoActions: on a video appointment, the doctor's and nurse's "Join the video call", and
// reception's "Patient link" (a one-time link, its short code and QR code, revocable).
import { Alert, Badge, Button, Code, CopyButton, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { IconQrcode, IconVideo } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Appointment } from '../api/types';
import { useSession } from '../auth/session';
import { FormError } from '../forms/FormFooter';
import { formatDateTime } from '../i18n/format';
import { qrPath } from '../patients/qr';
import { ButtonCell } from '../shell/ActionsTh';
import { formatCode, joinURL, useCreateLink, useLinks, useRevokeLink, type PatientLink } from './queries';

export function VideoActions({ appointment: a, size = 'compact-sm' }: { appointment: Appointment; size?: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const [links, setLinks] = useState(false);
  const id = a.video_session_id;
  if (!id || ['completed', 'cancelled', 'no_show'].includes(a.status)) return null;
  return (
    <Group gap={4} wrap="nowrap" className="no-print">
      {can('telemedicine.join') && (
        <Button component={Link} to={`/video/${id}`} size={size} color="indigo" leftSection={<IconVideo size={14} />} data-testid={`video-join-${a.id}`}>
          {t('telemed.joinShort')}
        </Button>
      )}
      {can('appointments.write') && (
        <Button size={size} variant="light" color="indigo" leftSection={<IconQrcode size={14} />} onClick={() => setLinks(true)} data-testid={`video-link-${a.id}`}>
          {t('telemed.patientLink')}
        </Button>
      )}
      {links && <PatientLinkModal session={id} patient={a.patient_name} onClose={() => setLinks(false)} />}
    </Group>
  );
}

/** VideoBadge marks a video appointment in lists. */
export function VideoBadge({ appointment: a }: { appointment: Appointment }) {
  const { t } = useTranslation();
  if (!a.video_session_id) return null;
  return (
    <Badge size="xs" color="indigo" variant="light" leftSection={<IconVideo size={10} />}>
      {t('telemed.video')}
    </Badge>
  );
}

function PatientLinkModal({ session, patient, onClose }: { session: number; patient: string; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const [fresh, setFresh] = useState<PatientLink | null>(null);
  const create = useCreateLink(session, { onSuccess: (l) => setFresh(l) });
  const revoke = useRevokeLink(session);
  const list = useLinks(session);
  const url = fresh?.code ? joinURL(fresh.code) : '';
  const qr = useMemo(() => (url ? qrPath(url) : null), [url]);
  return (
    <Modal opened onClose={onClose} title={t('telemed.linkTitle', { patient })} size="lg">
      <Stack>
        <Text size="sm" c="dimmed">
          {t('telemed.linkHelp')}
        </Text>
        {fresh?.code && qr ? (
          <Stack align="center" data-testid="video-link-fresh">
            <svg viewBox={`0 0 ${qr.size} ${qr.size}`} width={220} height={220} role="img" aria-label={t('telemed.qr')} shapeRendering="crispEdges">
              <rect width={qr.size} height={qr.size} fill="#fff" />
              <path d={qr.d} fill="#000" />
            </svg>
            <Text size="xl" fw={700} ff="monospace" data-testid="video-link-code" data-code={fresh.code}>
              {formatCode(fresh.code)}
            </Text>
            <Group gap="xs">
              <Code data-testid="video-link-url">{url}</Code>
              <CopyButton value={url}>
                {({ copied, copy }) => (
                  <Button size="compact-sm" variant="light" onClick={copy}>
                    {copied ? t('telemed.copied') : t('telemed.copy')}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Text size="sm">{t('telemed.linkExpires', { at: formatDateTime(fresh.expires_at, i18n.language) })}</Text>
            <Alert color="blue">{t('telemed.linkOnce')}</Alert>
          </Stack>
        ) : (
          <Button onClick={() => void create.submit()} loading={create.busy} data-testid="video-link-create" w="fit-content">
            {t('telemed.createLink')}
          </Button>
        )}
        <FormError message={create.message} testId="video-link-error" />
        {(list.data?.length ?? 0) > 0 && (
          <Table data-testid="video-links">
            <Table.Tbody>
              {list.data!.map((l) => (
                <Table.Tr key={l.id} data-link={l.id}>
                  <Table.Td>{formatDateTime(l.created_at, i18n.language)}</Table.Td>
                  <Table.Td>
                    {l.revoked_at ? t('telemed.linkRevoked') : l.used_at ? t('telemed.linkUsed') : new Date(l.expires_at) < new Date() ? t('telemed.linkExpired') : t('telemed.linkValid')}
                  </Table.Td>
                  <ButtonCell
                    show={!l.revoked_at}
                    cell={{ ta: 'right' }}
                    size="compact-xs"
                    color="red"
                    variant="light"
                    onClick={() => void revoke.submit(l.id)}
                    data-testid={`video-link-revoke-${l.id}`}
                  >
                    {t('telemed.revoke')}
                  </ButtonCell>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Modal>
  );
}
