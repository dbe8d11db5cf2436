// Names for the generated schema types the screens use (aliases, not copies).
import type { components } from './schema';

type S = components['schemas'];
export type User = S['User'];
export type Role = S['Role'];
export type SessionInfo = S['SessionInfo'];
export type CreateUserParams = S['CreateUserParams'];
export type UpdateUserParams = S['UpdateUserParams'];
export type SetupParams = S['SetupParams'];
export type TwoFactorEnrolment = S['TwoFactorEnrolment'];
export type Patient = S['Patient'];
export type PatientMatch = S['Match'];
export type RegisterParams = S['RegisterParams'];
export type EditParams = S['EditParams'];
export type TimelineEntry = S['TimelineEntry'];
export type Doctor = S['Doctor'];
export type Appointment = S['Appointment'];
export type BookParams = S['BookParams'];
export type MoveParams = S['MoveParams'];
export type Backup = S['Info'];
export type BackupVerification = S['Verification'];
// Billing.
export type CatalogService = S['CatalogService'];
export type ServiceParams = S['ServiceParams'];
export type ServiceEdit = S['ServiceEdit'];
export type Bill = S['Bill'];
export type BillDetail = S['BillDetail'];
export type BillItem = S['Item'];
export type ItemParams = S['ItemParams'];
export type Payment = S['Payment'];
export type PaymentParams = S['PaymentParams'];
export type Receipt = S['Receipt'];
export type DailyReport = S['DailyReport'];
