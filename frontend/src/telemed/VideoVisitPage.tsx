// VideoVisitPage (/video/:sessionId): the doctor's (or the far-end nurse's) video consultation:
// the call on one side, the visit's encounter on the other (notes, the vitals the nurse enters
// from her side, prescriptions). The two are independent: closing the encounter leaves the call
// up, hanging up leaves the encounter open.
import { Alert, Button, Center, Grid, Group, Loader, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconVideo } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useParams } from 'react-router';
import { markActivity } from '../auth/IdleLogoff';
import { useSession } from '../auth/session';
import { FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { formatDateTime } from '../i18n/format';
import { roleLabel } from '../shell/roleLabel';
import { ConsultationPage } from '../clinical/ConsultationPage';
import { OpenVisit } from '../clinical/VisitQueue';
import { Call } from './call';
import { CallView } from './CallView';
import { DesktopFallback, webRTCAvailable } from './desktop';
import { staffTransport, useEndCall, useSaveVideoNotes, useVideoSession, type VideoSession } from './queries';


export function VideoVisitPage() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().sessionId);
  const session = useVideoSession(id);
  const { can } = useSession();
  const [call, setCall] = useState<Call | null>(null);
  const end = useEndCall(id);
  const current = useRef<Call | null>(null);
  useEffect(() => () => current.current?.close(), []); // leaving the page leaves the call
  // A call in progress is the user at work: it keeps the idle logoff away (and tells the server).
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (current.current?.snap.state === 'connected') markActivity();
    }, 20_000);
    return () => window.clearInterval(timer);
  }, []);

  function join() {
    current.current?.close();
    const c = new Call(staffTransport(id));
    current.current = c;
    setCall(c);
    void c.start();
  }

  if (session.isPending) {
    return (
      <Center p="xl">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  }
  if (session.isError) return <Alert color="red">{String(session.error)}</Alert>;
  const s = session.data;
  const open = s.status === 'scheduled' || s.status === 'active';
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('telemed.title', { patient: s.patient_name })}</Title>
        <Text c="dimmed" data-testid="video-status" data-status={s.status}>
          {t(`telemed.status.${s.status}`)}
          {s.started_at ? ` · ${t('telemed.started', { at: formatDateTime(s.started_at, i18n.language) })}` : ''}
          {s.ended_at ? ` · ${t('telemed.endedAt', { at: formatDateTime(s.ended_at, i18n.language) })}` : ''}
        </Text>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Stack>
            {call ? (
              <CallView call={call} showQuality={can('telemedicine.join')} onHangUp={() => void end.submit()} hangUpBusy={end.busy} />
            ) : !webRTCAvailable() ? (
              <DesktopFallback path={`/video/${id}`} />
            ) : open ? (
              <Button leftSection={<IconVideo size={18} />} size="lg" onClick={join} disabled={!can('telemedicine.join')} data-testid="call-join" w="fit-content">
                {t('telemed.join')}
              </Button>
            ) : (
              <Alert color="gray">{t(`telemed.status.${s.status}`)}</Alert>
            )}
            <Participants s={s} />
            {can('telemedicine.join') && <VideoNotes key={s.version} s={s} />}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Routes>
            <Route path="visit/:appointmentId" element={<OpenVisit to={(e) => `/video/${id}/encounter/${e}`} back={`/video/${id}`} />} />
            <Route
              path="encounter/:encounterId"
              element={<ConsultationPage />}
            />
            <Route
              index
              element={
                can('vitals.write') || can('encounters.write') ? (
                  <Button component={Link} to={`visit/${s.appointment_id}`} variant="light" data-testid="video-open-encounter">
                    {t('telemed.openEncounter')}
                  </Button>
                ) : null
              }
            />
          </Routes>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function Participants({ s }: { s: VideoSession }) {
  const { t, i18n } = useTranslation();
  if (s.participants.length === 0) return null;
  return (
    <Stack gap={2} data-testid="video-participants">
      <Text size="sm" fw={600}>
        {t('telemed.whoJoined')}
      </Text>
      {s.participants.map((p, i) => (
        <Text size="sm" key={i}>
          {formatDateTime(p.at, i18n.language)} · {p.name}
          {p.kind === 'patient' ? ` (${t('telemed.patient')})` : p.role ? ` (${roleLabel(p.role, t)})` : ''}
        </Text>
      ))}
    </Stack>
  );
}

function VideoNotes({ s }: { s: VideoSession }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const { form, discardDraft } = usePersistentForm({ id: `video-notes-${s.id}`, owner: user.id, initialValues: { notes: s.notes } });
  const save = useSaveVideoNotes(s, { form, onSuccess: discardDraft, success: t('telemed.notesSaved') });
  return (
    <form noValidate onSubmit={form.onSubmit((v) => void save.submit(v.notes))} data-testid="video-notes">
      <Stack gap="xs">
        <Textarea label={t('telemed.notes')} description={t('telemed.notesHelp')} autosize minRows={2} maxLength={5000} {...form.getInputProps('notes')} />
        <FormError message={save.message} testId="video-notes-error" />
        <Button type="submit" loading={save.busy} data-testid="video-notes-save" w="fit-content">
          {t('common.save')}
        </Button>
      </Stack>
    </form>
  );
}
