import { describe, expect, it } from 'vitest';
import { visibleAreas } from './areas';

// Each seeded role's permissions (migrations/0007_auth.up.sql).
const ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: [
    'users.read', 'users.write', 'roles.read', 'audit.read', 'services.write', 'backups.manage', 'imports.manage', 'patients.read', 'patients.write',
    'appointments.read', 'appointments.write', 'encounters.read', 'encounters.write', 'vitals.read', 'vitals.write',
    'prescriptions.read', 'prescriptions.write', 'pharmacy.read', 'pharmacy.write', 'billing.read', 'billing.write', 'reports.read',
    'settings.write',
  ],
  doctor: [
    'patients.read', 'patients.write', 'appointments.read', 'appointments.write', 'encounters.read', 'encounters.write', 'vitals.read',
    'vitals.write', 'prescriptions.read', 'prescriptions.write', 'pharmacy.read', 'billing.read', 'reports.read',
  ],
  nurse: ['patients.read', 'patients.write', 'appointments.read', 'appointments.write', 'encounters.read', 'vitals.read', 'vitals.write', 'prescriptions.read'],
  receptionist: ['patients.read', 'patients.write', 'appointments.read', 'appointments.write', 'billing.read', 'billing.write', 'reports.read'],
  pharmacist: ['patients.read', 'prescriptions.read', 'pharmacy.read', 'pharmacy.write', 'reports.read'],
  cashier: ['patients.read', 'billing.read', 'billing.write', 'reports.read'],
};

const areas = (role: string) => visibleAreas(ROLE_PERMISSIONS[role]!).map((a) => a.key);

describe('navigation by role', () => {
  it('administrators see everything', () => {
    expect(areas('admin')).toEqual(['patients', 'appointments', 'consultations', 'vitals', 'prescriptions', 'pharmacy', 'billing', 'reports', 'users', 'audit', 'backups', 'imports', 'settings']);
  });
  it('receptionists: patients, appointments, billing, reports', () => {
    expect(areas('receptionist')).toEqual(['patients', 'appointments', 'billing', 'reports']);
  });
  it('nurses: patients, appointments, vitals', () => {
    expect(areas('nurse')).toEqual(['patients', 'appointments', 'vitals']);
  });
  it('doctors: patients, appointments, consultations, vitals, prescriptions, reports', () => {
    expect(areas('doctor')).toEqual(['patients', 'appointments', 'consultations', 'vitals', 'prescriptions', 'reports']);
  });
  it('pharmacists: prescriptions, pharmacy, reports', () => {
    expect(areas('pharmacist')).toEqual(['prescriptions', 'pharmacy', 'reports']);
  });
  it('cashiers: billing, reports', () => {
    expect(areas('cashier')).toEqual(['billing', 'reports']);
  });
  it('nobody but administrators sees users, audit, backups or settings', () => {
    for (const role of ['doctor', 'nurse', 'receptionist', 'pharmacist', 'cashier']) {
      expect(areas(role)).not.toContain('users');
      expect(areas(role)).not.toContain('audit');
      expect(areas(role)).not.toContain('backups');
      expect(areas(role)).not.toContain('settings');
      expect(areas(role)).not.toContain('imports');
    }
  });
});
