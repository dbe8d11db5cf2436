// Brand: Chelal's mark and name, the same in the application's header and on the screens before
// login (AuthFrame).
import { Group, Text, ThemeIcon, type MantineSize } from '@mantine/core';
import { IconFirstAidKit } from '@tabler/icons-react';

/** Brand: the first-aid icon beside the name; compact (the header) hides the name on a phone. */
export function Brand({ compact = false }: { compact?: boolean }) {
  const size: MantineSize = compact ? 'md' : 'lg';
  return (
    <Group gap={compact ? 6 : 8} wrap="nowrap">
      <ThemeIcon radius="md" size={size} aria-hidden>
        <IconFirstAidKit size={compact ? 18 : 22} />
      </ThemeIcon>
      <Text fw={700} size={compact ? undefined : 'lg'} visibleFrom={compact ? 'xs' : undefined}>
        Chelal
      </Text>
    </Group>
  );
}
