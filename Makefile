# trustbridge — run `make help` for the targets.

GO ?= go
BIN ?= bin/trustbridge

.PHONY: help build run test test-unit test-e2e vet fmt bench lint generate clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*##/ {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the trustbridge binary into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/trustbridge

run: ## Run trustbridge with its built-in demo world
	$(GO) run ./cmd/trustbridge up

test: ## Run every test: unit, conformance (SQLite and PostgreSQL), differential, fuzz seeds, end-to-end
	./scripts/test.sh

test-unit: ## Run the product module's tests only (no PostgreSQL, no kube-apiserver)
	$(GO) test ./...

test-e2e: ## Run the end-to-end tests against a real kube-apiserver
	cd test/e2e && $(GO) run ./testbed/cmd/prebuild && $(GO) test ./...

vet: ## go vet both modules
	$(GO) vet ./...
	cd test/e2e && $(GO) vet ./...

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

generate: ## Regenerate code (Query API models from botocore)
	$(GO) generate ./...

bench: ## Measure trustbridge against moto (and MinIO where available); see docs/benchmarks.md
	./scripts/bench.sh

clean: ## Remove build output
	rm -rf bin
