// FavouritesModal: the clinic's favourite diagnoses (administrators and doctors): add with the
// picker, move up or down, remove; saved as one ordered list. The first nine are the picker's
// number keys.
import { ActionIcon, Badge, Button, Group, Kbd, Modal, Stack, Text } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconX } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormError } from '../forms/FormFooter';
import { CodePicker } from './CodePicker';
import { useFavourites, useSetFavourites, type IcdCode } from './diagnoses';

const MAX_FAVOURITES = 20;

export function FavouritesModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const favourites = useFavourites();
  const [list, setList] = useState<IcdCode[] | null>(null);
  useEffect(() => {
    if (list === null && favourites.data) setList(favourites.data);
  }, [favourites.data, list]);
  const save = useSetFavourites({ success: t('dx.favouritesSaved'), close: onClose });
  const items = list ?? [];
  const move = (i: number, by: number) =>
    setList((l) => {
      const next = [...(l ?? [])];
      const [x] = next.splice(i, 1);
      if (x) next.splice(i + by, 0, x);
      return next;
    });
  return (
    <Modal opened onClose={onClose} title={t('dx.favouritesTitle')} size="lg">
      <Stack data-testid="favourites-modal">
        <Text size="sm" c="dimmed">
          {t('dx.favouritesHint', { n: MAX_FAVOURITES })}
        </Text>
        {items.map((c, i) => (
          <Group key={c.code} justify="space-between" wrap="nowrap" data-testid="favourite" data-code={c.code}>
            <Group gap="xs" wrap="nowrap">
              {i < 9 ? <Kbd size="xs">{i + 1}</Kbd> : <span style={{ width: 18 }} />}
              <Badge ff="monospace" radius="sm">
                {c.code}
              </Badge>
              <Text size="sm" lineClamp={1}>
                {c.title}
              </Text>
            </Group>
            <Group gap={2} wrap="nowrap">
              <ActionIcon variant="subtle" disabled={i === 0} onClick={() => move(i, -1)} aria-label={t('dx.moveUp')}>
                <IconArrowUp size={16} />
              </ActionIcon>
              <ActionIcon variant="subtle" disabled={i === items.length - 1} onClick={() => move(i, 1)} aria-label={t('dx.moveDown')}>
                <IconArrowDown size={16} />
              </ActionIcon>
              <ActionIcon variant="subtle" color="red" onClick={() => setList(items.filter((x) => x.code !== c.code))} aria-label={t('dx.remove')}>
                <IconX size={16} />
              </ActionIcon>
            </Group>
          </Group>
        ))}
        {items.length < MAX_FAVOURITES && <CodePicker onPick={(c) => setList([...items, c])} taken={items.map((c) => c.code)} autoFocus />}
        <FormError message={save.message} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button onClick={() => void save.submit(items.map((c) => c.code))} loading={save.busy} disabled={list === null} data-testid="save-favourites">
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
