import { Alert, Anchor, Text } from '@mantine/core';
import { IconRestore } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** DraftNotice tells that unsaved input from earlier was put back, and offers to discard it. */
export function DraftNotice({ restored, onDiscard }: { restored: boolean; onDiscard: () => void }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(restored);
  if (!shown) return null;
  return (
    <Alert color="blue" variant="light" icon={<IconRestore size={18} />} data-testid="draft-restored">
      <Text size="sm">
        {t('drafts.restored')}{' '}
        <Anchor
          component="button"
          type="button"
          size="sm"
          onClick={() => {
            onDiscard();
            setShown(false);
          }}
        >
          {t('drafts.discard')}
        </Anchor>
      </Text>
    </Alert>
  );
}
