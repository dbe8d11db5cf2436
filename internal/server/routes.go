package server

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"chelal/internal/appointments"
	"chelal/internal/audit"
	"chelal/internal/auth"
	"chelal/internal/backup"
	"chelal/internal/billing"
	"chelal/internal/clinical"
	"chelal/internal/diagnoses"
	"chelal/internal/display"
	"chelal/internal/importer"
	"chelal/internal/lab"
	"chelal/internal/notify"
	"chelal/internal/patients"
	"chelal/internal/pharmacy"
	"chelal/internal/reports"
	"chelal/internal/settings"
	"chelal/internal/telemed"
)

// Perm is what a route requires of its caller: PermPublic, PermAuthenticated, or a
// permission that roles grant (auth.PermPatientsRead, ...). Every route has one; New panics
// on a route without.
type Perm = auth.Permission

// The pseudo-permissions, for brevity in the routes table.
const (
	PermPublic        = auth.PermPublic        // anyone, logged in or not
	PermAuthenticated = auth.PermAuthenticated // any logged-in user
)

// route is one row of the API table: what it answers, who may call it, how the OpenAPI
// document describes it, and the handler.
type route struct {
	method  string // GET, POST, PATCH, PUT, DELETE
	path    string // a ServeMux path pattern, e.g. "/api/v1/patients/{id}"
	perm    Perm   // required; see Perm
	op      string // OpenAPI operationId, unique, lowerCamelCase: "getPatient"
	tag     string // OpenAPI tag grouping the route: "patients"
	summary string // one line for the OpenAPI document

	query   []param     // query parameters, for the OpenAPI document
	in      any         // the request body's Go value (e.g. patients.RegisterParams{}); nil: no JSON body
	rawIn   []string    // content types of a body that is not JSON (an image upload)
	out     any         // the success body's Go value; nil: no body
	status  int         // the success status; 0 means 200
	alt     map[int]any // other statuses answered with a JSON body that is not a problem
	errs    []int       // problem statuses the route may answer besides those its shape implies
	maxBody int64       // body limit in bytes; 0 means DefaultMaxBodyBytes
	json    jsonHandler // a JSON route's handler (see handle); or:
	handler http.HandlerFunc

	// idempotent: an Idempotency-Key makes a retry replay the first answer (idempotency.go).
	idempotent bool
}

// param describes a query parameter.
type param struct {
	name     string
	typ      string // JSON Schema type: "string", "integer", "boolean"
	doc      string
	required bool
}

// routes is every route of the API, in one place, with its permission beside it.
func (s *server) routes() []route {
	table := []route{
		{
			method: "GET", path: "/api/v1/health", perm: PermPublic,
			op: "getHealth", tag: "system", summary: "Whether the server and its database answer",
			out: health{}, alt: map[int]any{http.StatusServiceUnavailable: health{}},
			handler: s.health,
		},
		{
			method: "GET", path: "/api/v1/openapi.json", perm: PermPublic,
			op: "getOpenAPI", tag: "system", summary: "This API's OpenAPI 3.1 document",
			out: map[string]any{}, handler: s.openAPI,
		},

		// First run, login, the caller's own account.
		{method: "GET", path: "/api/v1/setup", perm: PermPublic, op: "getSetup", tag: "auth",
			summary: "Whether the first-run setup is still needed", out: setupStatus{}, json: handle(s, s.getSetup)},
		{method: "POST", path: "/api/v1/setup", perm: PermPublic, op: "postSetup", tag: "auth",
			summary: "Name the clinic and create the first administrator (once)", in: auth.SetupParams{}, out: userEnvelope{},
			status: http.StatusCreated, errs: []int{409}, json: handle(s, s.postSetup)},
		{method: "POST", path: "/api/v1/auth/login", perm: PermPublic, op: "login", tag: "auth",
			summary: "Log in; sets the session cookie and returns the CSRF token", in: auth.LoginParams{}, out: sessionInfo{},
			errs: []int{401, 429}, handler: s.login},
		{method: "POST", path: "/api/v1/auth/logout", perm: PermAuthenticated, op: "logout", tag: "auth",
			summary: "End the session", status: http.StatusNoContent, handler: s.logout},
		{method: "GET", path: "/api/v1/auth/me", perm: PermAuthenticated, op: "getMe", tag: "auth",
			summary: "The logged-in user, their permissions and the CSRF token", out: sessionInfo{}, json: handle(s, s.me)},
		{method: "PATCH", path: "/api/v1/auth/me", perm: PermAuthenticated, op: "updateMe", tag: "auth",
			summary: "Change one's own language and preferences", in: auth.ProfileParams{}, out: userEnvelope{},
			errs: []int{409}, json: handle(s, s.updateMe)},
		{method: "POST", path: "/api/v1/auth/password", perm: PermAuthenticated, op: "changePassword", tag: "auth",
			summary: "Change one's own password (ends one's other sessions)", in: auth.ChangePasswordParams{},
			status: http.StatusNoContent, errs: []int{429}, json: handle(s, s.changePassword)},
		{method: "POST", path: "/api/v1/auth/2fa/setup", perm: PermAuthenticated, op: "setupTwoFactor", tag: "auth",
			summary: "Start TOTP enrolment: secret, otpauth URL and QR code", out: auth.TwoFactorEnrolment{},
			errs: []int{409}, json: handle(s, s.setupTwoFactor)},
		{method: "POST", path: "/api/v1/auth/2fa/enable", perm: PermAuthenticated, op: "enableTwoFactor", tag: "auth",
			summary: "Confirm enrolment with a code; returns the recovery codes once", in: enableTwoFactorInput{},
			out: recoveryCodes{}, errs: []int{409}, json: handle(s, s.enableTwoFactor)},
		{method: "POST", path: "/api/v1/auth/2fa/disable", perm: PermAuthenticated, op: "disableTwoFactor", tag: "auth",
			summary: "Turn 2FA off with the password and a code", in: auth.DisableTwoFactorParams{},
			status: http.StatusNoContent, errs: []int{409, 429}, json: handle(s, s.disableTwoFactor)},
		{method: "PUT", path: "/api/v1/auth/me/profile-image", perm: PermAuthenticated, op: "putProfileImage", tag: "auth",
			summary: "Set one's profile image (body: image/png or image/jpeg, 2 MiB at most)", out: userEnvelope{},
			rawIn: []string{"image/png", "image/jpeg"},
			errs:  []int{413, 415, 422}, maxBody: 2 << 20, handler: s.putProfileImage},

		// Users and roles: administrators.
		{method: "GET", path: "/api/v1/roles", perm: auth.PermRolesRead, op: "listRoles", tag: "users",
			summary: "Roles and the permissions each grants", out: rolesList{}, json: handle(s, s.listRoles)},
		{method: "GET", path: "/api/v1/users", perm: auth.PermUsersRead, op: "listUsers", tag: "users",
			summary: "Users, by id", query: pageParams, out: auth.UserPage{}, errs: []int{422}, json: handle(s, s.listUsers)},
		{method: "POST", path: "/api/v1/users", perm: auth.PermUsersWrite, op: "createUser", tag: "users",
			summary: "Create a user", in: auth.CreateUserParams{}, out: userEnvelope{}, status: http.StatusCreated,
			errs: []int{409}, json: handle(s, s.createUser)},
		{method: "GET", path: "/api/v1/users/{id}", perm: auth.PermUsersRead, op: "getUser", tag: "users",
			summary: "One user", out: userEnvelope{}, errs: []int{404}, json: handle(s, s.getUser)},
		{method: "PATCH", path: "/api/v1/users/{id}", perm: auth.PermUsersWrite, op: "updateUser", tag: "users",
			summary: "Edit a user (If-Match: version); is_active=false deactivates and ends their sessions",
			in:      auth.UpdateUserParams{}, out: userEnvelope{}, errs: []int{404, 409}, json: handle(s, s.updateUser)},
		{method: "POST", path: "/api/v1/users/{id}/2fa/reset", perm: auth.PermUsersWrite, op: "resetUserTwoFactor", tag: "users",
			summary: "Turn a user's 2FA off (lost phone)", out: userEnvelope{}, errs: []int{404}, json: handle(s, s.resetUserTwoFactor)},
		{method: "GET", path: "/api/v1/login-throttles", perm: auth.PermUsersRead, op: "listLoginThrottles", tag: "users",
			summary: "Current login throttles and locks (failed logins and re-authentications)", out: loginThrottles{},
			json: handle(s, s.listLoginThrottles)},
		{method: "DELETE", path: "/api/v1/login-throttles", perm: auth.PermUsersWrite, op: "clearLoginThrottle", tag: "users",
			summary: "Clear the failed attempts of an account (username) or an address (ip), lifting their locks (audited)",
			query:   []param{{name: "username", typ: "string", doc: "an account, every client"}, {name: "ip", typ: "string", doc: "an address, every account"}},
			status:  http.StatusNoContent, errs: []int{422}, json: handle(s, s.clearLoginThrottle)},
		{method: "GET", path: "/api/v1/users/{id}/profile-image", perm: PermAuthenticated, op: "getProfileImage", tag: "users",
			summary: "A user's profile image (PNG or JPEG)", errs: []int{404}, handler: handleDocument(s, s.getProfileImage)},

		// Patients.
		{method: "GET", path: "/api/v1/patients", perm: auth.PermPatientsRead, op: "searchPatients", tag: "patients",
			summary: "Find patients by name (either order, partial, accents and a typo forgiven), record number or phone",
			query: []param{{name: "q", typ: "string", doc: "what was typed"}, {name: "limit", typ: "integer", doc: "1-50 (default 20)"},
				{name: "cursor", typ: "string", doc: "next_cursor of the previous page"}},
			out: patients.SearchResult{}, errs: []int{422}, json: handle(s, s.searchPatients)},
		{method: "POST", path: "/api/v1/patients", perm: auth.PermPatientsWrite, op: "createPatient", tag: "patients",
			summary: "Register a patient (409 possible-duplicate unless confirm_duplicate)", in: patients.RegisterParams{},
			out: patients.Patient{}, status: http.StatusCreated, errs: []int{409}, idempotent: true, json: create(s, s.patients.Create)},
		{method: "GET", path: "/api/v1/patients/duplicates", perm: auth.PermPatientsRead, op: "patientDuplicates", tag: "patients",
			summary: "Likely duplicates of a patient about to be registered",
			query: []param{{name: "first_name", typ: "string"}, {name: "last_name", typ: "string"},
				{name: "date_of_birth", typ: "string", doc: "YYYY-MM-DD"}, {name: "contact_info", typ: "string"}},
			out: patientList{}, errs: []int{422}, json: handle(s, s.patientDuplicates)},
		{method: "GET", path: "/api/v1/patients/{id}", perm: auth.PermPatientsRead, op: "getPatient", tag: "patients",
			summary: "A patient's chart (the opening is recorded in the audit log)", out: patients.Patient{},
			errs: []int{404}, json: actOnID(s, s.patients.Open)},
		{method: "PATCH", path: "/api/v1/patients/{id}", perm: auth.PermPatientsWrite, op: "updatePatient", tag: "patients",
			summary: "Edit a patient's demographics (If-Match: version; stale -> 409)", in: patients.EditParams{},
			out: patients.Patient{}, errs: []int{404, 409}, json: actOn(s, s.patients.Update)},
		{method: "GET", path: "/api/v1/patients/{id}/timeline", perm: auth.PermPatientsRead, op: "patientTimeline", tag: "patients",
			summary: "A patient's history, newest first (only the kinds the user may see)", out: patients.Timeline{},
			errs: []int{404}, json: handle(s, s.patientTimeline)},

		// Appointments.
		{method: "GET", path: "/api/v1/doctors", perm: auth.PermAppointmentsRead, op: "listDoctors", tag: "appointments",
			summary: "Active doctors who can be booked", out: doctorList{}, json: handle(s, s.listDoctors)},
		{method: "GET", path: "/api/v1/appointments", perm: auth.PermAppointmentsRead, op: "listAppointments", tag: "appointments",
			summary: "Appointments of a date (or range), doctor, patient or status; checked_in comes in arrival order",
			query: []param{{name: "date", typ: "string", doc: "YYYY-MM-DD"}, {name: "from", typ: "string"}, {name: "to", typ: "string"},
				{name: "doctor_id", typ: "integer"}, {name: "patient_id", typ: "integer"}, {name: "status", typ: "string"},
				{name: "visits", typ: "string", doc: "active (not done) or all: the visits (checked in) of the date, by default the clinic's today, in arrival order with visit_state and waiting_since"},
				{name: "limit", typ: "integer", doc: "1-500"}},
			out: appointments.List{}, errs: []int{422}, json: handle(s, s.listAppointments)},
		{method: "POST", path: "/api/v1/appointments", perm: auth.PermAppointmentsWrite, op: "createAppointment", tag: "appointments",
			summary: "Book an appointment, or check a walk-in in (walk_in: true); a taken slot, or a patient already checked in with the doctor today -> 409",
			in:      appointments.BookParams{}, out: appointments.Appointment{}, status: http.StatusCreated, errs: []int{409},
			idempotent: true, json: create(s, s.appointments.Create)},
		{method: "GET", path: "/api/v1/appointments/{id}", perm: auth.PermAppointmentsRead, op: "getAppointment", tag: "appointments",
			summary: "One appointment", out: appointments.Appointment{}, errs: []int{404}, json: readID(s, s.appointments.Get)},
		{method: "PATCH", path: "/api/v1/appointments/{id}", perm: auth.PermAppointmentsWrite, op: "updateAppointment", tag: "appointments",
			summary: "Move an appointment: status (legal transitions only), reschedule, cancel with a reason",
			in:      appointments.MoveParams{}, out: appointments.Appointment{}, errs: []int{404, 409},
			json: actOn(s, s.appointments.Update)},

		// Pharmacy: the catalog, stock in batches and its ledger, dispensing, alerts.
		{method: "GET", path: "/api/v1/medication-categories", perm: auth.PermPharmacyRead, op: "listMedicationCategories", tag: "pharmacy",
			summary: "Medication categories, by name", query: append([]param{inactiveParam}, pageParams...),
			out: pharmacy.CategoryPage{}, errs: []int{422}, json: handle(s, s.listMedicationCategories)},
		{method: "POST", path: "/api/v1/medication-categories", perm: auth.PermPharmacyWrite, op: "createMedicationCategory", tag: "pharmacy",
			summary: "Add a medication category (a taken name -> 409)", in: pharmacy.CategoryParams{}, out: pharmacy.Category{},
			status: http.StatusCreated, errs: []int{409}, json: create(s, s.pharmacy.CreateCategory)},
		{method: "PATCH", path: "/api/v1/medication-categories/{id}", perm: auth.PermPharmacyWrite, op: "updateMedicationCategory", tag: "pharmacy",
			summary: "Edit or deactivate a category (If-Match: version; stale -> 409)", in: pharmacy.CategoryEdit{}, out: pharmacy.Category{},
			errs: []int{404, 409}, json: actOn(s, s.pharmacy.UpdateCategory)},
		{method: "GET", path: "/api/v1/medications", perm: auth.PermPharmacyRead, op: "listMedications", tag: "pharmacy",
			summary: "Medications with their stock today, by name",
			query: append([]param{{name: "q", typ: "string", doc: "part of the name"}, {name: "category_id", typ: "integer"},
				{name: "stock", typ: "string", doc: "low, expiring or expired"}, inactiveParam}, pageParams...),
			out: pharmacy.MedicationPage{}, errs: []int{422}, json: handle(s, s.listMedications)},
		{method: "POST", path: "/api/v1/medications", perm: auth.PermPharmacyWrite, op: "createMedication", tag: "pharmacy",
			summary: "Add a medication to the catalog (no stock: receive batches)", in: pharmacy.MedicationParams{},
			out: pharmacy.MedicationDetail{}, status: http.StatusCreated, errs: []int{409}, json: create(s, s.pharmacy.CreateMedication)},
		{method: "GET", path: "/api/v1/medications/{id}", perm: auth.PermPharmacyRead, op: "getMedication", tag: "pharmacy",
			summary: "A medication with its batches, first expiring first", out: pharmacy.MedicationDetail{},
			errs: []int{404}, json: readID(s, s.pharmacy.Medication)},
		{method: "PATCH", path: "/api/v1/medications/{id}", perm: auth.PermPharmacyWrite, op: "updateMedication", tag: "pharmacy",
			summary: "Edit or deactivate a medication (If-Match: version; stale -> 409)", in: pharmacy.MedicationEdit{},
			out: pharmacy.MedicationDetail{}, errs: []int{404, 409}, json: actOn(s, s.pharmacy.UpdateMedication)},
		{method: "POST", path: "/api/v1/medications/{id}/batches", perm: auth.PermPharmacyWrite, op: "receiveStock", tag: "pharmacy",
			summary: "Receive a batch (batch number, expiry not in the past, quantity, unit cost)", in: pharmacy.ReceiveParams{},
			out: pharmacy.StockChange{}, status: http.StatusCreated, errs: []int{404, 409}, json: actOn(s, s.pharmacy.Receive)},
		{method: "GET", path: "/api/v1/medications/{id}/stock-adjustments", perm: auth.PermPharmacyRead, op: "listStockMovements", tag: "pharmacy",
			summary: "A medication's stock ledger (receipts, dispenses, adjustments, write-offs), newest first",
			query:   pageParams, out: pharmacy.MovementPage{}, errs: []int{404, 422}, json: pageOfID(s, s.pharmacy.Movements)},
		{method: "POST", path: "/api/v1/medications/{id}/stock-adjustments", perm: auth.PermPharmacyWrite, op: "adjustStock", tag: "pharmacy",
			summary: "Correct a medication's stock with a reason; never below zero (409 insufficient-stock)", in: pharmacy.AdjustParams{},
			out: pharmacy.StockChange{}, status: http.StatusCreated, errs: []int{404, 409}, json: actOn(s, s.pharmacy.Adjust)},
		{method: "POST", path: "/api/v1/stock-batches/{id}/write-off", perm: auth.PermPharmacyWrite, op: "writeOffBatch", tag: "pharmacy",
			summary: "Write what is left of an expired batch off the shelf", in: pharmacy.WriteOffParams{},
			out: pharmacy.StockChange{}, status: http.StatusCreated, errs: []int{404, 409}, json: actOn(s, s.pharmacy.WriteOff)},
		{method: "GET", path: "/api/v1/inventory-items", perm: auth.PermPharmacyRead, op: "listInventoryItems", tag: "pharmacy",
			summary: "Supplies (non-drug inventory), by name", query: append([]param{{name: "q", typ: "string"}, inactiveParam}, pageParams...),
			out: pharmacy.InventoryPage{}, errs: []int{422}, json: handle(s, s.listInventoryItems)},
		{method: "POST", path: "/api/v1/inventory-items", perm: auth.PermPharmacyWrite, op: "createInventoryItem", tag: "pharmacy",
			summary: "Add a supply (quantity starts at zero)", in: pharmacy.InventoryParams{}, out: pharmacy.InventoryItem{},
			status: http.StatusCreated, errs: []int{409}, json: create(s, s.pharmacy.CreateInventoryItem)},
		{method: "GET", path: "/api/v1/inventory-items/{id}", perm: auth.PermPharmacyRead, op: "getInventoryItem", tag: "pharmacy",
			summary: "One supply", out: pharmacy.InventoryItem{}, errs: []int{404}, json: readID(s, s.pharmacy.InventoryItem)},
		{method: "PATCH", path: "/api/v1/inventory-items/{id}", perm: auth.PermPharmacyWrite, op: "updateInventoryItem", tag: "pharmacy",
			summary: "Edit or deactivate a supply (If-Match: version; stale -> 409)", in: pharmacy.InventoryEdit{},
			out: pharmacy.InventoryItem{}, errs: []int{404, 409}, json: actOn(s, s.pharmacy.UpdateInventoryItem)},
		{method: "GET", path: "/api/v1/inventory-items/{id}/adjustments", perm: auth.PermPharmacyRead, op: "listInventoryMovements", tag: "pharmacy",
			summary: "A supply's ledger, newest first", query: pageParams, out: pharmacy.InventoryMovementPage{},
			errs: []int{404, 422}, json: pageOfID(s, s.pharmacy.InventoryMovements)},
		{method: "POST", path: "/api/v1/inventory-items/{id}/adjustments", perm: auth.PermPharmacyWrite, op: "adjustInventoryItem", tag: "pharmacy",
			summary: "Change a supply's quantity with a reason; never below zero", in: pharmacy.InventoryAdjustParams{},
			out: pharmacy.InventoryChange{}, status: http.StatusCreated, errs: []int{404, 409}, json: actOn(s, s.pharmacy.AdjustInventory)},
		{method: "POST", path: "/api/v1/prescriptions/{id}/dispense", perm: auth.PermPharmacyWrite, op: "dispensePrescription", tag: "pharmacy",
			summary: "Dispense a prescription in full or in part, first expiring batch first (Idempotency-Key: a retry is applied once; not enough stock -> 409 insufficient-stock)",
			in:      pharmacy.DispenseParams{}, out: pharmacy.Dispense{}, status: http.StatusCreated, errs: []int{404, 409},
			idempotent: true, json: actOnOnce(s, s.pharmacy.Dispense)},
		{method: "POST", path: "/api/v1/dispenses/{id}/returns", perm: auth.PermPharmacyWrite, op: "returnDispensed", tag: "pharmacy",
			summary: "Put medicine a patient brought back on the shelf (a return movement into the batches it came from, never an expired one)",
			in:      pharmacy.ReturnParams{}, out: pharmacy.StockChange{}, status: http.StatusCreated, errs: []int{404, 409},
			json: actOn(s, s.pharmacy.Return)},
		{method: "POST", path: "/api/v1/prescriptions/{id}/link", perm: auth.PermPharmacyWrite, op: "linkPrescription", tag: "pharmacy",
			summary: "Link a free-text prescription to the catalog medication to hand out; the allergy check runs again (409 allergy-warning unless confirmed with a reason)",
			in:      clinical.LinkParams{}, out: clinical.Prescription{}, errs: []int{404, 409},
			json: actOn(s, s.clinical.Link)},
		{method: "POST", path: "/api/v1/prescriptions/{id}/return-to-prescriber", perm: auth.PermPharmacyWrite, op: "returnPrescription", tag: "pharmacy",
			summary: "Send a prescription back to its prescriber with a reason: it leaves the dispensing queue and the doctor is notified",
			in:      clinical.ReasonParams{}, out: clinical.Prescription{}, errs: []int{404, 409},
			json: actOn(s, s.clinical.ReturnToPrescriber)},
		{method: "GET", path: "/api/v1/pharmacy/queue", perm: auth.PermPharmacyRead, op: "pharmacyQueue", tag: "pharmacy",
			summary: "Prescriptions waiting to be dispensed, oldest first, with allergy warnings; ?status=stale|returned|discontinued lists those that left the queue undispensed, newest first",
			query: append([]param{{name: "patient_id", typ: "integer"},
				{name: "status", typ: "string", doc: "waiting (default), stale (older than 30 days), returned, discontinued"}}, pageParams...),
			out:  pharmacy.QueuePage{},
			errs: []int{422}, json: handle(s, s.pharmacyQueue)},
		{method: "GET", path: "/api/v1/pharmacy/alerts", perm: auth.PermPharmacyRead, op: "pharmacyAlerts", tag: "pharmacy",
			summary: "Low stock, batches expiring within the warning window, expired stock still on the shelf",
			out:     pharmacy.Alerts{}, json: handle(s, s.pharmacyAlerts)},
		// The laboratory (issue 18): the catalog, orders from the consultation, the worklist,
		// specimens, results, the lab's documents and reports.
		{method: "GET", path: "/api/v1/lab/tests", perm: auth.PermLabRead, op: "listLabTests", tag: "lab",
			summary: "The test catalog (tests and panels) by code; ?all=true with inactive ones", out: lab.TestList{},
			query: []param{{name: "all", typ: "boolean", doc: "with inactive tests"}}, errs: []int{422}, json: handle(s, s.listLabTests)},
		{method: "POST", path: "/api/v1/lab/tests", perm: auth.PermServicesWrite, op: "createLabTest", tag: "lab",
			summary: "Add a test or panel to the catalog", in: lab.TestParams{}, out: lab.Test{}, status: http.StatusCreated,
			json: handle(s, s.createLabTest)},
		{method: "PATCH", path: "/api/v1/lab/tests/{id}", perm: auth.PermServicesWrite, op: "updateLabTest", tag: "lab",
			summary: "Replace a test's definition (If-Match: version)", in: lab.TestParams{}, out: lab.Test{}, errs: []int{404, 409},
			json: actOn(s, s.lab.SaveTest)},
		{method: "GET", path: "/api/v1/lab/worklist", perm: auth.PermLabRead, op: "labWorklist", tag: "lab",
			summary: "Orders waiting for their specimen or results, by urgency then waiting time", query: pageParams,
			out: lab.OrderPage{}, errs: []int{422}, json: handle(s, s.labWorklist)},
		{method: "GET", path: "/api/v1/lab/orders/{id}", perm: auth.PermLabRead, op: "getLabOrder", tag: "lab",
			summary: "A lab order with its results", out: lab.Order{}, errs: []int{404}, json: readID(s, s.lab.GetOrder)},
		{method: "GET", path: "/api/v1/encounters/{id}/lab-orders", perm: auth.PermLabRead, op: "listEncounterLabOrders", tag: "lab",
			summary: "An encounter's lab orders with their results", out: lab.OrderList{}, errs: []int{404}, json: readID(s, s.lab.EncounterOrders)},
		{method: "POST", path: "/api/v1/encounters/{id}/lab-orders", perm: auth.PermLabOrder, op: "placeLabOrder", tag: "lab",
			summary: "Order tests from an open consultation (bill lines in the same transaction when billing_auto_lab is on)",
			in:      lab.OrderParams{}, out: lab.Order{}, status: http.StatusCreated, errs: []int{404, 409}, json: actOn(s, s.lab.PlaceOrder)},
		{method: "POST", path: "/api/v1/lab/orders/{id}/cancel", perm: auth.PermLabOrder, op: "cancelLabOrder", tag: "lab",
			summary: "Cancel an order before its specimen is collected, with a reason (If-Match: version)", in: lab.CancelParams{},
			out: lab.Order{}, errs: []int{404, 409}, json: actOn(s, s.lab.Cancel)},
		{method: "POST", path: "/api/v1/lab/orders/{id}/collect", perm: auth.PermLabWrite, op: "collectLabSpecimen", tag: "lab",
			summary: "Record the specimen's collection, now, by the caller (If-Match: version)", in: lab.ActParams{},
			out: lab.Order{}, errs: []int{404, 409}, json: actOn(s, s.lab.Collect)},
		{method: "GET", path: "/api/v1/lab/orders/{id}/label.pdf", perm: auth.PermLabRead, op: "labLabelPdf", tag: "lab",
			summary: "The specimen label for the 80 mm printer, with a barcode (application/pdf)", errs: []int{404, 422},
			query: []param{{name: "lang", typ: "string", doc: "en, fr or sw (default the user's)"}}, handler: s.labDocument("label")},
		{method: "GET", path: "/api/v1/lab/orders/{id}/report.pdf", perm: auth.PermLabRead, op: "labReportPdf", tag: "lab",
			summary: "The order's lab report (application/pdf)", errs: []int{404, 422},
			query: []param{{name: "lang", typ: "string", doc: "en, fr or sw: the patient's language (default the user's)"}}, handler: s.labDocument("report")},
		{method: "POST", path: "/api/v1/lab/results/{id}", perm: auth.PermLabWrite, op: "enterLabResult", tag: "lab",
			summary: "Enter a result (checked against the patient's range; a critical one tells the doctor at once)",
			in:      lab.ResultParams{}, out: lab.Result{}, errs: []int{404, 409}, json: actOn(s, s.lab.EnterResult)},
		{method: "POST", path: "/api/v1/lab/results/{id}/verify", perm: auth.PermLabWrite, op: "verifyLabResult", tag: "lab",
			summary: "Verify an entered result: a second technician (If-Match: version)", in: lab.ActParams{}, out: lab.Result{},
			errs: []int{404, 409}, json: actOn(s, s.lab.Verify)},
		{method: "POST", path: "/api/v1/lab/results/{id}/amend", perm: auth.PermLabWrite, op: "amendLabResult", tag: "lab",
			summary: "Amend a final result with a reason; the old value is kept", in: lab.ResultParams{}, out: lab.Result{},
			errs: []int{404, 409}, json: actOn(s, s.lab.Amend)},
		{method: "POST", path: "/api/v1/lab/results/{id}/acknowledge", perm: auth.PermLabOrder, op: "acknowledgeLabResult", tag: "lab",
			summary: "The doctor acknowledges a critical result", out: lab.Result{}, errs: []int{404, 409}, json: actOnID(s, s.lab.Acknowledge)},
		{method: "GET", path: "/api/v1/patients/{id}/lab-results", perm: auth.PermLabRead, op: "listPatientLabResults", tag: "lab",
			summary: "A patient's lab results, newest first", query: pageParams, out: lab.ResultPage{}, errs: []int{404, 422},
			json: handle(s, s.patientLabResults)},
		{method: "GET", path: "/api/v1/patients/{id}/lab-trend", perm: auth.PermLabRead, op: "patientLabTrend", tag: "lab",
			summary: "A numeric test's final values for a patient, oldest first", out: lab.Trend{}, errs: []int{404, 422},
			query: []param{{name: "test_id", typ: "integer", doc: "the test", required: true}}, json: handle(s, s.patientLabTrend)},
		{method: "GET", path: "/api/v1/lab/reports/{kind}", perm: auth.PermLabRead, op: "labReportCsv", tag: "lab",
			summary: "A lab report as CSV: workload (by test and day), turnaround, positivity (rapid tests)", errs: []int{404, 422},
			query:   []param{{name: "from", typ: "string", doc: "YYYY-MM-DD", required: true}, {name: "to", typ: "string", doc: "YYYY-MM-DD", required: true}},
			handler: handleDocument(s, s.labReportCSV)},

		// The consultation: encounters, vitals, prescriptions. Receptionists and cashiers have
		// none of these permissions: notes and diagnoses never reach them.
		{method: "GET", path: "/api/v1/encounters", perm: auth.PermEncountersRead, op: "listEncounters", tag: "clinical",
			summary: "Encounters of a patient, doctor or appointment, newest first",
			query: append([]param{{name: "patient_id", typ: "integer"}, {name: "doctor_id", typ: "integer"},
				{name: "appointment_id", typ: "integer"}, {name: "status", typ: "string", doc: "open or closed"}}, pageParams...),
			out: clinical.EncounterPage{}, errs: []int{422}, json: handle(s, s.listEncounters)},
		{method: "POST", path: "/api/v1/encounters", perm: auth.PermEncountersWrite, op: "startEncounter", tag: "clinical",
			summary: "Start an encounter from a checked-in appointment (it moves to in_progress) or for a walk-in; notes required",
			in:      clinical.StartEncounter{}, out: clinical.Encounter{}, status: http.StatusCreated, errs: []int{409},
			idempotent: true, json: handle(s, s.startEncounter)},
		{method: "GET", path: "/api/v1/encounters/{id}", perm: auth.PermEncountersRead, op: "getEncounter", tag: "clinical",
			summary: "An encounter with its addenda (the reading is recorded in the audit log)", out: clinical.Encounter{},
			errs: []int{404}, json: actOnID(s, s.clinical.Get)},
		{method: "PATCH", path: "/api/v1/encounters/{id}", perm: auth.PermEncountersWrite, op: "updateEncounter", tag: "clinical",
			summary: "Edit an open encounter's notes or diagnosis, by its doctor (If-Match: version; closed or stale -> 409)",
			in:      clinical.EncounterEdit{}, out: clinical.Encounter{}, errs: []int{403, 404, 409}, json: actOn(s, s.clinical.Update)},
		{method: "POST", path: "/api/v1/encounters/{id}/close", perm: auth.PermEncountersWrite, op: "closeEncounter", tag: "clinical",
			summary: "Close an encounter for good (If-Match: version); its appointment becomes completed",
			in:      clinical.CloseEncounter{}, out: clinical.Encounter{}, errs: []int{403, 404, 409}, json: actOn(s, s.clinical.Close)},
		{method: "POST", path: "/api/v1/encounters/{id}/addenda", perm: auth.PermEncountersWrite, op: "addEncounterAddendum", tag: "clinical",
			summary: "Add a dated, signed note to a closed encounter (the original notes never change)",
			in:      clinical.AddendumParams{}, out: clinical.Encounter{}, status: http.StatusCreated, errs: []int{404, 409},
			json: actOn(s, s.clinical.AddAddendum)},
		{method: "POST", path: "/api/v1/appointments/{id}/encounter", perm: auth.PermVitalsWrite, op: "openVisitEncounter", tag: "clinical",
			summary: "The encounter of a checked-in appointment, opened if needed (a nurse's triage; a doctor taking the patient puts it in progress)",
			out:     clinical.Encounter{}, errs: []int{404, 409}, idempotent: true, json: handle(s, s.openVisit)},
		{method: "GET", path: "/api/v1/encounters/{id}/vitals", perm: auth.PermVitalsRead, op: "listEncounterVitals", tag: "clinical",
			summary: "An encounter's vitals, oldest first, with flags outside the normal range for the patient's age", out: clinical.VitalsList{},
			errs: []int{404}, json: handle(s, s.listEncounterVitals)},
		{method: "POST", path: "/api/v1/encounters/{id}/vitals", perm: auth.PermVitalsWrite, op: "recordVitals", tag: "clinical",
			summary: "Record vitals in the clinic's units (stored as °C and kg), any measures but at least one; bmi computed by the server when height and weight are given; out of physiological limits -> 422",
			in:      clinical.VitalsInput{}, out: clinical.VitalsRecord{}, status: http.StatusCreated, errs: []int{404, 409},
			json: actOn(s, s.clinical.RecordVitals)},
		{method: "GET", path: "/api/v1/patients/{id}/vitals", perm: auth.PermVitalsRead, op: "listPatientVitals", tag: "clinical",
			summary: "A patient's vitals over time, oldest first (the trend charts)", out: clinical.VitalsList{},
			errs: []int{404}, json: handle(s, s.listPatientVitals)},
		// Coded diagnoses (diagnosis_handlers.go): the ICD-10 list, the clinic's favourites, an
		// encounter's diagnoses (added to closed encounters too: coding an old diagnosis).
		{method: "GET", path: "/api/v1/icd10", perm: auth.PermEncountersRead, op: "searchIcd10", tag: "diagnoses",
			summary: "Search the ICD-10 list by code (prefix) or words (accents ignored, typos tolerated), titles in the user's language",
			query: []param{{name: "q", typ: "string", doc: "a code or its beginning (J06, b509), or words of the title"},
				{name: "limit", typ: "integer", doc: "at most this many (default 20, at most 50)"}},
			out: diagnoses.ICD10List{}, errs: []int{422}, json: handle(s, s.searchICD10)},
		{method: "GET", path: "/api/v1/diagnosis-favourites", perm: auth.PermEncountersRead, op: "listDiagnosisFavourites", tag: "diagnoses",
			summary: "The clinic's favourite diagnoses, in order (the picker numbers the first nine)", out: diagnoses.ICD10List{},
			json: handle(s, s.listDiagnosisFavourites)},
		{method: "PUT", path: "/api/v1/diagnosis-favourites", perm: auth.PermEncountersWrite, op: "setDiagnosisFavourites", tag: "diagnoses",
			summary: "Replace the favourite diagnoses by an ordered list of codes (at most 20)", in: diagnoses.FavouriteCodes{},
			out: diagnoses.ICD10List{}, json: handle(s, s.setDiagnosisFavourites)},
		{method: "GET", path: "/api/v1/encounters/{id}/diagnoses", perm: auth.PermEncountersRead, op: "listEncounterDiagnoses", tag: "diagnoses",
			summary: "An encounter's diagnoses, the primary first", out: diagnoses.DiagnosisList{}, errs: []int{404},
			json: handle(s, s.listEncounterDiagnoses)},
		{method: "POST", path: "/api/v1/encounters/{id}/diagnoses", perm: auth.PermEncountersWrite, op: "addDiagnosis", tag: "diagnoses",
			summary: "Add a diagnosis (a code, text or both) to an encounter, open or closed; episode defaults to new or follow_up; a second primary -> 409",
			in:      diagnoses.AddDiagnosis{}, out: diagnoses.Diagnosis{}, status: http.StatusCreated, errs: []int{404, 409},
			json: handle(s, s.addDiagnosis)},
		{method: "PATCH", path: "/api/v1/diagnoses/{id}", perm: auth.PermEncountersWrite, op: "updateDiagnosis", tag: "diagnoses",
			summary: "Change a diagnosis (version; stale or a second primary -> 409)", in: diagnoses.EditDiagnosis{},
			out: diagnoses.Diagnosis{}, errs: []int{404, 409}, json: handle(s, s.updateDiagnosis)},
		{method: "DELETE", path: "/api/v1/diagnoses/{id}", perm: auth.PermEncountersWrite, op: "deleteDiagnosis", tag: "diagnoses",
			summary: "Remove a diagnosis while its encounter is open (closed -> 409)", status: http.StatusNoContent,
			errs: []int{404, 409}, json: handle(s, s.deleteDiagnosis)},
		{method: "GET", path: "/api/v1/patients/{id}/diagnoses", perm: auth.PermEncountersRead, op: "listPatientDiagnoses", tag: "diagnoses",
			summary: "A patient's coded diagnoses, newest first (the chart)", out: diagnoses.DiagnosisList{}, errs: []int{404},
			json: handle(s, s.listPatientDiagnoses)},
		{method: "GET", path: "/api/v1/encounters/{id}/prescriptions", perm: auth.PermPrescriptionsRead, op: "listPrescriptions", tag: "clinical",
			summary: "An encounter's prescriptions", out: clinical.PrescriptionList{}, errs: []int{404},
			json: readID(s, s.clinical.ListPrescriptions)},
		{method: "GET", path: "/api/v1/encounters/{id}/prescription.pdf", perm: auth.PermPrescriptionsRead, op: "prescriptionPdf", tag: "clinical",
			summary: "The encounter's prescriptions as a printable PDF (application/pdf)", errs: []int{404},
			handler: handleDocument(s, s.prescriptionPDF)},
		{method: "POST", path: "/api/v1/encounters/{id}/prescriptions", perm: auth.PermPrescriptionsWrite, op: "prescribe", tag: "clinical",
			summary: "Prescribe on an open encounter; an allergy match -> 409 allergy-warning unless confirmed with a reason",
			in:      clinical.PrescribeParams{}, out: clinical.Prescription{}, status: http.StatusCreated, errs: []int{403, 404, 409},
			json: actOn(s, s.clinical.Prescribe)},
		{method: "POST", path: "/api/v1/prescriptions/{id}/discontinue", perm: auth.PermPrescriptionsWrite, op: "discontinuePrescription", tag: "clinical",
			summary: "Discontinue a prescription with a reason (also after the encounter is closed; audited): it leaves the dispensing queue and its undispensed part is never dispensed",
			in:      clinical.ReasonParams{}, out: clinical.Prescription{}, errs: []int{404, 409},
			json: actOn(s, s.clinical.Discontinue)},
		{method: "POST", path: "/api/v1/prescriptions/{id}/correct", perm: auth.PermPrescriptionsWrite, op: "correctPrescription", tag: "clinical",
			summary: "Discontinue a prescription with a reason and prescribe the corrected one, also after the encounter is closed (an addendum records it; audited); the allergy check runs -> 409 allergy-warning unless confirmed",
			in:      clinical.CorrectParams{}, out: clinical.Correction{}, errs: []int{403, 404, 409},
			json: actOn(s, s.clinical.Correct)},

		// Billing: the service catalog (prices: administrators), bills, payments, receipts and the
		// day's report. Doctors read bills; receptionists and cashiers take payments.
		{method: "GET", path: "/api/v1/services", perm: auth.PermBillingRead, op: "listServices", tag: "billing",
			summary: "The service catalog, by id", query: append([]param{{name: "q", typ: "string", doc: "name or code"},
				{name: "category", typ: "string"}, {name: "active", typ: "boolean", doc: "true: active services only"}}, pageParams...),
			out: billing.ServicePage{}, errs: []int{422}, json: handle(s, s.listServices)},
		{method: "POST", path: "/api/v1/services", perm: auth.PermServicesWrite, op: "createService", tag: "billing",
			summary: "Add a service with its price to the catalog", in: billing.ServiceParams{}, out: billing.CatalogService{},
			status: http.StatusCreated, json: create(s, s.billing.CreateService)},
		{method: "GET", path: "/api/v1/services/{id}", perm: auth.PermBillingRead, op: "getService", tag: "billing",
			summary: "One catalog service", out: billing.CatalogService{}, errs: []int{404}, json: readID(s, s.billing.GetService)},
		{method: "PATCH", path: "/api/v1/services/{id}", perm: auth.PermServicesWrite, op: "updateService", tag: "billing",
			summary: "Edit a catalog service (If-Match: version); bills keep the prices they were charged at",
			in:      billing.ServiceEdit{}, out: billing.CatalogService{}, errs: []int{404, 409}, json: actOn(s, s.billing.UpdateService)},
		{method: "GET", path: "/api/v1/bills", perm: auth.PermBillingRead, op: "listBills", tag: "billing",
			summary: "Bills, newest first: of a patient, a status (open: pending or partially paid), a patient's name or record number",
			query: append([]param{{name: "patient_id", typ: "integer"}, {name: "status", typ: "string", doc: "pending, partially_paid, paid, cancelled or open"},
				{name: "q", typ: "string", doc: "patient name or record number"}}, pageParams...),
			out: billing.BillPage{}, errs: []int{422}, json: handle(s, s.listBills)},
		{method: "POST", path: "/api/v1/bills", perm: auth.PermBillingWrite, op: "createBill", tag: "billing",
			summary: "Open a bill with lines from the catalog; the server prices them and computes the total",
			in:      billing.CreateBillParams{}, out: billing.BillDetail{}, status: http.StatusCreated, idempotent: true, json: create(s, s.billing.CreateBill)},
		{method: "GET", path: "/api/v1/bills/{id}", perm: auth.PermBillingRead, op: "getBill", tag: "billing",
			summary: "A bill with its lines and payments", out: billing.BillDetail{}, errs: []int{404}, json: readID(s, s.billing.GetBill)},
		{method: "PATCH", path: "/api/v1/bills/{id}", perm: auth.PermBillingWrite, op: "updateBill", tag: "billing",
			summary: "Change the due date, or cancel with a reason while nothing is paid (If-Match: version)",
			in:      billing.BillEdit{}, out: billing.BillDetail{}, errs: []int{404, 409}, json: actOn(s, s.billing.UpdateBill)},
		{method: "POST", path: "/api/v1/bills/{id}/items", perm: auth.PermBillingWrite, op: "addBillItems", tag: "billing",
			summary: "Add lines: catalog services while nothing is paid, credits (at most the balance) at any time",
			in:      billing.AddItemsParams{}, out: billing.BillDetail{}, status: http.StatusCreated, errs: []int{404, 409},
			json: actOn(s, s.billing.AddItems)},
		{method: "GET", path: "/api/v1/bills/{id}/payments", perm: auth.PermBillingRead, op: "listPayments", tag: "billing",
			summary: "A bill's payments, oldest first", out: billing.PaymentList{}, errs: []int{404}, json: readID(s, s.billing.Payments)},
		{method: "POST", path: "/api/v1/bills/{id}/payments", perm: auth.PermBillingWrite, op: "createPayment", tag: "billing",
			summary: "Take a payment (at most the balance; Idempotency-Key: a retry returns the same payment)",
			in:      billing.PaymentParams{}, out: billing.Payment{}, status: http.StatusCreated, errs: []int{404, 409},
			idempotent: true, json: actOnOnce(s, s.billing.Pay)},
		{method: "GET", path: "/api/v1/bills/{id}/receipt", perm: auth.PermBillingRead, op: "getReceipt", tag: "billing",
			summary: "What a printed receipt shows (the latest payment's, or payment_id's)",
			query:   []param{{name: "payment_id", typ: "integer"}}, out: billing.Receipt{}, errs: []int{404, 422}, json: handle(s, s.billReceipt)},
		{method: "GET", path: "/api/v1/bills/{id}/receipt.pdf", perm: auth.PermBillingRead, op: "getReceiptPDF", tag: "billing",
			summary: "The receipt as a PDF (A4, or size=80mm for a thermal roll)",
			query:   []param{{name: "payment_id", typ: "integer"}, {name: "size", typ: "string", doc: "a4 (default) or 80mm"}},
			errs:    []int{404, 422}, handler: handleDocument(s, s.billReceiptPDF)},
		{method: "GET", path: "/api/v1/reports/daily", perm: auth.PermReportsRead, op: "getDailyReport", tag: "reports",
			summary: "One day in the clinic's time zone: visits, new patients, revenue by method and cashier, billed, owed, dispensed",
			query:   []param{{name: "date", typ: "string", doc: "YYYY-MM-DD (default today)"}}, out: billing.DailyReport{}, errs: []int{422},
			json: handle(s, s.dailyReport)},
		{method: "GET", path: "/api/v1/reports/daily.csv", perm: auth.PermReportsRead, op: "getDailyReportCSV", tag: "reports",
			summary: "The daily report as CSV (formula-like cells escaped)",
			query:   []param{{name: "date", typ: "string", doc: "YYYY-MM-DD (default today)"}}, errs: []int{422}, handler: handleDocument(s, s.dailyReportCSV)},
	}
	// Reports over any period (issue 19): attendance and morbidity for doctors, the rest the
	// administrator's; each as JSON (the screen), CSV and PDF.
	table = slices.Concat(table,
		s.reportRoutes(reports.Attendance, auth.PermReportsClinical,
			"Attendance over a period in the clinic's time zone: new and repeat visits by age group and sex, by doctor, by day"),
		s.reportRoutes(reports.Morbidity, auth.PermReportsClinical,
			"Morbidity over a period in the clinic's time zone: every coded diagnosis by age group and sex, new cases and follow-ups, the top ten"),
		s.reportRoutes(reports.Revenue, auth.PermReportsManage,
			"Revenue over a period in the clinic's time zone: money received by method and cashier, charged by service and category, debts by age"),
		s.reportRoutes(reports.Pharmacy, auth.PermReportsManage,
			"Pharmacy over a period in the clinic's time zone: consumption by medication, stock value at cost, expiries, write-offs"),
		s.reportRoutes(reports.Appointments, auth.PermReportsManage,
			"Appointments over a period in the clinic's time zone: booked, walk-ins, attended, no-shows by day; waiting time from check-in to doctor"))
	return append(table, []route{
		// The reports' dashboard, and the DHIS2 export of the mapping.
		{method: "GET", path: "/api/v1/reports/dashboard", perm: auth.PermReportsClinical, op: "getReportDashboard", tag: "reports",
			summary: "This month so far against the same days of last month: visits, new patients, revenue, top five diagnoses, low stock",
			out:     reports.Dashboard{}, json: handle(s, s.reportDashboard)},
		{method: "GET", path: "/api/v1/reports/dhis2/mapping", perm: auth.PermReportsManage, op: "getDHIS2Mapping", tag: "reports",
			summary: "The DHIS2 data set mapping: report cells to data elements and category option combos", out: reports.DHIS2Mapping{},
			json: handle(s, s.getDHIS2Mapping)},
		{method: "PUT", path: "/api/v1/reports/dhis2/mapping", perm: auth.PermReportsManage, op: "saveDHIS2Mapping", tag: "reports",
			summary: "Replace the DHIS2 mapping made on its version (0: the first; audited); another change in between -> 409",
			in:      reports.DHIS2Mapping{}, out: reports.DHIS2Mapping{}, errs: []int{409}, json: handle(s, s.saveDHIS2Mapping)},
		{method: "GET", path: "/api/v1/reports/dhis2.json", perm: auth.PermReportsManage, op: "getDHIS2Export", tag: "reports",
			summary: "The period's DHIS2 dataValueSets document (a file to upload; no network): the mapped cells' values; no mapping -> 409",
			query:   reportParams, errs: []int{409, 422}, handler: handleDocument(s, s.dhis2Export)},

		// The caller's own notifications (a failed backup, low stock, ...): nobody reads another's.
		{method: "GET", path: "/api/v1/notifications", perm: PermAuthenticated, op: "listNotifications", tag: "notifications",
			summary: "My notifications, newest first, and how many are unread",
			query:   append([]param{{name: "unread", typ: "boolean", doc: "true: only unread ones"}}, pageParams...),
			out:     notify.NotificationPage{}, errs: []int{422}, json: handle(s, s.listNotifications)},
		{method: "POST", path: "/api/v1/notifications/{id}/read", perm: PermAuthenticated, op: "readNotification", tag: "notifications",
			summary: "Mark one of my notifications read (another user's: 404)", out: notify.Notification{}, errs: []int{404},
			json: actOnID(s, s.notify.MarkRead)},
		{method: "POST", path: "/api/v1/notifications/read-all", perm: PermAuthenticated, op: "readAllNotifications", tag: "notifications",
			summary: "Mark all my notifications read", out: notify.ReadAll{}, json: handle(s, s.readAllNotifications)},

		// Live events (event_handlers.go): what changed, for each screen to refetch what it shows.
		{method: "GET", path: "/api/v1/events", perm: PermAuthenticated, op: "streamEvents", tag: "events",
			summary: "Server-sent events (text/event-stream): each change the user's role may read (kind, id, version, action, at, by); resumes after Last-Event-ID; event reset: refetch everything; event end: the session ended",
			query:   []param{{name: "last_event_id", typ: "integer", doc: "resume after this event (the Last-Event-ID header wins)"}},
			errs:    []int{422, 503}, handler: s.eventStream},

		// The waiting-room display (display_handlers.go): administrators manage the displays'
		// tokens; a display reads its board with its token, no staff login; doctors call patients.
		{method: "GET", path: "/api/v1/displays", perm: auth.PermSettingsWrite, op: "listDisplays", tag: "display",
			summary: "The waiting-room displays, newest first (never their tokens)", out: display.TokenList{}, json: handle(s, s.listDisplays)},
		{method: "POST", path: "/api/v1/displays", perm: auth.PermSettingsWrite, op: "createDisplay", tag: "display",
			summary: "Create a waiting-room display; the answer holds its token, once (put it in the TV's link)",
			in:      display.TokenParams{}, out: display.Token{}, status: http.StatusCreated, json: create(s, s.display.Create)},
		{method: "DELETE", path: "/api/v1/displays/{id}", perm: auth.PermSettingsWrite, op: "revokeDisplay", tag: "display",
			summary: "Revoke a display: its board and stream refuse it at once", status: http.StatusNoContent,
			errs: []int{404}, json: handle(s, s.revokeDisplay)},
		{method: "GET", path: "/api/v1/display/board", perm: PermPublic, op: "getDisplayBoard", tag: "display",
			summary: "A display's board (X-Display-Token header or token parameter): who is called to which room, who waits",
			query:   []param{{name: "token", typ: "string", doc: "the display's token (or the X-Display-Token header)"}},
			out:     display.Board{}, errs: []int{401, 422}, json: handle(s, s.displayBoard)},
		{method: "GET", path: "/api/v1/display/events", perm: PermPublic, op: "streamDisplayEvents", tag: "display",
			summary: "A display's server-sent events (token parameter): event board when it should read its board again, event end when revoked",
			query:   []param{{name: "token", typ: "string", doc: "the display's token"}},
			errs:    []int{401, 422, 503}, handler: s.displayEvents},
		{method: "POST", path: "/api/v1/appointments/{id}/call", perm: auth.PermEncountersWrite, op: "callPatient", tag: "display",
			summary: "Call a checked-in patient to a room (the displays show it with a chime)", in: display.CallParams{},
			out: display.Called{}, errs: []int{404, 409}, json: actOn(s, s.display.Call)},
		{method: "GET", path: "/api/v1/appointments/{id}/ticket.pdf", perm: auth.PermAppointmentsRead, op: "ticketPdf", tag: "display",
			summary: "The ticket printed at check-in (80 mm roll, application/pdf): the number the waiting-room display calls",
			errs:    []int{404, 409}, handler: handleDocument(s, s.ticketPDF)},
		{method: "POST", path: "/api/v1/display/call-next", perm: auth.PermEncountersWrite, op: "callNextPatient", tag: "display",
			summary: "Call my next patient (the first checked in with me today and not called yet) to a room; nobody waiting -> 409",
			in:      display.CallParams{}, out: display.Called{}, errs: []int{409}, json: create(s, s.display.CallNext)},

		// Video consultations (telemed_handlers.go): reception books and cancels them and gives the
		// patient a one-time link; the doctor and the far-end nurse join the call (opening its
		// signal stream), the patient with the guest token their link gave (X-Telemedicine-Token).
		{method: "POST", path: "/api/v1/appointments/{id}/telemedicine", perm: auth.PermAppointmentsWrite, op: "createTelemedicineSession", tag: "telemedicine",
			summary: "Make an appointment a video appointment (its session); one session per appointment (409)",
			out:     telemed.VideoSession{}, status: http.StatusCreated, errs: []int{404, 409}, json: actOnID(s, s.telemed.Create)},
		{method: "GET", path: "/api/v1/telemedicine/sessions/{id}", perm: auth.PermAppointmentsRead, op: "getTelemedicineSession", tag: "telemedicine",
			summary: "A video session: status, start and end, notes, who joined", out: telemed.VideoSession{}, errs: []int{404}, json: readID(s, s.telemed.Get)},
		{method: "PATCH", path: "/api/v1/telemedicine/sessions/{id}", perm: auth.PermTelemedJoin, op: "updateTelemedicineSession", tag: "telemedicine",
			summary: "Write a video session's notes (version; stale -> 409)", in: telemed.VideoNotesParams{}, out: telemed.VideoSession{},
			errs: []int{404, 409}, json: actOn(s, s.telemed.SetNotes)},
		{method: "POST", path: "/api/v1/telemedicine/sessions/{id}/end", perm: auth.PermTelemedJoin, op: "endTelemedicineSession", tag: "telemedicine",
			summary: "Hang up: end an active call for both sides", out: telemed.VideoSession{}, errs: []int{404, 409}, json: actOnID(s, s.telemed.End)},
		{method: "POST", path: "/api/v1/telemedicine/sessions/{id}/cancel", perm: auth.PermAppointmentsWrite, op: "cancelTelemedicineSession", tag: "telemedicine",
			summary: "Cancel a video session that has not started", out: telemed.VideoSession{}, errs: []int{404, 409}, json: actOnID(s, s.telemed.Cancel)},
		{method: "GET", path: "/api/v1/telemedicine/sessions/{id}/signal", perm: auth.PermTelemedJoin, op: "streamTelemedicineSignals", tag: "telemedicine",
			summary: "Join the call: server-sent events welcome, peer-joined, peer-left, signal, ended; a third person -> 409",
			errs:    []int{404, 409}, handler: s.telemedSignals},
		{method: "POST", path: "/api/v1/telemedicine/sessions/{id}/signal", perm: auth.PermTelemedJoin, op: "sendTelemedicineSignal", tag: "telemedicine",
			summary: "Send an offer, answer or ICE candidate to the other side of my call (not in the call -> 403)",
			in:      VideoSignalParams{}, status: http.StatusNoContent, errs: []int{403, 404}, maxBody: 64 << 10, json: handle(s, s.sendTelemedSignal)},
		{method: "GET", path: "/api/v1/telemedicine/sessions/{id}/links", perm: auth.PermAppointmentsWrite, op: "listTelemedicineLinks", tag: "telemedicine",
			summary: "A video session's patient links (never their codes)", out: telemed.PatientLinkList{}, errs: []int{404}, json: readID(s, s.telemed.Links)},
		{method: "POST", path: "/api/v1/telemedicine/sessions/{id}/links", perm: auth.PermAppointmentsWrite, op: "createTelemedicineLink", tag: "telemedicine",
			summary: "A patient's one-time link to this session; the answer holds its code, once", in: telemed.PatientLinkParams{}, out: telemed.PatientLink{},
			status: http.StatusCreated, errs: []int{404, 409}, json: actOn(s, s.telemed.CreateLink)},
		{method: "DELETE", path: "/api/v1/telemedicine/links/{id}", perm: auth.PermAppointmentsWrite, op: "revokeTelemedicineLink", tag: "telemedicine",
			summary: "Revoke a patient's link: it stops working and its patient leaves the call", status: http.StatusNoContent,
			errs: []int{404}, json: handle(s, s.revokeTelemedLink)},
		{method: "POST", path: "/api/v1/telemedicine/join", perm: PermPublic, op: "redeemTelemedicineLink", tag: "telemedicine",
			summary: "A patient uses their link's code, once: the answer is a guest token for that session's call only",
			in:      telemed.VideoJoinParams{}, out: telemed.GuestPass{}, errs: []int{401}, json: handle(s, s.redeemTelemedLink)},
		{method: "GET", path: "/api/v1/telemedicine/guest/signal", perm: PermPublic, op: "streamTelemedicineGuestSignals", tag: "telemedicine",
			summary: "The patient joins their call (guest token in X-Telemedicine-Token): the same events as the staff stream",
			errs:    []int{401, 409, 422}, handler: s.telemedGuestSignals},
		{method: "POST", path: "/api/v1/telemedicine/guest/signal", perm: PermPublic, op: "sendTelemedicineGuestSignal", tag: "telemedicine",
			summary: "The patient sends an offer, answer or ICE candidate to the other side (guest token in X-Telemedicine-Token)",
			in:      VideoSignalParams{}, status: http.StatusNoContent, errs: []int{401, 403, 422}, maxBody: 64 << 10, json: handle(s, s.sendTelemedGuestSignal)},

		// The clinic's settings: every user reads them (units, clinic name); administrators change them.
		{method: "GET", path: "/api/v1/settings", perm: PermAuthenticated, op: "getSettings", tag: "settings",
			summary: "The clinic's settings in effect", out: settings.Clinic{}, json: handle(s, s.getSettings)},
		{method: "PATCH", path: "/api/v1/settings", perm: auth.PermSettingsWrite, op: "updateSettings", tag: "settings",
			summary: "Change some of the clinic's settings (version or If-Match; stale -> 409)", in: settings.Change{},
			out: settings.Clinic{}, errs: []int{409}, json: handle(s, s.updateSettings)},

		// Backups: administrators.
		{method: "GET", path: "/api/v1/backups", perm: auth.PermBackupsManage, op: "listBackups", tag: "backups",
			summary: "Backups in the backup folder, newest first, with their verification", out: backupList{},
			json: handle(s, s.listBackups)},
		{method: "POST", path: "/api/v1/backups", perm: auth.PermBackupsManage, op: "createBackup", tag: "backups",
			summary: "Write a backup now and verify it by restoring it into a scratch database", out: backup.Info{},
			status: http.StatusCreated, errs: []int{409, 503, 507}, handler: s.createBackup},

		{method: "GET", path: "/api/v1/backups/restore", perm: auth.PermBackupsManage, op: "getRestore", tag: "backups",
			summary: "The progress and outcome of the restore started from the UI", out: backup.RestoreStatus{}, json: handle(s, s.getRestore)},
		{method: "POST", path: "/api/v1/backups/restore", perm: auth.PermBackupsManage, op: "startRestore", tag: "backups",
			summary: "Restore a backup into a new database (checked, migrated), then restart Chelal on it; the old database is kept",
			in:      restoreParams{}, out: backup.RestoreStatus{}, status: http.StatusAccepted, errs: []int{409}, json: handle(s, s.startRestore)},
		{method: "DELETE", path: "/api/v1/backups/leftovers/{name}", perm: auth.PermBackupsManage, op: "removeLeftover", tag: "backups",
			summary: "Remove a leftover the backups list shows (a cluster kept by a recovery, an unused database, a temporary file)",
			status:  http.StatusNoContent, errs: []int{404}, json: handle(s, s.removeLeftover)},
		{method: "GET", path: "/api/v1/backups/folder", perm: auth.PermBackupsManage, op: "getBackupFolder", tag: "backups",
			summary: "Where backups and the WAL archive go", out: backupFolder{}, json: handle(s, s.getBackupFolder)},
		{method: "PUT", path: "/api/v1/backups/folder", perm: auth.PermBackupsManage, op: "setBackupFolder", tag: "backups",
			summary: "Move backups to another folder (a second disk, a USB drive): it must be writable; existing backups stay",
			in:      backupFolderParams{}, out: backupFolder{}, errs: []int{409}, json: handle(s, s.setBackupFolder)},

		// Bringing existing records in from spreadsheets: administrators (import_handlers.go).
		{method: "POST", path: "/api/v1/imports", perm: auth.PermImportsManage, op: "importSheet", tag: "imports",
			summary: "Start checking (dry_run=true: columns, mapping, preview, every refused row) or importing a CSV or XLSX of patients, medications with opening stock, or services, in one transaction, as a job: GET /imports/job follows it",
			query:   importQuery, rawIn: importTypes, out: importer.JobStatus{}, status: http.StatusAccepted, errs: []int{409, 413, 415, 422},
			maxBody: importer.MaxSheetBytes, handler: s.importSheet},
		{method: "GET", path: "/api/v1/imports/job", perm: auth.PermImportsManage, op: "getImportJob", tag: "imports",
			summary: "The progress (rows read of the file's rows), then the outcome and report, of the latest spreadsheet import; interrupted if Chelal stopped during it",
			out:     importer.JobStatus{}, json: handle(s, s.getImportJob)},
		{method: "GET", path: "/api/v1/imports", perm: auth.PermImportsManage, op: "listImports", tag: "imports",
			summary: "The latest imports, newest first", out: importRuns{}, json: handle(s, s.listImports)},
		{method: "POST", path: "/api/v1/imports/{id}/undo", perm: auth.PermImportsManage, op: "undoImport", tag: "imports",
			summary: "Undo an import (a spreadsheet, or the original database) as a whole by a compensating change, while nothing it brought changed since",
			status:  http.StatusNoContent, errs: []int{404, 409}, json: handle(s, s.undoImport)},
		// The program itself: administrators (About Chelal, updates from file: update_handlers.go).
		{method: "GET", path: "/api/v1/system/about", perm: auth.PermBackupsManage, op: "getAbout", tag: "system",
			summary: "Chelal's version, its PostgreSQL's, the schema, and whether it can update itself from a file",
			out:     about{}, json: handle(s, s.getAbout)},
		{method: "POST", path: "/api/v1/system/update", perm: auth.PermBackupsManage, op: "updateFromFile", tag: "system",
			summary: "Install a new Chelal executable (multipart: executable and signature, its .sig): checked against the release key, the platform and the records' schema, then put in place beside the running one; restart Chelal to finish",
			rawIn:   []string{"multipart/form-data"}, out: updateResult{}, errs: []int{409, 422},
			maxBody: maxUpdateBytes, handler: s.updateFromFile},

		// The audit trail: administrators.
		{method: "GET", path: "/api/v1/audit", perm: auth.PermAuditRead, op: "listAudit", tag: "audit",
			summary: "Audit rows, newest first", query: append([]param{
				{name: "model_name", typ: "string", doc: "table, e.g. core_patient"},
				{name: "object_id", typ: "integer", doc: "row id"},
				{name: "user_id", typ: "integer", doc: "acting user"},
				{name: "patient_id", typ: "integer", doc: "rows about this patient: their record, chart openings, and their appointments, encounters, vitals, prescriptions, addenda, dispenses, bills, bill items, payments and telemedicine sessions"},
				{name: "action", typ: "string", doc: "create, update, delete, login, login_failed, view, ..."},
				{name: "from", typ: "string", doc: "from this time (RFC 3339) or date (YYYY-MM-DD, in the clinic's time zone), inclusive"},
				{name: "to", typ: "string", doc: "until this time, exclusive, or through this date (in the clinic's time zone)"},
			}, pageParams...), out: audit.Page{}, errs: []int{422}, json: handle(s, s.listAudit)},
		{method: "GET", path: "/api/v1/audit.csv", perm: auth.PermAuditRead, op: "getAuditCSV", tag: "audit",
			summary: "The audit rows matching the list's filters as CSV, newest first, streamed (formula-like cells escaped)",
			query: []param{
				{name: "model_name", typ: "string"}, {name: "object_id", typ: "integer"}, {name: "user_id", typ: "integer"},
				{name: "patient_id", typ: "integer"}, {name: "action", typ: "string"},
				{name: "from", typ: "string"}, {name: "to", typ: "string"},
			}, errs: []int{422}, handler: s.auditCSV},
	}...)
}

// reportRoutes are the three routes of a period report (reports.Attendance, ...): the JSON the
// screen shows, GET /api/v1/reports/<kind>, operation get<Kind>Report; and its CSV and PDF
// files, <kind>.csv and <kind>.pdf, operations get<Kind>ReportCSV and get<Kind>ReportPDF.
func (s *server) reportRoutes(kind string, perm Perm, summary string) []route {
	path, op := "/api/v1/reports/"+kind, "get"+strings.ToUpper(kind[:1])+kind[1:]+"Report"
	return []route{
		{method: "GET", path: path, perm: perm, op: op, tag: "reports", summary: summary, query: reportParams,
			out: reports.Report{}, errs: []int{422}, json: s.report(kind)},
		{method: "GET", path: path + ".csv", perm: perm, op: op + "CSV", tag: "reports",
			summary: "The " + kind + " report as CSV (formula-like cells escaped)", query: reportParams, errs: []int{422}, handler: s.reportFile(kind, "csv")},
		{method: "GET", path: path + ".pdf", perm: perm, op: op + "PDF", tag: "reports",
			summary: "The " + kind + " report as a printable PDF (A4)", query: reportParams, errs: []int{422}, handler: s.reportFile(kind, "pdf")},
	}
}

// pageParams are the query parameters of every list.
var pageParams = []param{
	{name: "limit", typ: "integer", doc: "page size, 1-200 (default 50)"},
	{name: "cursor", typ: "string", doc: "next_cursor of the previous page"},
}

var (
	validMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}
	validOp      = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
)

// check refuses a route the server must not start with: a missing permission first of all.
func (rt route) check() error {
	name := rt.method + " " + rt.path
	switch {
	case rt.perm == "":
		return fmt.Errorf("route %s has no permission: set perm (PermPublic, PermAuthenticated or a permission name)", name)
	case !validMethods[rt.method]:
		return fmt.Errorf("route %s: method %q is not one of GET, POST, PUT, PATCH, DELETE", name, rt.method)
	case !strings.HasPrefix(rt.path, "/api/"):
		return fmt.Errorf("route %s: the table holds API routes only (paths under /api/)", name)
	case (rt.handler == nil) == (rt.json == nil):
		return fmt.Errorf("route %s has no handler (or two): set handler or json", name)
	case !validOp.MatchString(rt.op):
		return fmt.Errorf("route %s: operationId %q must be lowerCamelCase", name, rt.op)
	case rt.summary == "":
		return fmt.Errorf("route %s has no summary", name)
	case rt.tag == "":
		return fmt.Errorf("route %s has no tag", name)
	}
	return nil
}

// successStatus is the status a successful call answers with.
func (rt route) successStatus() int {
	if rt.status == 0 {
		return http.StatusOK
	}
	return rt.status
}

// bodyLimit is the route's request body limit.
func (rt route) bodyLimit() int64 {
	if rt.maxBody > 0 {
		return rt.maxBody
	}
	return DefaultMaxBodyBytes
}
