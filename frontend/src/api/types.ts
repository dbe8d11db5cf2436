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
