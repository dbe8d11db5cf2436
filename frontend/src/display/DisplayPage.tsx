// DisplayPage (/display?token=...): the waiting-room display for a TV on the LAN, opened with a
// display token (no staff login). It shows who is called to which room (the newest large, with
// a chime) and the tickets still waiting, in the display's language, and reads its board again
// whenever a visit changes (its own event stream; a slow poll while that is down).
import { Badge, Box, Button, Center, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../api';
import { playChime } from '../live/handover';

type Board = Schemas['Board'];

/** POLL_MS: how often the board is read while the display's stream is down. */
const POLL_MS = 10_000;

function tokenOf(): string {
  return new URLSearchParams(window.location.search).get('token') ?? '';
}

export function DisplayPage() {
  const { i18n } = useTranslation();
  const token = tokenOf();
  const [board, setBoard] = useState<Board | null>(null);
  const [refused, setRefused] = useState(false);
  const [muted, setMuted] = useState(false);
  const lastCall = useRef<string | null | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      const res = await fetch('/api/v1/display/board', { headers: { Accept: 'application/json', 'X-Display-Token': token }, cache: 'no-store' });
      if (res.status === 401 || res.status === 422) {
        setRefused(true);
        return;
      }
      if (!res.ok) return;
      const b = (await res.json()) as Board;
      setRefused(false);
      setBoard(b);
      const newest = b.called[0]?.called_at ?? null;
      if (lastCall.current !== undefined && newest && newest !== lastCall.current) {
        const a = new Audio('/sounds/chime.wav');
        a.play().catch(() => setMuted(true));
      }
      lastCall.current = newest;
    } catch {
      // the server is away: the next event or poll tries again
    }
  }, [token]);

  useEffect(() => {
    void load();
    let poll: ReturnType<typeof setInterval> | undefined = setInterval(() => void load(), POLL_MS);
    const es = new EventSource(`/api/v1/display/events?token=${encodeURIComponent(token)}`);
    es.onopen = () => {
      clearInterval(poll);
      poll = undefined;
      void load();
    };
    es.addEventListener('board', () => void load());
    es.addEventListener('end', () => {
      es.close();
      setRefused(true);
    });
    es.onerror = () => {
      if (poll === undefined) poll = setInterval(() => void load(), POLL_MS);
    };
    return () => {
      es.close();
      clearInterval(poll);
    };
  }, [load, token]);

  const t = i18n.getFixedT(board?.language ?? 'en');
  useEffect(() => {
    document.title = board ? `${board.clinic_name} · ${board.display}` : 'Chelal';
    if (board) document.documentElement.lang = board.language;
  }, [board]);

  if (refused) {
    return (
      <Center mih="100vh" p="xl">
        <Text size="xl" data-testid="display-refused">
          {t('display.refused')}
        </Text>
      </Center>
    );
  }
  if (!board) return null;
  const [now, ...before] = board.called;
  return (
    <Box mih="100vh" p="xl" bg="gray.0" data-testid="display">
      <Group justify="space-between" mb="lg">
        <Title order={1}>{board.clinic_name}</Title>
        {muted && (
          <Button
            variant="light"
            onClick={() => {
              playChime();
              setMuted(false);
            }}
          >
            {t('display.enableSound')}
          </Button>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
        <Stack>
          <Title order={2}>{t('display.called')}</Title>
          {now ? (
            <Paper p="xl" withBorder shadow="md" bg="teal.0" data-testid="display-now" data-label={now.label}>
              <Text fz={72} fw={800} lh={1.1}>
                {now.label}
              </Text>
              <Text fz={40} fw={600}>
                {t('display.goTo', { room: now.room })}
              </Text>
            </Paper>
          ) : (
            <Text fz={32} c="dimmed">
              {t('display.nobodyCalled')}
            </Text>
          )}
          {before.map((c) => (
            <Group key={`${c.ticket}-${c.called_at}`} justify="space-between" data-testid="display-called">
              <Text fz={36} fw={700}>
                {c.label}
              </Text>
              <Text fz={28}>{c.room}</Text>
            </Group>
          ))}
        </Stack>
        <Stack>
          <Title order={2}>{t('display.waiting')}</Title>
          <Group gap="md" data-testid="display-waiting">
            {board.waiting.map((w) => (
              <Badge key={w.ticket} size="xl" variant="outline" radius="sm" h={56} fz={28} data-label={w.label}>
                {w.label}
              </Badge>
            ))}
          </Group>
        </Stack>
      </SimpleGrid>
    </Box>
  );
}
