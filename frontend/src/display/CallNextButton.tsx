// CallNextButton (the doctor's list): calls the doctor's next patient to their room; the
// waiting-room displays show it with a chime. The room is the one last used on this computer.
import { Button, Group, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconSpeakerphone } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import { problemMessage } from '../forms/errors';

const ROOM_KEY = 'chelal.room';

export function CallNextButton() {
  const { t, i18n } = useTranslation();
  const [room, setRoom] = useState(() => window.localStorage.getItem(ROOM_KEY) ?? '');
  const [busy, setBusy] = useState(false);
  async function call() {
    setBusy(true);
    try {
      window.localStorage.setItem(ROOM_KEY, room);
      const c = await unwrap(api.client.POST('/api/v1/display/call-next', { body: { room } }));
      notifications.show({ color: 'teal', message: t('displays.called', { ticket: c.ticket, room: c.room }) });
    } catch (err) {
      notifications.show({ color: 'yellow', message: problemMessage(err, t, i18n.language) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Group gap="xs" align="flex-end">
      <TextInput size="sm" w={120} label={t('displays.room')} value={room} onChange={(e) => setRoom(e.currentTarget.value)} data-testid="call-room" />
      <Button leftSection={<IconSpeakerphone size={18} aria-hidden />} loading={busy} onClick={() => void call()} data-testid="call-next">
        {t('displays.callNext')}
      </Button>
    </Group>
  );
}
