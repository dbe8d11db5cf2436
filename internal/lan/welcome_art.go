package lan

import (
	"fmt"
	"html/template"
	"strings"
)

// The welcome page's illustrations: for each system, a small drawing of the one screen where
// people go wrong (the store, the trust setting, the tick box), with the option to choose
// marked. They are drawn here as inline SVG, so the page stays one self-contained answer with
// nothing to fetch (the page's CSP allows no script and no remote image), and the labels are
// the ones the system shows, as the steps quote them.

// mockRow is one line of a drawn dialog: its text, and whether it is the one to choose.
type mockRow struct {
	text   string
	chosen bool
	kind   rowKind
}

type rowKind int

const (
	rowText   rowKind = iota // a plain line (a list entry, a label)
	rowCheck                 // a tick box
	rowSwitch                // an on/off switch (iOS)
	rowButton                // a button
)

// mockDialog draws a dialog titled title with rows, the chosen ones marked in blue with an
// arrow; label is its text alternative for screen readers.
func mockDialog(label, title string, rows []mockRow) template.HTML {
	const w, rowH, top = 330, 26, 34
	h := top + rowH*len(rows) + 12
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="art" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		template.HTMLEscapeString(label), w+40, h, w+40, h)
	fmt.Fprintf(&b, `<rect x="1" y="1" width="%d" height="%d" rx="6" fill="#fff" stroke="#868e96"/>`, w, h-2)
	fmt.Fprintf(&b, `<rect x="1" y="1" width="%d" height="24" rx="6" fill="#e9ecef"/>`, w)
	fmt.Fprintf(&b, `<text x="10" y="18" font-size="12" font-weight="600" fill="#212529">%s</text>`, template.HTMLEscapeString(title))
	for i, r := range rows {
		y := top + i*rowH
		fill, stroke := "none", "none"
		if r.chosen {
			fill, stroke = "#e7f5ff", "#1971c2"
		}
		fmt.Fprintf(&b, `<rect x="8" y="%d" width="%d" height="%d" rx="3" fill="%s" stroke="%s"/>`, y, w-16, rowH-4, fill, stroke)
		x := 16
		switch r.kind {
		case rowCheck:
			fmt.Fprintf(&b, `<rect x="16" y="%d" width="12" height="12" rx="2" fill="#fff" stroke="#495057"/>`, y+5)
			if r.chosen {
				fmt.Fprintf(&b, `<path d="M18 %d l3 3 l6 -7" stroke="#1971c2" stroke-width="2" fill="none"/>`, y+11)
			}
			x = 34
		case rowSwitch:
			knob, bg := 20, "#ced4da"
			if r.chosen {
				knob, bg = 30, "#40c057"
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="24" height="14" rx="7" fill="%s"/><circle cx="%d" cy="%d" r="6" fill="#fff"/>`, w-48, y+4, bg, w-48+knob-14, y+11)
		case rowButton:
			fmt.Fprintf(&b, `<rect x="16" y="%d" width="%d" height="16" rx="3" fill="#f1f3f5" stroke="#495057"/>`, y+3, 8+7*len(r.text))
			x = 20
		}
		weight := "400"
		if r.chosen {
			weight = "600"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" font-weight="%s" fill="#212529">%s</text>`, x, y+15, weight, template.HTMLEscapeString(r.text))
		if r.chosen {
			// an arrow pointing at the option to choose
			fmt.Fprintf(&b, `<path d="M%d %d h-20 m7 -6 l-7 6 l7 6" stroke="#1971c2" stroke-width="2" fill="none"/>`, w+32, y+11)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped
}

// systemArt is the drawing of each system's decisive screen, by the system's catalog key.
var systemArt = map[string]template.HTML{
	"windows": mockDialog("Certificate Import Wizard: the store to choose", "Certificate Import Wizard: Certificate Store", []mockRow{
		{text: "Personal"},
		{text: "Trusted Root Certification Authorities", chosen: true},
		{text: "Enterprise Trust"},
		{text: "Intermediate Certification Authorities"},
	}),
	"macos": mockDialog("Keychain Access: Always Trust", "Chelal clinic CA — Trust", []mockRow{
		{text: "When using this certificate:  Always Trust", chosen: true},
		{text: "Secure Sockets Layer (SSL):  Always Trust"},
		{text: "X.509 Basic Policy:  Always Trust"},
	}),
	"linux": mockDialog("Chromium certificate manager: trust for websites", "Certificate authority — Chelal clinic CA", []mockRow{
		{kind: rowCheck, text: "Trust this certificate for identifying websites", chosen: true},
		{kind: rowCheck, text: "Trust this certificate for identifying email users"},
		{kind: rowButton, text: "OK"},
	}),
	"android": mockDialog("Android: install a CA certificate", "Install a certificate", []mockRow{
		{text: "CA certificate", chosen: true},
		{text: "VPN & app user certificate"},
		{text: "Wi-Fi certificate"},
	}),
	"ios": mockDialog("iOS Certificate Trust Settings: full trust on", "Certificate Trust Settings", []mockRow{
		{text: "Enable full trust for root certificates"},
		{kind: rowSwitch, text: "Chelal clinic CA", chosen: true},
	}),
	"firefox": mockDialog("Firefox: trust this CA to identify websites", "Downloading Certificate", []mockRow{
		{kind: rowCheck, text: "Trust this CA to identify websites.", chosen: true},
		{kind: rowCheck, text: "Trust this CA to identify email users."},
		{kind: rowButton, text: "OK"},
	}),
}
