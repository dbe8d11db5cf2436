// The screen areas and who sees each: navigation, routes and the home page are built from
// this one table. The server decides what each role may do (its permissions); an area is
// shown to the roles whose work it is, which is its permission below (see DESIGN.md's roles
// table): a receptionist sees patients, appointments, billing and reports; a nurse patients,
// appointments and vitals; a pharmacist pharmacy, prescriptions and reports; a cashier
// billing and reports; a laboratory technician the lab; an administrator everything (the clinic's settings too).

/** Area keys are also the catalog keys under `areas.` and the paths' first segment. */
export type AreaKey =
  | 'patients'
  | 'appointments'
  | 'consultations'
  | 'vitals'
  | 'prescriptions'
  | 'pharmacy'
  | 'lab'
  | 'billing'
  | 'reports'
  | 'users'
  | 'audit'
  | 'backups'
  | 'imports'
  | 'settings';

export interface Area {
  key: AreaKey;
  path: string;
  /** The user needs any one of these permissions. */
  anyOf: readonly string[];
}

export const AREAS: readonly Area[] = [
  { key: 'patients', path: '/patients', anyOf: ['patients.write'] },
  { key: 'appointments', path: '/appointments', anyOf: ['appointments.read'] },
  { key: 'consultations', path: '/consultations', anyOf: ['encounters.write'] },
  { key: 'vitals', path: '/vitals', anyOf: ['vitals.write'] },
  { key: 'prescriptions', path: '/prescriptions', anyOf: ['prescriptions.write', 'pharmacy.write'] },
  { key: 'pharmacy', path: '/pharmacy', anyOf: ['pharmacy.write'] },
  { key: 'lab', path: '/lab', anyOf: ['lab.write'] },
  { key: 'billing', path: '/billing', anyOf: ['billing.write'] },
  { key: 'reports', path: '/reports', anyOf: ['reports.read'] },
  { key: 'users', path: '/users', anyOf: ['users.read', 'users.write'] },
  { key: 'audit', path: '/audit', anyOf: ['audit.read'] },
  { key: 'backups', path: '/backups', anyOf: ['backups.manage'] },
  { key: 'imports', path: '/imports', anyOf: ['imports.manage'] },
  { key: 'settings', path: '/settings', anyOf: ['settings.write'] },
];

export function canSee(area: Area, permissions: readonly string[]): boolean {
  return area.anyOf.some((p) => permissions.includes(p));
}

/** visibleAreas lists the areas a user with these permissions sees, in navigation order. */
export function visibleAreas(permissions: readonly string[]): Area[] {
  return AREAS.filter((a) => canSee(a, permissions));
}

export function areaByKey(key: AreaKey): Area {
  const a = AREAS.find((x) => x.key === key);
  if (!a) throw new Error(`unknown area ${key}`);
  return a;
}
