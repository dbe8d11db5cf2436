// Package i18n translates the text the server makes itself (PDFs, CSV headers, problem
// details, vitals flags, notifications, timeline entries) into the user's language: English,
// French or Swahili, the languages of the UI. Messages are looked up by key in the catalogs of
// catalog_*.go; a key missing in a language falls back to English, and a key missing
// everywhere is shown as is, so an untranslated message is visible but never lost.
//
// Parameters are named, "{name}" in the text, so a translation may put them in its own order.
// A float parameter is written in the language's number format (37,8 in French).
package i18n

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"
)

// Lang is a language the server writes in.
type Lang string

// The languages, those of auth_user.language_preference.
const (
	EN Lang = "en"
	FR Lang = "fr"
	SW Lang = "sw"
)

// Langs are every language, English (the fallback) first.
var Langs = []Lang{EN, FR, SW}

// Params are a message's named parameters.
type Params = map[string]any

// Msg is a message not yet rendered: a catalog key and its parameters. Domains return and
// store a Msg when the reader's language is not known yet.
type Msg struct {
	Key    string `json:"key"`
	Params Params `json:"params,omitempty"`
}

// M returns the message key with params given as name, value pairs.
func M(key string, pairs ...any) Msg {
	m := Msg{Key: key}
	if len(pairs) > 0 {
		m.Params = make(Params, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			name, _ := pairs[i].(string)
			m.Params[name] = pairs[i+1]
		}
	}
	return m
}

// Parse returns the language named by s ("fr", "fr-FR", "sw_KE"), or English for anything else.
func Parse(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	switch Lang(s) {
	case FR:
		return FR
	case SW:
		return SW
	}
	return EN
}

// FromAcceptLanguage picks the first language of an Accept-Language header that the server
// writes (weights are not weighed: browsers list their languages best first), or English.
func FromAcceptLanguage(h string) Lang {
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		if l := Parse(tag); l != EN || strings.HasPrefix(strings.ToLower(tag), "en") {
			return l
		}
	}
	return EN
}

type langKey struct{}

// WithLang returns ctx carrying the language of the user the request is for.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

// LangOf returns the language ctx carries, English when none.
func LangOf(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok && l != "" {
		return l
	}
	return EN
}

// catalogs are the messages of each language by key.
var catalogs = map[Lang]map[string]string{EN: catalogEN, FR: catalogFR, SW: catalogSW}

// Has says whether key is in the English catalog (every key is).
func Has(key string) bool {
	_, ok := catalogEN[key]
	return ok
}

// T renders key in l with params given as name, value pairs.
func (l Lang) T(key string, pairs ...any) string {
	return l.Render(M(key, pairs...))
}

// Render renders m in l: the language's text, else the English one, else the key itself.
func (l Lang) Render(m Msg) string {
	text, ok := catalogs[l][m.Key]
	if !ok {
		if text, ok = catalogEN[m.Key]; !ok {
			text = m.Key
		}
	}
	if len(m.Params) == 0 || !strings.Contains(text, "{") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			break
		}
		name := text[i+1 : i+j]
		v, ok := m.Params[name]
		b.WriteString(text[:i])
		if ok {
			b.WriteString(l.value(v))
		} else {
			b.WriteString(text[i : i+j+1])
		}
		text = text[i+j+1:]
	}
	b.WriteString(text)
	return b.String()
}

// value writes a parameter: a Msg rendered in l, a float in l's number format.
func (l Lang) value(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Msg:
		return l.Render(x)
	case float64:
		return l.Number(x, -1)
	case float32:
		return l.Number(float64(x), -1)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case interface{ String() string }:
		return x.String()
	}
	return ""
}

// Number writes v in l's format with prec decimals (-1: as few as needed): a decimal comma
// in French ("37,8"), a point in English and Swahili. No grouping of thousands: the server
// writes measures, not amounts (Amount and Money group them).
func (l Lang) Number(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strings.Replace(strconv.FormatFloat(v, 'f', prec, 64), ".", l.style().decimal, 1)
}

// Signed writes v with its sign always shown ("+2", "-2"), as a z-score cut-off.
func (l Lang) Signed(v float64) string {
	s := l.Number(v, -1)
	if v >= 0 {
		s = "+" + s
	}
	return s
}

// Date writes t's calendar date with the month's name in l ("2 décembre 2026"), and the time
// of day ("2 décembre 2026, 15:04") when withTime. t is written in its own location.
func (l Lang) Date(t time.Time, withTime bool) string {
	s := strconv.Itoa(t.Day()) + " " + l.T("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
	if withTime {
		s += ", " + t.Format("15:04")
	}
	return s
}
