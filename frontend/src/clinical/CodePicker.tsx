// CodePicker: find an ICD-10 code in two keystrokes. The clinic's favourites are listed
// numbered 1-9 while the box is empty: typing a favourite's number picks it. Typing a code or
// words searches the list (accents ignored, typos tolerated); Enter picks the highlighted
// result (the first unless the arrows moved it). Alt+D focuses the box from anywhere on the page.
import { Badge, Group, Kbd, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useWindowEvent } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFavourites, useIcdSearch, type IcdCode } from './diagnoses';

interface Props {
  onPick: (code: IcdCode) => void;
  busy?: boolean;
  autoFocus?: boolean;
  /** Alt+D focuses this picker (one picker on the page should take it). */
  shortcut?: boolean;
  /** Codes already chosen (shown as such, not picked twice). */
  taken?: readonly string[];
}

export function CodePicker({ onPick, busy, autoFocus, shortcut, taken = [] }: Props) {
  const { t } = useTranslation();
  const ref = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const favourites = useFavourites();
  const search = useIcdSearch(q);
  const typed = q.trim().length >= 2;
  const results = typed ? (search.data ?? []) : [];
  // the previous query's results stay on screen (dimmed) while the new ones load; Enter then
  // waits for the new ones instead of picking a stale result
  const stale = typed && search.isPlaceholderData;
  const [enterPending, setEnterPending] = useState(false);
  const favs = (favourites.data ?? []).slice(0, 9);
  useEffect(() => setActive(0), [q]);
  useEffect(() => {
    if (enterPending && typed && search.isSuccess && !search.isPlaceholderData) {
      setEnterPending(false);
      pick(results[0]);
    }
  });

  useWindowEvent('keydown', (e) => {
    if (shortcut && e.altKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyD' && !document.querySelector('[role=dialog]')) {
      e.preventDefault();
      ref.current?.focus();
    }
  });

  function pick(c: IcdCode | undefined) {
    if (!c || busy || taken.includes(c.code)) return;
    onPick(c);
    setQ('');
  }

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (q === '' && /^[1-9]$/.test(e.key) && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      pick(favs[Number(e.key) - 1]);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (stale || (typed && search.isFetching && !search.data)) setEnterPending(true);
      else pick(results[active]);
    } else if (e.key === 'ArrowDown' && results.length > 0) {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, results.length - 1));
    } else if (e.key === 'ArrowUp' && results.length > 0) {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Escape' && q !== '') {
      e.preventDefault();
      setQ('');
    }
  };

  const row = (c: IcdCode, key: string | null, highlighted: boolean) => (
    <UnstyledButton
      key={c.code}
      onClick={() => pick(c)}
      disabled={taken.includes(c.code)}
      data-testid="dx-option"
      data-code={c.code}
      data-active={highlighted || undefined}
      className="dx-option"
      aria-label={`${c.code} ${c.title}`}
    >
      <Group gap="xs" wrap="nowrap">
        {key && <Kbd size="xs">{key}</Kbd>}
        <Badge variant={highlighted ? 'filled' : 'light'} ff="monospace" radius="sm">
          {c.code}
        </Badge>
        <Text size="sm" c={taken.includes(c.code) ? 'dimmed' : undefined} lineClamp={1}>
          {c.title}
        </Text>
      </Group>
    </UnstyledButton>
  );

  return (
    <Stack gap={4}>
      <TextInput
        ref={ref}
        label={t('dx.pickLabel')}
        description={t('dx.pickHint')}
        placeholder={t('dx.pickPlaceholder')}
        leftSection={<IconSearch size={16} />}
        rightSection={shortcut ? <Kbd size="xs">Alt+D</Kbd> : undefined}
        rightSectionWidth={shortcut ? 64 : undefined}
        value={q}
        onChange={(e) => {
          setQ(e.currentTarget.value);
          setEnterPending(false);
        }}
        onKeyDown={onKeyDown}
        autoFocus={autoFocus}
        maxLength={100}
        data-testid="dx-search"
        aria-describedby="dx-options"
      />
      <Stack gap={2} id="dx-options" data-testid={typed ? 'dx-results' : 'dx-favourites'} data-stale={stale || undefined} style={stale ? { opacity: 0.5 } : undefined}>
        {!typed && favs.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('dx.noFavourites')}
          </Text>
        )}
        {!typed && favs.map((c, i) => row(c, String(i + 1), false))}
        {typed && search.isSuccess && results.length === 0 && (
          <Text size="sm" c="dimmed" data-testid="dx-nothing">
            {t('dx.nothingFound')}
          </Text>
        )}
        {typed && results.map((c, i) => row(c, null, i === active))}
      </Stack>
    </Stack>
  );
}
