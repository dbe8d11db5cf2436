// CallNextButton (the doctor's list): calls the doctor's next patient to their room; the
// waiting-room displays show it with a chime. The room is the one last used on this computer.
import { Button, Group, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconSpeakerphone } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemMessage } from '../forms/errors';
import { useCallNext } from './queries';

const ROOM_KEY = 'chelal.room';

export function CallNextButton() {
  const { t, i18n } = useTranslation();
  const [room, setRoom] = useState(() => window.localStorage.getItem(ROOM_KEY) ?? '');
  const callNext = useCallNext({
    success: (c) => t('displays.called', { ticket: c.ticket, room: c.room }),
    // nobody waiting is news, not a failure: yellow
    onError: (err) => {
      notifications.show({ color: 'yellow', message: problemMessage(err, t, i18n.language) });
      return true;
    },
  });
  function call() {
    window.localStorage.setItem(ROOM_KEY, room);
    void callNext.submit(room);
  }
  return (
    <Group gap="xs" align="flex-end">
      <TextInput size="sm" w={120} label={t('displays.room')} value={room} onChange={(e) => setRoom(e.currentTarget.value)} data-testid="call-room" />
      <Button leftSection={<IconSpeakerphone size={18} aria-hidden />} loading={callNext.busy} onClick={call} data-testid="call-next">
        {t('displays.callNext')}
      </Button>
    </Group>
  );
}
