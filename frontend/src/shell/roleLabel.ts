import type { TFunction } from 'i18next';

const KNOWN = ['admin', 'doctor', 'nurse', 'receptionist', 'pharmacist', 'cashier', 'lab'] as const;

/** roleLabel names a role in the UI's language; roles a clinic added keep their own name. */
export function roleLabel(name: string | null | undefined, t: TFunction): string {
  if (!name) return t('roles.none');
  return (KNOWN as readonly string[]).includes(name) ? t(`roles.${name as (typeof KNOWN)[number]}`) : name;
}
