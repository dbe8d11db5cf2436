package lan

import (
	"html/template"
	"net/http"
	"net/netip"
	"strings"

	"chelal/internal/i18n"
)

// CAFileName is the name the CA certificate is downloaded and exported under.
const CAFileName = "chelal-ca.crt"

// Plain answers the plain-HTTP side of a LAN listener (Split). Loopback clients and trusted
// reverse proxies get Chelal itself (nothing crosses the network, or the proxy did TLS).
// Everyone else gets, at /welcome, the page that onboards a workstation (the CA to download,
// its fingerprint, the steps per system; never any patient data), and anywhere else a redirect
// to the same address over HTTPS.
type Plain struct {
	Main        http.Handler           // Chelal, for loopback and trusted proxies
	CA          *CA                    // nil: the clinic brought its own certificate; no CA to offer
	HostAllowed func(host string) bool // the server's Host check (DNS rebinding)
	Trusted     func(netip.Addr) bool  // a trusted reverse proxy; nil: none
}

func (p *Plain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var peer netip.Addr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		peer = ap.Addr().Unmap()
	}
	if peer.IsLoopback() || (p.Trusted != nil && peer.IsValid() && p.Trusted(peer)) {
		p.Main.ServeHTTP(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if p.HostAllowed != nil && !p.HostAllowed(r.Host) {
		http.Error(w, "This server does not answer for the host name in the address (421 Misdirected Request).", http.StatusMisdirectedRequest)
		return
	}
	switch {
	case p.CA != nil && (r.URL.Path == "/welcome" || r.URL.Path == "/welcome/") && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		p.welcome(w, r)
	case p.CA != nil && r.URL.Path == "/welcome/"+CAFileName && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		h.Set("Content-Type", "application/x-x509-ca-cert")
		h.Set("Content-Disposition", `attachment; filename="`+CAFileName+`"`)
		_, _ = w.Write(p.CA.PEM())
	default:
		// 307 keeps the method and is not cached as permanent: a workstation may come back
		// to /welcome over plain HTTP.
		http.Redirect(w, r, HTTPSURL(r.Host, r.URL.RequestURI()), http.StatusTemporaryRedirect)
	}
}

// HTTPSURL is https://host (its port kept) followed by uri.
func HTTPSURL(host, uri string) string {
	if uri == "" || uri[0] != '/' {
		uri = "/" + uri
	}
	return "https://" + host + uri
}

func (p *Plain) welcome(w http.ResponseWriter, r *http.Request) {
	lang := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	if l := r.URL.Query().Get("lang"); l != "" {
		lang = i18n.Parse(l)
	}
	t := func(key string, pairs ...any) string { return lang.T(key, pairs...) }
	type system struct {
		Title, Steps string
		Art          template.HTML
	}
	data := map[string]any{
		"Lang":        string(lang),
		"Title":       t("welcome.title"),
		"Intro":       t("welcome.intro"),
		"Step1":       t("welcome.step_download"),
		"Download":    t("welcome.download"),
		"File":        CAFileName,
		"Step2":       t("welcome.step_check"),
		"Fingerprint": p.CA.Fingerprint(),
		"Step3":       t("welcome.step_install"),
		"Step4":       t("welcome.step_open"),
		"URL":         HTTPSURL(r.Host, "/"),
		"NoData":      t("welcome.no_data"),
		"Systems": []system{
			{t("welcome.windows"), t("welcome.windows_steps"), systemArt["windows"]},
			{t("welcome.macos"), t("welcome.macos_steps"), systemArt["macos"]},
			{t("welcome.linux"), t("welcome.linux_steps"), systemArt["linux"]},
			{t("welcome.android"), t("welcome.android_steps"), systemArt["android"]},
			{t("welcome.ios"), t("welcome.ios_steps"), systemArt["ios"]},
			{t("welcome.firefox"), t("welcome.firefox_steps"), systemArt["firefox"]},
		},
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = welcomePage.Execute(w, data)
}

// The steps are one string per system, lines separated by "|".
var welcomePage = template.Must(template.New("welcome").Funcs(template.FuncMap{
	"lines": func(s string) []string { return strings.Split(s, "|") },
}).Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:44rem;margin:1rem auto;padding:0 1rem;line-height:1.5;color:#1a1b1e}
h1{font-size:1.5rem}ol.main>li{margin:.8rem 0}
.fp{font-family:ui-monospace,monospace;font-size:1.05rem;background:#f1f3f5;padding:.5rem;border-radius:4px;word-break:break-all;display:block}
a.button{display:inline-block;background:#1971c2;color:#fff;padding:.5rem 1rem;border-radius:4px;text-decoration:none}
details{border:1px solid #dee2e6;border-radius:4px;padding:.3rem .7rem;margin:.4rem 0}summary{cursor:pointer;font-weight:600}
.note{color:#495057;font-size:.9rem}
svg.art{display:block;max-width:100%;height:auto;margin:.3rem 0 .6rem}
</style></head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Intro}}</p>
<ol class="main">
<li>{{.Step1}}<br><a class="button" id="download" href="/welcome/{{.File}}" download="{{.File}}">{{.Download}}</a></li>
<li>{{.Step2}}<code class="fp" id="fingerprint">{{.Fingerprint}}</code></li>
<li>{{.Step3}}
{{range .Systems}}<details><summary>{{.Title}}</summary><ol>{{range lines .Steps}}<li>{{.}}</li>{{end}}</ol>{{.Art}}</details>
{{end}}</li>
<li>{{.Step4}}<br><a class="button" id="open" href="{{.URL}}">{{.URL}}</a></li>
</ol>
<p class="note">{{.NoData}}</p>
</body></html>
`))
