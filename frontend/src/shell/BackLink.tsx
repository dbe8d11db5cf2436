// BackLink: the small "back to the list" link above a page, hidden on paper.
import { Anchor, Group } from '@mantine/core';
import { IconArrowLeft } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

export function BackLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Anchor component={Link} to={to} className="no-print" size="sm">
      <Group gap={4}>
        <IconArrowLeft size={16} />
        {children}
      </Group>
    </Anchor>
  );
}
