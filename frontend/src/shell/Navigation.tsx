// Navigation: home, the areas of the user's role (areas.ts), their profile, and on the
// desktop "this computer" for administrators.
import { NavLink, ScrollArea, Stack } from '@mantine/core';
import { IconDeviceDesktop, IconHome, IconUserCircle, type Icon } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { useSession } from '../auth/session';
import { isDesktop } from '../platform/desktop';
import { AREA_ICONS } from './areaIcons';
import { visibleAreas } from './areas';

/** AreaLink: one entry of the navigation, marked active on its path and below it. */
function AreaLink({ to, label, icon: Glyph, area, onNavigate }: { to: string; label: string; icon: Icon; area: string; onNavigate: () => void }) {
  const { pathname } = useLocation();
  const active = to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(to + '/');
  return <NavLink component={Link} to={to} label={label} leftSection={<Glyph size={18} aria-hidden />} active={active} onClick={onNavigate} data-area={area} />;
}

export function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const { permissions, can } = useSession();
  return (
    <ScrollArea>
      <Stack gap={2} component="nav" aria-label={t('nav.label')} data-testid="main-nav">
        <AreaLink to="/" label={t('nav.home')} icon={IconHome} area="home" onNavigate={onNavigate} />
        {visibleAreas(permissions).map((area) => (
          <AreaLink key={area.key} to={area.path} label={t(`areas.${area.key}`)} icon={AREA_ICONS[area.key]} area={area.key} onNavigate={onNavigate} />
        ))}
        <AreaLink to="/profile" label={t('nav.profile')} icon={IconUserCircle} area="profile" onNavigate={onNavigate} />
        {isDesktop() && can('users.write') && (
          <AreaLink to="/this-computer" label={t('desktop.title')} icon={IconDeviceDesktop} area="this-computer" onNavigate={onNavigate} />
        )}
      </Stack>
    </ScrollArea>
  );
}
