import {
  IconCalendarEvent,
  IconCash,
  IconChartBar,
  IconDatabaseExport,
  IconFileImport,
  IconHeartbeat,
  IconListSearch,
  IconPill,
  IconPrescription,
  IconSettings,
  IconStethoscope,
  IconUsers,
  IconUsersGroup,
  type Icon,
} from '@tabler/icons-react';
import type { AreaKey } from './areas';

export const AREA_ICONS: Record<AreaKey, Icon> = {
  patients: IconUsersGroup,
  appointments: IconCalendarEvent,
  consultations: IconStethoscope,
  vitals: IconHeartbeat,
  prescriptions: IconPrescription,
  pharmacy: IconPill,
  billing: IconCash,
  reports: IconChartBar,
  users: IconUsers,
  audit: IconListSearch,
  backups: IconDatabaseExport,
  imports: IconFileImport,
  settings: IconSettings,
};
