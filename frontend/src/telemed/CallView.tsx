// CallView: the call on screen: the other side large, this side small, the controls (mute,
// camera off, switch camera, audio only, hang up) and, for the doctor, the call's quality.
import { Alert, Badge, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { IconCameraRotate, IconMicrophone, IconMicrophoneOff, IconPhoneOff, IconVideo, IconVideoOff } from '@tabler/icons-react';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { Call } from './call';

export function useCallSnapshot(call: Call) {
  return useSyncExternalStore(
    (fn) => call.subscribe(fn),
    () => call.snap,
  );
}

function Video({ stream, muted, testId, small }: { stream: MediaStream | null; muted?: boolean; testId: string; small?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return (
    <video
      ref={ref}
      autoPlay
      playsInline
      muted={muted}
      data-testid={testId}
      style={{ width: small ? 160 : '100%', maxHeight: small ? 120 : '60vh', background: '#111', borderRadius: 8, objectFit: 'cover' }}
    />
  );
}

export function CallView({ call, showQuality, onHangUp, hangUpBusy }: { call: Call; showQuality: boolean; onHangUp: () => void; hangUpBusy?: boolean }) {
  const { t } = useTranslation();
  const s = useCallSnapshot(call);
  const q = s.quality;
  const over = s.state === 'ended' || s.state === 'refused' || s.state === 'failed';
  return (
    <Stack gap="xs" data-testid="call" data-state={s.state}>
      <Group gap="xs">
        <Badge color={s.state === 'connected' ? 'teal' : over ? 'gray' : 'yellow'} data-testid="call-state">
          {t(`telemed.state.${s.state}`)}
        </Badge>
        {s.other && <Text size="sm">{t('telemed.with', { name: s.other.name })}</Text>}
        {s.audioOnly && (
          <Badge color="orange" data-testid="audio-only">
            {s.autoAudioOnly ? t('telemed.audioOnlyAuto') : t('telemed.audioOnly')}
          </Badge>
        )}
      </Group>
      {s.state === 'refused' && (
        <Alert color="red" data-testid="call-refused">
          {s.refusedStatus === 409 ? t('telemed.refusedFull') : t('telemed.refused')} {s.error}
        </Alert>
      )}
      {s.state === 'failed' && <Alert color="red">{t('telemed.failed', { error: s.error })}</Alert>}
      {s.state === 'ended' && (
        <Alert color="gray" data-testid="call-ended">
          {t('telemed.ended')}
        </Alert>
      )}
      {!over && (
        <>
          <div style={{ position: 'relative' }}>
            <Video stream={s.remote} testId="remote-video" />
            <div style={{ position: 'absolute', right: 8, bottom: 8 }}>
              <Video stream={s.local} muted testId="local-video" small />
            </div>
          </div>
          <Group gap="xs">
            <Button variant="light" leftSection={s.muted ? <IconMicrophoneOff size={16} /> : <IconMicrophone size={16} />} onClick={() => call.toggleMute()} data-testid="call-mute" aria-pressed={s.muted}>
              {s.muted ? t('telemed.unmute') : t('telemed.mute')}
            </Button>
            <Button variant="light" leftSection={s.cameraOff ? <IconVideoOff size={16} /> : <IconVideo size={16} />} onClick={() => call.toggleCamera()} data-testid="call-camera" aria-pressed={s.cameraOff}>
              {s.cameraOff ? t('telemed.cameraOn') : t('telemed.cameraOff')}
            </Button>
            {call.canSwitchCamera && (
              <Button variant="light" leftSection={<IconCameraRotate size={16} />} onClick={() => void call.switchCamera()} data-testid="call-switch">
                {t('telemed.switchCamera')}
              </Button>
            )}
            <Button variant="light" onClick={() => call.setAudioOnly(!s.audioOnly)} data-testid="call-audio-only" aria-pressed={s.audioOnly}>
              {s.audioOnly ? t('telemed.videoBack') : t('telemed.audioOnly')}
            </Button>
            <Button color="red" leftSection={<IconPhoneOff size={16} />} onClick={onHangUp} loading={hangUpBusy} data-testid="call-hangup">
              {t('telemed.hangUp')}
            </Button>
          </Group>
        </>
      )}
      {/* the figures come from getStats each second; frames decoded lets a test see video arrive */}
      <Paper withBorder p="xs" hidden={!showQuality || over} data-testid="call-quality" data-frames-decoded={q.framesDecoded} data-rtt={q.rttMs ?? ''} data-loss={q.lossPct ?? ''}>
        <Group gap="md">
          <Text size="sm">{t('telemed.rtt', { ms: q.rttMs ?? '–' })}</Text>
          <Text size="sm">{t('telemed.loss', { pct: q.lossPct ?? '–' })}</Text>
          <Text size="sm">{t('telemed.bandwidth', { kbps: q.outKbps ?? '–' })}</Text>
          {q.poor && (
            <Badge color="orange" size="sm">
              {t('telemed.poor')}
            </Badge>
          )}
        </Group>
      </Paper>
    </Stack>
  );
}
