# dq developer targets. `make test` is exactly what CI runs (.ci/run).
#
# Every go command gets -tags duckdb_arrow: duckdb-go's Arrow API is opt-in,
# and building some packages with the tag and some without would compile
# the DuckDB bindings twice and test a configuration we don't ship.

GO       ?= go
GOFMT    ?= gofmt
TAGS     ?= duckdb_arrow
FUZZTIME ?= 60s
# CI (CI=true) re-runs every test instead of trusting Go's test cache, so a
# green run always means the tests ran on this commit.
ifdef CI
TESTFLAGS ?= -count=1
endif
BENCH    ?= .
# staticcheck is run with `go run pkg@version`, which builds it in ~20 s once
# and then from the build cache; it needs no entry in go.mod.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Go files that gofmt must accept; testdata/ may hold deliberately odd code.
GOFILES = $(shell find . -name '*.go' -not -path './.*' -not -path '*/testdata/*')

.PHONY: all build test vet fmt-check fmt bench fuzz lint clean

all: build test

build:
	$(GO) build -tags $(TAGS) -o bin/dq ./cmd/dq

# ./... skips directories named testdata, so the data generator's own
# tests are listed explicitly.
test: fmt-check vet
	$(GO) test -tags $(TAGS) -timeout 30m $(TESTFLAGS) ./... ./testdata/gen/...

vet:
	$(GO) vet -tags $(TAGS) ./... ./testdata/gen/...

# gofmt -l exits 0 even when it lists files, so turn a listing into a failure.
fmt-check:
	@out="$$($(GOFMT) -l $(GOFILES) </dev/null)"; \
	if [ -n "$$out" ]; then \
		echo "gofmt: these files need formatting (run 'make fmt'):" >&2; \
		echo "$$out" >&2; \
		exit 1; \
	fi

fmt:
	$(GOFMT) -w $(GOFILES)

bench:
	$(GO) test -tags $(TAGS) -run '^$$' -bench '$(BENCH)' -benchmem ./...

fuzz:
	$(GO) test -tags $(TAGS) ./dqdl -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

lint: fmt-check vet
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...

clean:
	rm -rf bin
