// HandoverCard (the profile page): which clinical hand-over notifications the user receives,
// and whether they chime. Saved in the user's preferences ("handover"), which the server reads
// when it notifies.
import { Button, Card, Checkbox, Group, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap } from '../api';
import { updateSessionUser, useSession } from '../auth/session';
import { HANDOVER_KINDS, handoverPrefs, playChime, type HandoverPrefs } from './handover';

export function HandoverCard() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { user } = useSession();
  const [prefs, setPrefs] = useState<HandoverPrefs>(() => handoverPrefs(user.preferences));
  const [busy, setBusy] = useState(false);

  async function save(next: HandoverPrefs) {
    setPrefs(next);
    setBusy(true);
    const put = (version: number, current: unknown) =>
      unwrap(api.client.PATCH('/api/v1/auth/me', { body: { version, preferences: { ...((current as Record<string, unknown>) ?? {}), handover: next } } }));
    try {
      let answer;
      try {
        answer = await put(user.version, user.preferences);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'stale-version')) throw err;
        const fresh = await unwrap(api.client.GET('/api/v1/auth/me'));
        answer = await put(fresh.user.version, fresh.user.preferences);
      }
      updateSessionUser(qc, answer.user);
    } catch {
      notifications.show({ color: 'red', message: t('handover.notSaved') });
      setPrefs(handoverPrefs(user.preferences));
    } finally {
      setBusy(false);
    }
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
          <Checkbox key={k} label={t(`handover.kinds.${k}`)} checked={prefs[k]} disabled={busy} onChange={(e) => void save({ ...prefs, [k]: e.currentTarget.checked })} data-testid={`handover-${k}`} />
        ))}
        <Group justify="space-between">
          <Switch label={t('handover.sound')} checked={prefs.sound} disabled={busy} onChange={(e) => void save({ ...prefs, sound: e.currentTarget.checked })} data-testid="handover-sound" />
          <Button variant="subtle" size="compact-sm" onClick={playChime}>
            {t('handover.test')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
