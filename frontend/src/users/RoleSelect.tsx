import { NativeSelect, type NativeSelectProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { roleLabel } from '../shell/roleLabel';
import { useRoles } from './queries';

/** RoleSelect picks a role by id (as a string, the select's value). */
export function RoleSelect(props: Omit<NativeSelectProps, 'data'>) {
  const { t } = useTranslation();
  const roles = useRoles();
  const data = [
    { value: '', label: t('users.chooseRole'), disabled: true },
    ...(roles.data ?? []).map((r) => ({ value: String(r.id), label: roleLabel(r.name, t) })),
  ];
  return <NativeSelect {...props} data={data} />;
}
