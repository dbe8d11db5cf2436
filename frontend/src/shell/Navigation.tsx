// Navigation: home, the areas of the user's role (areas.ts), their profile, and on the
// desktop "this computer" for administrators.
import { NavLink, ScrollArea, Stack } from '@mantine/core';
import { IconDeviceDesktop, IconHome, IconUserCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { useSession } from '../auth/session';
import { isDesktop } from '../platform/desktop';
import { AREA_ICONS } from './areaIcons';
import { visibleAreas } from './areas';

export function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const { permissions, can } = useSession();
  const { pathname } = useLocation();
  const active = (path: string) => (path === '/' ? pathname === '/' : pathname === path || pathname.startsWith(path + '/'));
  return (
    <ScrollArea>
      <Stack gap={2} component="nav" aria-label={t('nav.label')} data-testid="main-nav">
        <NavLink
          component={Link}
          to="/"
          label={t('nav.home')}
          leftSection={<IconHome size={18} aria-hidden />}
          active={active('/')}
          onClick={onNavigate}
          data-area="home"
        />
        {visibleAreas(permissions).map((area) => {
          const Icon = AREA_ICONS[area.key];
          return (
            <NavLink
              key={area.key}
              component={Link}
              to={area.path}
              label={t(`areas.${area.key}`)}
              leftSection={<Icon size={18} aria-hidden />}
              active={active(area.path)}
              onClick={onNavigate}
              data-area={area.key}
            />
          );
        })}
        <NavLink
          component={Link}
          to="/profile"
          label={t('nav.profile')}
          leftSection={<IconUserCircle size={18} aria-hidden />}
          active={active('/profile')}
          onClick={onNavigate}
          data-area="profile"
        />
        {isDesktop() && can('users.write') && (
          <NavLink
            component={Link}
            to="/this-computer"
            label={t('desktop.title')}
            leftSection={<IconDeviceDesktop size={18} aria-hidden />}
            active={active('/this-computer')}
            onClick={onNavigate}
            data-area="this-computer"
          />
        )}
      </Stack>
    </ScrollArea>
  );
}
