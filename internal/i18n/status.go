package i18n

// Status is a record's status in l ("Terminé" for a completed appointment in French: the key
// status.<of>.<status>), the status itself when the catalog lacks it.
func (l Lang) Status(of, status string) string {
	key := "status." + of + "." + status
	if !Has(key) {
		return status
	}
	return l.T(key)
}
