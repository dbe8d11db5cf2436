// The desktop window (Wails on WebKitGTK) has no WebRTC on Debian: the call opens in the
// system browser at this computer's HTTPS LAN address instead (README, "Video consultations").
import { Alert, Button, Stack } from '@mantine/core';
import { IconExternalLink } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { desktop } from '../platform/desktop';

/** webRTCAvailable: this browser can make the call (a secure context with WebRTC and a camera API). */
export function webRTCAvailable(): boolean {
  return typeof RTCPeerConnection !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

type OpenInBrowser = (path: string) => Promise<void>;

function openInBrowser(): OpenInBrowser | null {
  const d = desktop() as unknown as { OpenCallInBrowser?: OpenInBrowser } | null;
  return d && typeof d.OpenCallInBrowser === 'function' ? (p) => d.OpenCallInBrowser!(p) : null;
}

export function DesktopFallback({ path }: { path: string }) {
  const { t } = useTranslation();
  const open = openInBrowser();
  const [error, setError] = useState('');
  return (
    <Stack data-testid="call-unsupported">
      <Alert color="yellow">{open ? t('telemed.desktopNoWebRTC') : t('telemed.noWebRTC')}</Alert>
      {open && (
        <Button leftSection={<IconExternalLink size={16} />} onClick={() => open(path).catch((e: unknown) => setError(String(e)))} w="fit-content">
          {t('telemed.openInBrowser')}
        </Button>
      )}
      {error && <Alert color="red">{error}</Alert>}
    </Stack>
  );
}
