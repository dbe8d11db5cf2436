package lan

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// Each system's steps on the welcome page come with a drawing of its decisive screen, the
// option to choose marked, with a text alternative; the page stays self-contained (inline SVG,
// nothing fetched), and the drawings' labels are escaped.
func TestWelcomeStepsAreIllustrated(t *testing.T) {
	t.Parallel()
	ca, _, err := LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := &Plain{CA: ca}
	req := httptest.NewRequest("GET", "http://10.77.0.1:7300/welcome", nil)
	req.RemoteAddr = "10.77.0.2:5555"
	w := httptest.NewRecorder()
	p.ServeHTTP(w, req)
	page := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("welcome: %d", w.Code)
	}
	if n := strings.Count(page, `<svg class="art" role="img" aria-label="`); n != 6 {
		t.Errorf("%d illustrations, want one per system (6)", n)
	}
	for _, want := range []string{"Trusted Root Certification Authorities", "Always Trust", "Trust this certificate for identifying websites", "CA certificate", "Enable full trust", "Trust this CA to identify websites."} {
		if !strings.Contains(page, want) {
			t.Errorf("no drawing shows %q", want)
		}
	}
	if n := strings.Count(page, `fill="#e7f5ff"`); n != 6 {
		t.Errorf("%d options marked, want one per drawing (6)", n)
	}
	if strings.Contains(page, "<img") || strings.Contains(page, "<script") || strings.Contains(page, "<link") || strings.Contains(page, " src=") {
		t.Error("the welcome page must fetch nothing")
	}
	if got := mockDialog("a <b>", "t&t", []mockRow{{text: "<script>"}}); strings.Contains(string(got), "<script>") || strings.Contains(string(got), "<b>") {
		t.Errorf("labels are not escaped: %s", got)
	}
}
