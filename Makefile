# Chelal: `make run` builds and starts Chelal; `make test` runs every test.
# Both install what a fresh Debian machine lacks (apt, as root or through sudo).

SHELL      := /bin/bash
GO         ?= go
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -s -w -X main.version=$(VERSION)
GOOS       := $(shell $(GO) env GOOS)
GOARCH     := $(shell $(GO) env GOARCH)
NPM_PLATFORM := $(subst amd64,x64,$(GOOS)-$(GOARCH))
PGBUNDLE   := internal/db/pgbundle/$(GOOS)-$(GOARCH)/postgres.txz
BIN        := bin/chelal
DESKTOP_BIN  := bin/chelal-desktop
DESKTOP_TAGS := desktop,production,webkit2_41
ADDR       ?= 127.0.0.1:7300
# PostgreSQL refuses to run as root: as root, the server and the tests run as nobody.
ROOT       := $(shell [ "$$(id -u)" = 0 ] && echo yes)
ASNOBODY   := $(if $(ROOT),setpriv --reuid=65534 --regid=65534 --clear-groups,)
SUDO       := $(if $(ROOT),,sudo)
RUN_DATA   ?= $(if $(ROOT),/var/tmp/chelal-data,)
GOTEST_FLAGS ?= -count=1 -timeout 20m

.PHONY: help run serve build desktop bundle deps frontend frontend-deps api \
        test lint test-unit test-frontend test-pg15 test-e2e test-browser test-desktop \
        bench bench-patients bench-dispense clean dist test-dist

help:
	@echo "make run      build Chelal and start it: the desktop window where there is a display,"
	@echo "              otherwise the LAN server on $(ADDR) (embedded PostgreSQL either way)"
	@echo "make test     run every test (Go on real PostgreSQL, process, browser and desktop tests)"
	@echo "make build    bin/chelal: the static server build (no cgo), UI and PostgreSQL embedded"
	@echo "make desktop  bin/chelal-desktop: the desktop build (Wails, GTK/WebKit)"
	@echo "make dist     the packages for the clinics (Windows installer, macOS, Linux, .deb) into dist/"
	@echo "make bench    start, stop, memory and login figures; make bench-patients: search and writes at scale; make bench-dispense: dispensing under contention"

# run opens the desktop window when a display exists, else serves on $(ADDR).
run:
	@if [ -n "$${DISPLAY}$${WAYLAND_DISPLAY}" ]; then $(MAKE) --no-print-directory run-desktop; \
	 else $(MAKE) --no-print-directory serve; fi

serve: build
	@if [ -n "$(RUN_DATA)" ]; then mkdir -p "$(RUN_DATA)" && chown 65534:65534 "$(RUN_DATA)" && \
	  echo "make run: running as root, so Chelal runs as nobody with its data in $(RUN_DATA)"; fi
	$(if $(RUN_DATA),CHELAL_DATA_DIR=$(RUN_DATA)) $(ASNOBODY) ./$(BIN) serve --addr $(ADDR)

run-desktop: desktop
	@if [ -n "$(RUN_DATA)" ]; then mkdir -p "$(RUN_DATA)" && chown 65534:65534 "$(RUN_DATA)"; fi
	$(if $(RUN_DATA),CHELAL_DATA_DIR=$(RUN_DATA)) $(ASNOBODY) ./$(DESKTOP_BIN)

# deps installs the Debian packages the builds and the tests need, when missing.
deps:
	@build/deps.sh

$(PGBUNDLE): build/bundle-postgres.sh
	build/bundle-postgres.sh $(NPM_PLATFORM)

bundle: deps $(PGBUNDLE)

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend-deps: frontend/node_modules/.package-lock.json

# The UI, built into frontend/dist and embedded by the Go builds: rebuilt only when one of its
# sources changed, so `make run` on an unchanged tree starts in seconds.
UI_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
              frontend/index.html frontend/vite.config.ts frontend/package.json \
              frontend/tsconfig.json frontend/tsconfig.app.json frontend/tsconfig.node.json
UI_BUILT   := frontend/dist/index.html

$(UI_BUILT): $(UI_SOURCES) frontend/node_modules/.package-lock.json
	cd frontend && npm run build
	@echo "frontend: login page (brotli) $$(cat frontend/dist/assets/index-*.js.br frontend/dist/assets/vendor-*.br frontend/dist/assets/index-*.css.br | wc -c | awk '{printf "%.0f kB", $$1/1024}'), every asset (brotli) $$(cat frontend/dist/assets/*.br | wc -c | awk '{printf "%.0f kB", $$1/1024}')"

frontend: frontend-deps $(UI_BUILT)

# api regenerates the frontend's typed client from the server's OpenAPI document.
api: frontend-deps
	cd frontend && npm run gen:api

build: bundle frontend
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .
	@ls -l $(BIN) | awk '{printf "built %s (%.1f MB)\n", $$9, $$5/1048576}'

desktop: bundle frontend
	@build/deps.sh desktop
	CGO_ENABLED=1 $(GO) build -tags $(DESKTOP_TAGS) -trimpath -ldflags "$(LDFLAGS)" -o $(DESKTOP_BIN) .
	@ls -l $(DESKTOP_BIN) | awk '{printf "built %s (%.1f MB)\n", $$9, $$5/1048576}'

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test: build lint test-unit test-frontend test-pg15 test-e2e test-browser test-desktop test-dist

# Go tests: each package starts its own PostgreSQL cluster on /dev/shm.
test-unit:
	$(GO) test $(GOTEST_FLAGS) $(if $(ASNOBODY),-exec '$(ASNOBODY)') $$($(GO) list ./... | grep -v /e2e)

# Frontend unit tests (Vitest), and the typed API client must match the server's routes.
test-frontend: frontend-deps
	cd frontend && npm test && npm run check:api

# The database tests again on PostgreSQL 15, the oldest external server supported.
test-pg15:
	build/test-pg15.sh

# Process tests: the built binary under kill -9, without network, as root, on bad data dirs.
# They need root (network namespaces, running Chelal as another user); without root, sudo.
test-e2e:
	$(if $(ROOT),,sudo -E env PATH="$$PATH") $(GO) test $(GOTEST_FLAGS) -v ./e2e/

# Browser tests: Debian's Chromium (playwright-core) against `chelal serve` on loopback.
test-browser: build frontend-deps
	@build/deps.sh browser
	cd frontend && CHELAL_BIN=$(CURDIR)/$(BIN) npm run e2e

# The desktop build under Xvfb: window not blank, LAN listener answers, clean exit.
test-desktop: desktop
	SMOKE_SHOT=$(CURDIR)/bin/desktop-smoke.png build/desktop/smoke.sh $(DESKTOP_BIN)

# dist: every package for the clinics (Windows installer, macOS and Linux servers, .deb, Linux
# desktop) into dist/, reproducibly, with SHA256SUMS. See build/dist.sh.
dist: frontend-deps
	build/dist.sh

# The packages that can be checked on this machine, checked: the .deb installed and its service
# run, the arm64 build under qemu, the Windows PE files, a second build identical.
test-dist: frontend-deps
	@build/deps.sh distcheck
	DIST_DIR=$(CURDIR)/bin/dist build/dist.sh --only linux-x64,linux-arm64,windows-x64
	$(SUDO) build/dist/check.sh $(CURDIR)/bin/dist

bench: build
	$(GO) run ./bench/serve -bin $(BIN)

# bench-patients loads N patients (default 1,000,000) and measures search, booking, encounters, vitals,
# prescriptions and payments over HTTP at C clients, then a backup and its restore. BENCH_FLAGS
# adds flags, e.g. BENCH_FLAGS="-only search -cpuprofile /var/tmp/chelal-bench/prof".
N ?= 1000000
C ?= 50
THINK ?= 0
bench-patients: bundle
	$(GO) build -o bin/bench-patients ./bench/patients
	@mkdir -p /var/tmp/chelal-bench && cp bin/bench-patients /var/tmp/chelal-bench/ && \
	  $(if $(ROOT),chown -R 65534:65534 /var/tmp/chelal-bench,true)
	cd /var/tmp/chelal-bench && $(ASNOBODY) env TMPDIR=/var/tmp/chelal-bench ./bench-patients -n $(N) -c $(C) -think $(THINK) $(BENCH_FLAGS)

# bench-dispense: C clients (default 50) dispense 20 medications at once; p50/p95 and the
# proof that no balance went negative and every stock equals its ledger.
bench-dispense: bundle
	$(GO) build -o bin/bench-dispense ./bench/dispense
	@mkdir -p /var/tmp/chelal-bench && cp bin/bench-dispense /var/tmp/chelal-bench/ && \
	  $(if $(ROOT),chown -R 65534:65534 /var/tmp/chelal-bench,true)
	cd /var/tmp/chelal-bench && $(ASNOBODY) env TMPDIR=/var/tmp/chelal-bench ./bench-dispense -c $(C)

clean:
	rm -rf bin build/.cache frontend/dist/assets frontend/dist/index.html
