package server

import (
	"net/http"

	"chelal/internal/appointments"
	"chelal/internal/auth"
	"chelal/internal/billing"
	"chelal/internal/clinical"
	"chelal/internal/db"
	"chelal/internal/diagnoses"
	"chelal/internal/display"
	"chelal/internal/lab"
	"chelal/internal/notify"
	"chelal/internal/patients"
	"chelal/internal/pharmacy"
	"chelal/internal/reports"
	"chelal/internal/telemed"
)

// Wire puts Chelal together on the database d, the one place it is done, shared by the
// command line (serve, the desktop window) and the tests: it builds every domain service on
// d, connects the hooks by which one domain runs a step of another in the same transaction
// (billing.Wire: the consultation fee when an encounter closes, the medication when it is
// dispensed), and the server over them. authSvc comes built, because its key and password
// hasher are the caller's (the data dir's secret.key; cheap hashing in tests). deps gives the
// rest (backups, the UI, log, version, host names); its DB, Auth and domain services are set
// here. It returns deps as completed, for the background work the caller runs on the same
// services (the pharmacy's expiry warnings), and the handler.
func Wire(d *db.DB, authSvc *auth.Service, deps Deps) (Deps, http.Handler) {
	deps.DB, deps.Auth = d, authSvc
	deps.Patients = patients.NewService(d)
	deps.Appointments = appointments.NewService(d)
	deps.Clinical = clinical.NewService(d)
	deps.Pharmacy = pharmacy.NewService(d)
	deps.Billing = billing.NewService(d)
	deps.Notify = notify.NewService(d)
	deps.Display = display.NewService(d)
	deps.Reports = reports.NewService(d)
	deps.Telemed = telemed.NewService(d)
	deps.Telemed.ICE = deps.ICEServers
	deps.Diagnoses = diagnoses.NewService(d)
	deps.Billing.Wire(deps.Clinical, deps.Pharmacy, deps.Log)
	deps.Lab = lab.NewService(d)
	deps.Billing.WireLab(deps.Lab)
	return deps, New(deps)
}
