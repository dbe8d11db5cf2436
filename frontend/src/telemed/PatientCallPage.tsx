// PatientCallPage (/call#CODE): a patient without an account joins their video consultation
// with the link (or the short code) reception gave them. The code is exchanged once for a guest
// token kept in this tab only; it opens this one call and nothing else of Chelal.
import { Alert, Button, Center, Container, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconVideo } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageMenu } from '../shell/LanguageMenu';
import { Call } from './call';
import { CallView } from './CallView';
import { webRTCAvailable } from './desktop';
import { guestTransport, useRedeem } from './queries';

const TOKEN_KEY = 'chelal.call';

export function PatientCallPage() {
  const { t } = useTranslation();
  const [code, setCode] = useState(() => decodeURIComponent(window.location.hash.slice(1)));
  const [doctor, setDoctor] = useState('');
  const [error, setError] = useState('');
  const [call, setCall] = useState<Call | null>(null);
  const [left, setLeft] = useState(false);
  const current = useRef<Call | null>(null);
  useEffect(() => () => current.current?.close(), []);

  const redeeming = useRedeem({
    onSuccess: (pass) => {
      sessionStorage.setItem(TOKEN_KEY, pass.token);
      setDoctor(pass.doctor);
      history.replaceState(null, '', '/call'); // the code is used: off the address bar
      setCode('');
      start(pass.token);
    },
    onError: (err) => {
      setError(err instanceof Error ? err.message : String(err));
      return true;
    },
  });
  const busy = redeeming.busy;

  function start(token: string) {
    const c = new Call(guestTransport(token));
    current.current = c;
    setCall(c);
    void c.start();
  }

  function join() {
    setError('');
    const kept = sessionStorage.getItem(TOKEN_KEY);
    if (kept && !code) {
      start(kept);
      return;
    }
    void redeeming.submit(code);
  }

  function leave() {
    current.current?.close();
    setCall(null);
    setLeft(true);
  }

  return (
    <Container size="md" py="lg">
      <Stack>
        <Center style={{ justifyContent: 'space-between' }}>
          <Title order={2}>{t('telemed.patientTitle')}</Title>
          <LanguageMenu />
        </Center>
        {doctor && <Text>{t('telemed.patientWith', { doctor })}</Text>}
        {!webRTCAvailable() ? (
          <Alert color="yellow">{t('telemed.noWebRTC')}</Alert>
        ) : call ? (
          <CallView call={call} showQuality={false} onHangUp={leave} />
        ) : (
          <Stack maw={420}>
            {left && <Alert color="gray">{t('telemed.youLeft')}</Alert>}
            <Text>{t('telemed.patientHelp')}</Text>
            <TextInput label={t('telemed.code')} value={code} onChange={(e) => setCode(e.currentTarget.value)} ff="monospace" data-testid="call-code" maxLength={40} />
            {error && (
              <Alert color="red" data-testid="call-code-error">
                {error}
              </Alert>
            )}
            <Button leftSection={<IconVideo size={18} />} onClick={join} loading={busy} disabled={!code.trim() && !sessionStorage.getItem(TOKEN_KEY)} data-testid="call-join">
              {t('telemed.join')}
            </Button>
          </Stack>
        )}
      </Stack>
    </Container>
  );
}
