#!/usr/bin/env bash
# The project's whole test suite: the command the README names (`make test`)
# and the one CI runs. It provisions what it needs on a fresh machine:
# PostgreSQL from Debian's packages (for the store conformance suite), the
# reference policy engine from the npm registry (differential tests), and the
# real kube-apiserver test bed from the Go module proxy (end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

step "go vet"
go vet ./...

pgdir=""
# Every test run's output, and the e2e test bed's process logs (written to
# $TRUSTBRIDGE_E2E_LOG_DIR when set), are scanned for secrets at the end.
logdir=$(mktemp -d /tmp/trustbridge-logs.XXXXXX)
export TRUSTBRIDGE_E2E_LOG_DIR="$logdir/e2e"
mkdir -p "$TRUSTBRIDGE_E2E_LOG_DIR"
cleanup() {
  rm -rf "$logdir"
  if [ -n "$pgdir" ]; then
    ./scripts/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true
    rmdir "$pgdir" 2>/dev/null || true
  fi
}
trap cleanup EXIT

if [ -z "${TRUSTBRIDGE_TEST_POSTGRES:-}" ] && [ -x scripts/postgres.sh ]; then
  step "PostgreSQL for the store conformance suite"
  pgdir=$(mktemp -d /tmp/trustbridge-pg.XXXXXX)
  TRUSTBRIDGE_TEST_POSTGRES=$(./scripts/postgres.sh start "$pgdir")
  export TRUSTBRIDGE_TEST_POSTGRES
  echo "PostgreSQL ready"
fi

# The differential policy tests must run here, not skip.
export TRUSTBRIDGE_REQUIRE_DIFFTEST=1

step "unit, conformance, differential and fuzz-seed tests"
go test -count=1 -timeout 30m ./... 2>&1 | tee "$logdir/unit.log"

if [ -f test/e2e/go.mod ]; then
  step "end-to-end tests against a real kube-apiserver (the first build takes several minutes)"
  (cd test/e2e && go run ./testbed/cmd/prebuild && go vet ./... && go test -count=1 -timeout 40m ./...) 2>&1 | tee "$logdir/e2e.log"
fi

step "secret scan: nothing shaped like a token, signature, secret key or private key in the logs of this run"
go run ./internal/logtest/logscan "$logdir"

step "static build (CGO_ENABLED=0), as the container image builds it"
CGO_ENABLED=0 go build -trimpath -o /dev/null ./cmd/trustbridge

printf '\nall tests passed in %ds\n' $((SECONDS - started))
