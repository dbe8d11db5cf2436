// HandoverCard (the profile page): which clinical hand-over notifications the user receives,
// and whether they chime. Saved in the user's preferences ("handover"), which the server reads
// when it notifies.
import { Button, Card, Checkbox, Group, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { HANDOVER_KINDS, handoverPrefs, playChime, type HandoverPrefs } from './handover';
import { useSaveHandover } from './queries';

export function HandoverCard() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [prefs, setPrefs] = useState<HandoverPrefs>(() => handoverPrefs(user.preferences));
  const saving = useSaveHandover({
    onError: () => {
      notifications.show({ color: 'red', message: t('handover.notSaved') });
      setPrefs(handoverPrefs(user.preferences));
      return true;
    },
  });
  const busy = saving.busy;

  function save(next: HandoverPrefs) {
    setPrefs(next);
    void saving.submit(next);
  }

  return (
    <Card withBorder padding="lg" data-testid="handover-card">
      <Stack>
        <div>
          <Title order={3} size="h4">
            {t('handover.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('handover.help')}
          </Text>
        </div>
        {HANDOVER_KINDS.map((k) => (
          <Checkbox key={k} label={t(`handover.kinds.${k}`)} checked={prefs[k]} disabled={busy} onChange={(e) => save({ ...prefs, [k]: e.currentTarget.checked })} data-testid={`handover-${k}`} />
        ))}
        <Group justify="space-between">
          <Switch label={t('handover.sound')} checked={prefs.sound} disabled={busy} onChange={(e) => save({ ...prefs, sound: e.currentTarget.checked })} data-testid="handover-sound" />
          <Button variant="subtle" size="compact-sm" onClick={playChime}>
            {t('handover.test')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
