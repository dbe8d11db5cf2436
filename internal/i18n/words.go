package i18n

import (
	"regexp"
	"strings"
)

// EnglishLeft lists the words of english found in text, whole words and any case, except
// those in allowed (words a language shares with English: "Date", "Patient" in French). Tests
// of a translated document use it: a French prescription must show none of the English
// labels.
func EnglishLeft(text string, english, allowed []string) []string {
	var left []string
	for _, w := range english {
		if containsFold(allowed, w) {
			continue
		}
		if regexp.MustCompile(`(?i)(^|[^\p{L}])` + regexp.QuoteMeta(w) + `($|[^\p{L}])`).MatchString(text) {
			left = append(left, w)
		}
	}
	return left
}

func containsFold(list []string, w string) bool {
	for _, x := range list {
		if strings.EqualFold(x, w) {
			return true
		}
	}
	return false
}
