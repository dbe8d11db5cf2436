// PatientNameLines: a patient in a list's cell: the name, a link to the record, over the record
// number in small type (the queues and the dispensing list).
import { Anchor, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

export function PatientNameLines({ id, name, uniqueId, extra }: { id: number; name: string; uniqueId: string; extra?: ReactNode }) {
  return (
    <>
      <Anchor component={Link} to={`/patients/${id}`} fw={600}>
        {name}
      </Anchor>
      <Text size="xs" c="dimmed" ff="monospace">
        {uniqueId}
        {extra}
      </Text>
    </>
  );
}
