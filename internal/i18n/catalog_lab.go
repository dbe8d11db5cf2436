package i18n

// The laboratory's notifications and documents (internal/lab, internal/handover), merged into
// the catalogs at start like catalog_lan.go.
func init() { merge(labEN, labFR, labSW) }

var labEN = map[string]string{
	"notify.handover_lab.title":          "Lab results ready: {patient}",
	"notify.handover_lab.text":           "The results of lab order {order} for {patient} are ready.",
	"notify.handover_lab_critical.title": "CRITICAL lab result: {patient}",
	"notify.handover_lab_critical.text":  "{patient} has a critical {test} result. Open it and acknowledge it.",
	"lab.report_title":                   "Laboratory report",
	"lab.label_title":                    "Specimen",
	"lab.patient":                        "Patient",
	"lab.ordered_by":                     "Ordered by",
	"lab.collected":                      "Collected",
	"lab.test":                           "Test",
	"lab.result":                         "Result",
	"lab.reference":                      "Reference",
	"lab.flag":                           "Flag",
	"lab.amended":                        "amended",
	"lab.flag.low":                       "low",
	"lab.flag.high":                      "high",
	"lab.flag.critical_low":              "CRITICAL low",
	"lab.flag.critical_high":             "CRITICAL high",
	"lab.flag.abnormal":                  "abnormal",
	"lab.pending":                        "pending",
}

var labFR = map[string]string{
	"notify.handover_lab.title":          "Résultats de laboratoire prêts : {patient}",
	"notify.handover_lab.text":           "Les résultats de la demande d'analyses {order} de {patient} sont prêts.",
	"notify.handover_lab_critical.title": "Résultat de laboratoire CRITIQUE : {patient}",
	"notify.handover_lab_critical.text":  "{patient} a un résultat critique de {test}. Ouvrez-le et accusez-en réception.",
	"lab.report_title":                   "Compte rendu de laboratoire",
	"lab.label_title":                    "Prélèvement",
	"lab.patient":                        "Patient",
	"lab.ordered_by":                     "Prescrit par",
	"lab.collected":                      "Prélevé",
	"lab.test":                           "Analyse",
	"lab.result":                         "Résultat",
	"lab.reference":                      "Valeurs de référence",
	"lab.flag":                           "Indicateur",
	"lab.amended":                        "corrigé",
	"lab.flag.low":                       "bas",
	"lab.flag.high":                      "élevé",
	"lab.flag.critical_low":              "CRITIQUE bas",
	"lab.flag.critical_high":             "CRITIQUE élevé",
	"lab.flag.abnormal":                  "anormal",
	"lab.pending":                        "en attente",
}

var labSW = map[string]string{
	"notify.handover_lab.title":          "Majibu ya maabara tayari: {patient}",
	"notify.handover_lab.text":           "Majibu ya ombi la maabara {order} la {patient} yako tayari.",
	"notify.handover_lab_critical.title": "Jibu HATARI la maabara: {patient}",
	"notify.handover_lab_critical.text":  "{patient} ana jibu la hatari la {test}. Lifungue na uthibitishe umeliona.",
	"lab.report_title":                   "Ripoti ya maabara",
	"lab.label_title":                    "Sampuli",
	"lab.patient":                        "Mgonjwa",
	"lab.ordered_by":                     "Ameagizwa na",
	"lab.collected":                      "Imechukuliwa",
	"lab.test":                           "Kipimo",
	"lab.result":                         "Jibu",
	"lab.reference":                      "Kiwango cha kawaida",
	"lab.flag":                           "Alama",
	"lab.amended":                        "limerekebishwa",
	"lab.flag.low":                       "chini",
	"lab.flag.high":                      "juu",
	"lab.flag.critical_low":              "HATARI chini",
	"lab.flag.critical_high":             "HATARI juu",
	"lab.flag.abnormal":                  "si kawaida",
	"lab.pending":                        "inasubiri",
}
