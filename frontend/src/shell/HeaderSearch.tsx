// HeaderSearch: the patient search box in the header. `/` or Ctrl+K (Cmd+K) focuses it from
// anywhere; Enter opens the patients area with the query (the search itself arrives with
// the patients screens).
import { Kbd, TextInput } from '@mantine/core';
import { useWindowEvent } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';

function editable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function HeaderSearch() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const ref = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState('');

  useWindowEvent('keydown', (e) => {
    const ctrlK = (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k';
    const slash = e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !editable(e.target);
    if (ctrlK || slash) {
      e.preventDefault();
      ref.current?.focus();
      ref.current?.select();
    }
  });

  return (
    <form
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(`/patients${q.trim() ? `?q=${encodeURIComponent(q.trim())}` : ''}`);
      }}
    >
      <TextInput
        ref={ref}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') e.currentTarget.blur();
        }}
        placeholder={t('search.placeholder')}
        aria-label={t('search.label')}
        leftSection={<IconSearch size={16} aria-hidden />}
        rightSection={<Kbd size="xs">/</Kbd>}
        rightSectionPointerEvents="none"
        w={{ base: 160, sm: 280 }}
        data-testid="patient-search"
      />
    </form>
  );
}
