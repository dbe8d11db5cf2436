import { Avatar, Group, Menu, Text, UnstyledButton } from '@mantine/core';
import { IconChevronDown, IconInfoCircle, IconLogout, IconUserCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useLogout, useSession } from '../auth/session';
import { roleLabel } from './roleLabel';

export function UserMenu() {
  const { t } = useTranslation();
  const { user, can } = useSession();
  const logout = useLogout();
  const name = `${user.first_name} ${user.last_name}`.trim() || user.username;
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t('userMenu.label', { name: `${name}, ${roleLabel(user.role, t)}` })} data-testid="user-menu">
          <Group gap="xs" wrap="nowrap">
            <Avatar
              src={user.has_profile_image ? `/api/v1/users/${user.id}/profile-image?v=${user.version}` : null}
              alt=""
              aria-hidden
              radius="xl"
              size="sm"
              // no initial letter: the button's name is the visible name and role, which a
              // stray letter before them would not match (WCAG 2.5.3, label in name)
            />
            <div className="user-menu-text">
              <Text size="sm" fw={500} lh={1.2} data-testid="user-name">
                {name}
              </Text>{' '}
              <Text size="xs" c="dimmed" lh={1.2} data-testid="user-role">
                {roleLabel(user.role, t)}
              </Text>
            </div>
            <IconChevronDown size={14} aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item component={Link} to="/profile" leftSection={<IconUserCircle size={16} />}>
          {t('nav.profile')}
        </Menu.Item>
        {can('backups.manage') && (
          <Menu.Item component={Link} to="/about" leftSection={<IconInfoCircle size={16} />} data-testid="about-link">
            {t('about.menu')}
          </Menu.Item>
        )}
        <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => void logout('user')} data-testid="logout">
          {t('nav.logout')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
