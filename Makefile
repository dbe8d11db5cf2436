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
ADDR       ?= 127.0.0.1:7300
# PostgreSQL refuses to run as root: as root, the server and the tests run as nobody.
ROOT       := $(shell [ "$$(id -u)" = 0 ] && echo yes)
ASNOBODY   := $(if $(ROOT),setpriv --reuid=65534 --regid=65534 --clear-groups,)
RUN_DATA   ?= $(if $(ROOT),/var/tmp/chelal-data,)
GOTEST_FLAGS ?= -count=1 -timeout 20m

.PHONY: run serve build bundle deps test test-unit test-pg15 test-e2e lint bench clean help

help:
	@echo "make run    build Chelal and start it (serve on $(ADDR), embedded PostgreSQL)"
	@echo "make test   run every test (unit + integration on real PostgreSQL + process tests)"
	@echo "make build  build bin/chelal (server build, PostgreSQL embedded)"
	@echo "make bench  measure start-up, stop, size and memory"

run: build
	@if [ -n "$(RUN_DATA)" ]; then mkdir -p "$(RUN_DATA)" && chown 65534:65534 "$(RUN_DATA)" && \
	  echo "make run: running as root, so Chelal runs as nobody with its data in $(RUN_DATA)"; fi
	$(if $(RUN_DATA),CHELAL_DATA_DIR=$(RUN_DATA)) $(ASNOBODY) ./$(BIN) serve --addr $(ADDR)

serve: run

# deps installs the Debian packages the build and the tests need, when missing.
deps:
	@build/deps.sh

$(PGBUNDLE): build/bundle-postgres.sh
	build/bundle-postgres.sh $(NPM_PLATFORM)

bundle: deps $(PGBUNDLE)

build: bundle
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .
	@ls -l $(BIN) | awk '{printf "built %s (%.1f MB)\n", $$9, $$5/1048576}'

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test: bundle lint test-unit test-pg15 test-e2e

# Unit and integration tests: each package starts its own PostgreSQL cluster on /dev/shm.
test-unit:
	$(GO) test $(GOTEST_FLAGS) $(if $(ASNOBODY),-exec '$(ASNOBODY)') $$($(GO) list ./... | grep -v /e2e)

# The database tests again on PostgreSQL 15, the oldest external server supported.
test-pg15:
	build/test-pg15.sh

# Process tests: the built binary under kill -9, without network, as root, on bad data dirs.
# They need root (network namespaces, running Chelal as another user); without root, sudo.
test-e2e:
	$(if $(ROOT),,sudo -E env PATH="$$PATH") $(GO) test $(GOTEST_FLAGS) -v ./e2e/

bench: build
	$(GO) run ./bench/serve -bin $(BIN)

clean:
	rm -rf bin build/.cache
