// The heading of a settings card (profile, displays, handover): its title and a dimmed help line.
import { Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function CardHeading({ title, help }: { title: ReactNode; help: ReactNode }) {
  return (
    <div>
      <Title order={3} size="h4">
        {title}
      </Title>
      <Text size="sm" c="dimmed">
        {help}
      </Text>
    </div>
  );
}
