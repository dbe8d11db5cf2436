package i18n

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Every English key is in French and Swahili, with the same parameters: a missing key would
// show English to a French reader, a missing parameter would drop a value.
func TestCatalogsComplete(t *testing.T) {
	t.Parallel()
	params := func(s string) map[string]bool {
		out := map[string]bool{}
		for {
			i := strings.IndexByte(s, '{')
			if i < 0 {
				return out
			}
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return out
			}
			out[s[i+1:i+j]] = true
			s = s[i+j+1:]
		}
	}
	for _, l := range []Lang{FR, SW} {
		for key, en := range catalogEN {
			text, ok := catalogs[l][key]
			if !ok || strings.TrimSpace(text) == "" {
				t.Errorf("%s: key %q is missing", l, key)
				continue
			}
			want, got := params(en), params(text)
			for p := range want {
				if !got[p] {
					t.Errorf("%s: %q lacks parameter {%s}", l, key, p)
				}
			}
			for p := range got {
				if !want[p] {
					t.Errorf("%s: %q has parameter {%s} that English does not pass", l, key, p)
				}
			}
		}
		for key := range catalogs[l] {
			if _, ok := catalogEN[key]; !ok {
				t.Errorf("%s: key %q is not in English", l, key)
			}
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lang Lang
		msg  Msg
		want string
	}{
		{"french decimal comma", FR, M("timeline.temp", "v", 37.8), "T 37,8 °C"},
		{"english decimal point", EN, M("timeline.temp", "v", 37.8), "T 37.8 °C"},
		{"swahili decimal point", SW, M("timeline.temp", "v", 37.8), "Joto 37.8 °C"},
		{"nested message", FR, M("err.stock.insufficient", "what", M("stock.what.in_date"), "available", int64(3), "requested", 5),
			"Pas assez de stock non périmé : 3 disponible(s), 5 demandé(s)."},
		{"missing key falls back to the key", FR, M("no.such.key"), "no.such.key"},
		{"missing parameter left visible", EN, M("timeline.temp"), "T {v} °C"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.lang.Render(tc.msg); got != tc.want {
				t.Errorf("Render = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLanguages(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Lang{"fr": FR, "fr-FR": FR, "SW_ke": SW, "en": EN, "de": EN, "": EN} {
		if got := Parse(in); got != want {
			t.Errorf("Parse(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]Lang{"fr-CH, fr;q=0.9, en;q=0.8": FR, "de-DE, sw;q=0.5": SW, "en-GB, fr": EN, "": EN, "de": EN} {
		if got := FromAcceptLanguage(in); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", in, got, want)
		}
	}
	if got := LangOf(context.Background()); got != EN {
		t.Errorf("LangOf(empty) = %q", got)
	}
	if got := LangOf(WithLang(context.Background(), SW)); got != SW {
		t.Errorf("LangOf = %q, want sw", got)
	}
	d := time.Date(2026, 12, 2, 15, 4, 0, 0, time.UTC)
	if got := FR.Date(d, true); got != "2 décembre 2026, 15:04" {
		t.Errorf("FR.Date = %q", got)
	}
	if got := FR.Number(-1.25, 1); got != "-1,2" && got != "-1,3" {
		t.Errorf("FR.Number = %q", got)
	}
}
