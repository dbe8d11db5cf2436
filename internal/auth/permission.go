package auth

// Permission is what a request needs: PermPublic, PermAuthenticated, or a permission that
// roles grant ("<area>.<action>", stored in core_rolepermission; DESIGN.md's role table is the
// default, seeded by migration 0007).
type Permission string

// Pseudo-permissions no role grants.
const (
	PermPublic        Permission = "public"        // anyone, logged in or not
	PermAuthenticated Permission = "authenticated" // any logged-in user, whatever the role
)

// Permissions roles grant.
const (
	PermUsersRead          Permission = "users.read"
	PermUsersWrite         Permission = "users.write"
	PermRolesRead          Permission = "roles.read"
	PermAuditRead          Permission = "audit.read"
	PermServicesWrite      Permission = "services.write"
	PermBackupsManage      Permission = "backups.manage"
	PermPatientsRead       Permission = "patients.read"
	PermPatientsWrite      Permission = "patients.write"
	PermAppointmentsRead   Permission = "appointments.read"
	PermAppointmentsWrite  Permission = "appointments.write"
	PermEncountersRead     Permission = "encounters.read"
	PermEncountersWrite    Permission = "encounters.write"
	PermVitalsRead         Permission = "vitals.read"
	PermVitalsWrite        Permission = "vitals.write"
	PermPrescriptionsRead  Permission = "prescriptions.read"
	PermPrescriptionsWrite Permission = "prescriptions.write"
	PermPharmacyRead       Permission = "pharmacy.read"
	PermPharmacyWrite      Permission = "pharmacy.write"
	PermBillingRead        Permission = "billing.read"
	PermBillingWrite       Permission = "billing.write"
	PermReportsRead        Permission = "reports.read"
	PermSettingsWrite      Permission = "settings.write"
	// PermImportsManage: bringing existing records in from spreadsheets (issue 23); administrators.
	PermImportsManage Permission = "imports.manage"
	// PermReportsClinical: attendance and morbidity over any period, the home dashboard
	// (issue 19); administrators and doctors. PermReportsManage: revenue, pharmacy and
	// appointment reports, the DHIS2 mapping and export; administrators.
	PermReportsClinical Permission = "reports.clinical"
	PermReportsManage   Permission = "reports.manage"
	// The laboratory (issue 18): lab.read the worklist, catalog and results (admin, doctor, nurse,
	// lab); lab.write specimens and results (admin, lab); lab.order orders, their cancellation and
	// a critical result's acknowledgement (admin, doctor).
	PermLabRead  Permission = "lab.read"
	PermLabWrite Permission = "lab.write"
	PermLabOrder Permission = "lab.order"
	// PermTelemedJoin: taking part in video consultations (issue 17); doctors, nurses, administrators.
	PermTelemedJoin Permission = "telemedicine.join"
)

// The roles every clinic has (seeded by migration 0001; lab by 0032).
const (
	RoleAdmin        = "admin"
	RoleDoctor       = "doctor"
	RoleNurse        = "nurse"
	RoleReceptionist = "receptionist"
	RolePharmacist   = "pharmacist"
	RoleCashier      = "cashier"
	RoleLab          = "lab" // the laboratory technician (migration 0032)
)
