// HeaderSearch: the patient search box in the header. `/` or Ctrl+K (Cmd+K) focuses it from
// anywhere; the best matches show under it while typing; Enter opens the highlighted match
// (the first unless the arrows moved), or the patients page with the query when nothing
// matches (yet).
import { Kbd, Paper, Popover, TextInput } from '@mantine/core';
import { useWindowEvent } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { PatientOption } from '../patients/PatientPicker';
import { usePatientSearch } from '../patients/queries';

const SHOWN = 6;

/** editable: the key went to a field (a shortcut key must not fire there). */
export function editable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function HeaderSearch() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const ref = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState('');
  const [focused, setFocused] = useState(false);
  const [active, setActive] = useState(0);
  const search = usePatientSearch(q, SHOWN);
  const items = q.trim() && search.settled ? (search.data?.items ?? []) : [];
  useEffect(() => setActive(0), [search.data]);

  const open = (id: number) => {
    setQ('');
    ref.current?.blur();
    navigate(`/patients/${id}`);
  };

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
        const first = items[active];
        if (first) open(first.id);
        else navigate(`/patients${q.trim() ? `?q=${encodeURIComponent(q.trim())}` : ''}`);
      }}
    >
      <Popover opened={focused && items.length > 0} position="bottom-start" width={420} shadow="md" trapFocus={false} returnFocus={false}>
        <Popover.Target>
          <TextInput
            ref={ref}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            onFocus={() => setFocused(true)}
            onBlur={() => setFocused(false)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') e.currentTarget.blur();
              else if (e.key === 'ArrowDown') {
                e.preventDefault();
                setActive((i) => Math.min(i + 1, items.length - 1));
              } else if (e.key === 'ArrowUp') {
                e.preventDefault();
                setActive((i) => Math.max(i - 1, 0));
              }
            }}
            placeholder={t('search.placeholder')}
            aria-label={t('search.label')}
            role="combobox"
            aria-autocomplete="list"
            leftSection={<IconSearch size={16} aria-hidden />}
            rightSection={<Kbd size="xs">/</Kbd>}
            rightSectionPointerEvents="none"
            w={{ base: 120, xs: 160, sm: 280 }}
            autoComplete="off"
            data-testid="patient-search"
          />
        </Popover.Target>
        <Popover.Dropdown p={4}>
          <Paper role="listbox" aria-label={t('patients.results')} data-testid="header-results">
            {items.map((p, i) => (
              <PatientOption key={p.id} patient={p} active={i === active} keepFocus onHover={() => setActive(i)} onPick={() => open(p.id)} />
            ))}
          </Paper>
        </Popover.Dropdown>
      </Popover>
    </form>
  );
}
