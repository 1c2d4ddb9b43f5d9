# The two commands a newcomer needs: `make demo` and `make test`.
GO      ?= go
NPM     ?= npm
AZURITE := tools/node_modules/.bin/azurite

# Packages whose tests do not link msgraph-sdk-go also run under the race
# detector; a race build of the SDK would double the cold build time.
RACE_PKGS := ./internal/host/... ./internal/hostsim/... ./internal/queue/... \
	./internal/graphdouble/... ./internal/callerauth/... ./internal/doubles/... \
	./internal/secrets/... ./internal/config/... ./internal/redact/... ./internal/audit/... \
	./internal/azurite/... ./internal/sandbox/... ./internal/storage/... ./internal/ledger/... \
	./internal/phonesync

.PHONY: all demo test tools check package bench clean graph-queries

all: test

$(AZURITE): tools/package.json tools/package-lock.json
	$(NPM) ci --prefix tools --no-audit --no-fund --loglevel=error
	@touch $@

## tools: install the pinned Azurite from npm (tools/package-lock.json)
tools: $(AZURITE)

## demo: start Azurite, the sandbox tenant and the real handler; drive NewHireTap through the host protocol
demo: tools
	$(GO) build -o bin/handler ./handler
	$(GO) run ./tools/demo -handler bin/handler

## test: formatting, vet, every test, and the race detector where it is affordable
test: tools check
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 $(RACE_PKGS)

check:
	@fmt="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './tools/node_modules/*'))"; \
	if [ -n "$$fmt" ]; then echo "gofmt needed:"; echo "$$fmt"; exit 1; fi
	$(GO) vet ./...

## package: dist/ and dist.zip for zip deploy
package:
	$(GO) run ./tools/package

## bench: the measured numbers (readiness, protocol overhead, token verification)
bench: tools
	$(GO) test -run '^$$' -bench . -benchmem -count=5 ./internal/host/ ./internal/callerauth/ ./internal/callout/
	$(GO) test -run '^$$' -bench 'StartToReady|AccessPackageCallout' -count=5 ./handler/
	$(GO) test -run '^$$' -bench ResetSixMethods -benchtime 5x ./internal/mfareset/
	$(GO) test -run '^$$' -bench Reset200BothPhones -benchtime 1x ./internal/mfareset/
	$(GO) test -run '^$$' -bench ProtectionCheck -benchtime 20x ./internal/guard/
	$(GO) test -run '^$$' -bench ResetThroughput -benchtime 1x ./handler/
	$(GO) test -run '^$$' -bench Expire5000 -benchtime 1x ./internal/groupexpiry/
	$(GO) test -run '^$$' -bench Sync1000 -benchtime 1x ./internal/phonesync/e2e/
	$(GO) test -run '^$$' -bench 'ExpandThroughput|ExpandThrottled|Expand10kWithFaults' -benchtime 1x -timeout 30m ./internal/fido2/
	$(GO) test -run '^$$' -bench Fido2JobMemory -benchtime 1x -timeout 60m ./handler/
	$(GO) test -run '^$$' -bench 'MakeCredential|Append' ./tools/keywriter/internal/fido/ ./tools/keywriter/internal/journal/
	$(GO) test -run '^$$' -bench KeyOverhead -benchtime 20x -count=5 ./tools/keywriter/internal/desk/
	$(GO) test -run '^$$' -bench Run100Keys -benchtime 1x ./tools/keywriter/internal/desk/

clean:
	rm -rf bin dist dist.zip

## graph-queries: re-record every Graph query shape the tests make the product send
graph-queries: tools
	rm -f $(CURDIR)/internal/graphdouble/testdata/product-queries.new
	GRAPHDOUBLE_RECORD_QUERIES=$(CURDIR)/internal/graphdouble/testdata/product-queries.new $(GO) test -count=1 ./...
	{ sed -n '/^#/p' internal/graphdouble/testdata/product-queries.txt; sort -u internal/graphdouble/testdata/product-queries.new; } > internal/graphdouble/testdata/product-queries.tmp
	mv internal/graphdouble/testdata/product-queries.tmp internal/graphdouble/testdata/product-queries.txt
	rm -f internal/graphdouble/testdata/product-queries.new
