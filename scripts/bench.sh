#!/usr/bin/env bash
# make bench: trustbridge measured side by side with its peers, in one run.
#
# Builds trustbridge and the load generator (bench/loadgen), starts an OIDC
# issuer, trustbridge (edge + webhooks) with a generated world, the Pod
# Identity agent and moto's server, then replays pre-signed requests over
# keep-alive connections against each and prints one table: requests/s,
# p50/p99, CPU seconds per 1,000 requests and peak RSS of the server
# process, and trustbridge's ratio to each peer. A sample of answers is
# verified, so an error page never counts as throughput.
#
# Environment:
#   BENCH_DURATION=10s     measurement time per scenario
#   BENCH_CONNS=16         keep-alive connections
#   BENCH_TOKENS=30000     distinct web identity / pod identity tokens
#   BENCH_SCALE="0 100000" scale steps: for each N, a world with N extra roles
#                          (each with a trust policy and two managed
#                          policies), N/10 extra OIDC providers and, from
#                          N >= 10000, 10,000 pod identity associations over
#                          100 clusters, applied to a new SQLite store: load
#                          time, store size, RSS, and GetRole, AssumeRole and
#                          AssumeRoleWithWebIdentity at that size. "" skips.
#   BENCH_MINIO=1          also run MinIO's STS (needs `minio` on PATH or in
#                          $(go env GOPATH)/bin; `go install
#                          github.com/minio/minio@latest` takes 6–20 minutes here)
#   BENCH_MAIN=1           0 skips the side-by-side scenarios (scale steps only)
#   BENCH_OUT=bench/results  where the report is written
#   BENCH_LAYOUT=pinned    pinned: every server under test runs on
#                          BENCH_SERVER_CPUS (default 0) and the load
#                          generator on BENCH_LOADGEN_CPUS (default 1), with
#                          taskset, so neither preempts the other; shared: no
#                          pinning, the kernel shares every CPU among them.
#                          Default pinned when there are 2 CPUs or more and
#                          taskset is installed.
#   BENCH_RUNS=3           the scenarios with targets (GetCallerIdentity,
#                          AssumeRole, TokenReview, SubjectAccessReview and
#                          the floor) are measured this many times back to
#                          back and reported as the median run, with every
#                          run's throughput and p99 in the last column
#   BENCH_ONLY=REGEX       run only the scenarios whose "SYSTEM/NAME" matches
#                          the extended regular expression (e.g.
#                          'trustbridge/(TokenReview|SubjectAccessReview)');
#                          every server still starts
set -euo pipefail
cd "$(dirname "$0")/.."

DUR=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-16}
NTOK=${BENCH_TOKENS:-30000}
SCALE=${BENCH_SCALE-0 100000}
MAIN=${BENCH_MAIN:-1}
OUTDIR=${BENCH_OUT:-bench/results}
RUNS=${BENCH_RUNS:-3}
LAYOUT=${BENCH_LAYOUT:-}
if [ -z "$LAYOUT" ]; then
  if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then LAYOUT=pinned; else LAYOUT=shared; fi
fi
case $LAYOUT in
pinned)
  SRV=(taskset -c "${BENCH_SERVER_CPUS:-0}")
  GEN=(taskset -c "${BENCH_LOADGEN_CPUS:-1}")
  LAYOUT_NOTE="pinned: servers under test on CPU ${BENCH_SERVER_CPUS:-0}, load generator on CPU ${BENCH_LOADGEN_CPUS:-1} (taskset); Go sizes GOMAXPROCS to the CPUs it may use"
  ;;
shared)
  SRV=() GEN=()
  LAYOUT_NOTE="shared: no pinning; servers and load generator share all $(nproc) CPUs"
  ;;
*) echo "bench: BENCH_LAYOUT must be pinned or shared" >&2; exit 2 ;;
esac

T0=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
W=$(mktemp -d /tmp/trustbridge-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

say() { printf '==> [%4ds] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_http() { # URL [curl args...]
  local url=$1; shift
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$@" "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench: $url did not come up" >&2
  return 1
}

say "load average at start: $LOAD_START ($(nproc) CPUs); layout $LAYOUT_NOTE"
say "building trustbridge and the load generator"
go build -o "$W/trustbridge" ./cmd/trustbridge
go build -o "$W/loadgen" ./bench/loadgen
LG="$W/loadgen"
mkdir -p "$W/results"

say "starting an OIDC issuer and minting $NTOK web identity and $NTOK pod identity tokens"
ISS=127.0.0.1:$(free_port)
"$LG" issuer -dir "$W/issuer" -addr "$ISS" >"$W/issuer.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$W/issuer/issuer.txt" ] && break; sleep 0.05; done
"$LG" world -issuer-dir "$W/issuer" -out "$W/world.json"
"$LG" tokens -dir "$W/issuer" -n "$NTOK" -out "$W/web.txt"
"$LG" tokens -dir "$W/issuer" -n "$NTOK" -aud pods.eks.amazonaws.com -out "$W/pod.txt"
# Distinct-token scenarios cannot warm up on their own tokens (each is used
# once): they replay these first, uncounted, as the others replay 1 s.
NWARM=$(( NTOK / 6 ))
"$LG" tokens -dir "$W/issuer" -n "$NWARM" -out "$W/web-warm.txt"
"$LG" tokens -dir "$W/issuer" -n "$NWARM" -aud pods.eks.amazonaws.com -out "$W/pod-warm.txt"
head -n 1 "$W/web.txt" >"$W/web1.txt"
head -n 1000 "$W/pod.txt" >"$W/pod1k.txt"

BENCH_KEY=AKIABTXV5AHDTMZMFDFT
BENCH_SECRET=benchbenchbenchbenchbenchbenchbenchbench
ACCT=111111111111

# bench NAME SYSTEM PID TARGET EXPECT [extra run flags] -- [prepare flags]
bench() {
  local name=$1 sys=$2 pid=$3 target=$4 expect=$5
  shift 5
  local run=() prep=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do run+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  prep=("$@")
  if [ -n "${BENCH_ONLY:-}" ] && ! [[ "$sys/$name" =~ $BENCH_ONLY ]]; then return 0; fi
  local req="$W/req-$sys-$name.jsonl"
  "$LG" prepare -target "$target" -out "$req" "${prep[@]}"
  # A -distinct scenario warms up on FILE-warm.txt's tokens when they exist.
  local i warm=() wprep=("${prep[@]}")
  for i in "${!wprep[@]}"; do
    if [ "${wprep[$i]}" = -tokens ] && [[ " ${run[*]} " == *" -distinct "* ]] && [ -f "${wprep[$((i + 1))]%.txt}-warm.txt" ]; then
      wprep[$((i + 1))]="${wprep[$((i + 1))]%.txt}-warm.txt"
      "$LG" prepare -target "$target" -out "$req.warm" "${wprep[@]}"
      warm=(-warmup-requests "$req.warm")
    fi
  done
  say "$name on $sys ($DUR, $CONNS connections)"
  "${GEN[@]}" "$LG" run -requests "$req" -target "$target" -pid "$pid" -system "$sys" -scenario "$name" \
    -d "$DUR" -c "$CONNS" -expect "$expect" -out "$W/results/$sys-$name.json" "${warm[@]}" "${run[@]}" >/dev/null
}

KEYS=(-access-key "$BENCH_KEY" -secret-key "$BENCH_SECRET" -region us-east-1)
MOKEYS=(-access-key test -secret-key test -region us-east-1)
GCI="Action=GetCallerIdentity&Version=2011-06-15"
AR_SAME="Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::$ACCT:role/bench-role&RoleSessionName=bench"
AR_CROSS="Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::222222222222:role/cross-role&RoleSessionName=bench"
GETROLE="Action=GetRole&Version=2010-05-08&RoleName=bench-role"
WEBROLE=arn:aws:iam::$ACCT:role/web-role

if [ "$MAIN" = 1 ]; then
  say "starting trustbridge (edge + webhooks, in-memory store)"
  TBA=127.0.0.1:$(free_port)
  WHA=127.0.0.1:$(free_port)
  start=$(date +%s.%N)
  "${SRV[@]}" "$W/trustbridge" serve --addr "$TBA" --data-dir :memory: --world "$W/world.json" \
    --webhook-addr "$WHA" --cluster bench --region us-east-1 --self-signed "$W/webhook" --no-kubernetes-api \
    --log-level warn --log-format text >"$W/trustbridge.log" 2>&1 &
  TBPID=$!
  pids+=($TBPID)
  wait_http "http://$TBA/readyz"
  say "trustbridge ready in $(python3 -c "import time;print(round(time.time()-$start,3))") s"
  wait_http "https://$WHA/healthz" --cacert "$W/webhook/ca.crt"

  say "starting the Pod Identity agent"
  AGA=127.0.0.1:$(free_port)
  AWS_ACCESS_KEY_ID=$BENCH_KEY AWS_SECRET_ACCESS_KEY=$BENCH_SECRET AWS_REGION=us-east-1 \
    "${SRV[@]}" "$W/trustbridge" agent --cluster bench --endpoint "http://$TBA" --addr "$AGA" --log-level warn >"$W/agent.log" 2>&1 &
  AGPID=$!
  pids+=($AGPID)

  say "starting moto's server"
  MOA=127.0.0.1:$(free_port)
  "${SRV[@]}" python3 -m moto.server -H 127.0.0.1 -p "${MOA#*:}" >"$W/moto.log" 2>&1 &
  MOPID=$!
  pids+=($MOPID)
  wait_http "http://$MOA/moto-api/"
  # moto answers GetRole only for roles it has.
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
    aws --endpoint-url "http://$MOA" iam create-role --role-name bench-role \
    --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}' >/dev/null

  say "starting the net/http floor (a fixed answer from bare net/http: the most any Go HTTP server gets here)"
  FLA=127.0.0.1:$(free_port)
  "${SRV[@]}" "$LG" floor -addr "$FLA" >"$W/floor.log" 2>&1 &
  FLPID=$!
  pids+=($FLPID)
  wait_http "http://$FLA/"
  FSA=127.0.0.1:$(free_port)
  "${SRV[@]}" "$LG" floor -addr "$FSA" -answer sar -cert "$W/webhook/tls.crt" -key "$W/webhook/tls.key" >"$W/floor-tls.log" 2>&1 &
  FSPID=$!
  pids+=($FSPID)
  wait_http "https://$FSA/" --cacert "$W/webhook/ca.crt"

  TB="http://$TBA"
  MO="http://$MOA"

  for sys in trustbridge moto; do
    if [ $sys = trustbridge ]; then T=$TB P=$TBPID K=("${KEYS[@]}"); else T=$MO P=$MOPID K=("${MOKEYS[@]}"); fi
    bench GetCallerIdentity $sys "$P" "$T" "<Arn>" -runs "$RUNS" -- -scenario query -params "$GCI" "${K[@]}"
    bench AssumeRole-same-account $sys "$P" "$T" "<SessionToken>" -runs "$RUNS" -- -scenario query -params "$AR_SAME" "${K[@]}"
    bench AssumeRole-cross-account $sys "$P" "$T" "<SessionToken>" -- -scenario query -params "$AR_CROSS" "${K[@]}"
    bench IAM-GetRole $sys "$P" "$T" "<RoleName>bench-role</RoleName>" -- -scenario query -service iam -params "$GETROLE" "${K[@]}"
    bench AssumeRoleWithWebIdentity-distinct $sys "$P" "$T" "<SessionToken>" -distinct -- -scenario web-identity -tokens "$W/web.txt" -role-arn "$WEBROLE"
    bench AssumeRoleWithWebIdentity-reused $sys "$P" "$T" "<SessionToken>" -- -scenario web-identity -tokens "$W/web1.txt" -role-arn "$WEBROLE"
  done

  bench GetCallerIdentity nethttp-floor "$FLPID" "http://$FLA" "<Arn>" -runs "$RUNS" -- -scenario query -params "$GCI" "${KEYS[@]}"
  bench AssumeRoleForPodIdentity-distinct trustbridge "$TBPID" "$TB" '"sessionToken"' -distinct -- -scenario pod-identity -cluster bench -tokens "$W/pod.txt" "${KEYS[@]}"
  bench TokenReview trustbridge "$TBPID" "https://$WHA" '"authenticated":true' -ca "$W/webhook/ca.crt" -runs "$RUNS" -- -scenario token-review -cluster bench "${KEYS[@]}"
  bench SubjectAccessReview trustbridge "$TBPID" "https://$WHA" '"allowed":true' -ca "$W/webhook/ca.crt" -runs "$RUNS" -- -scenario sar -user bench -user-arn "arn:aws:iam::$ACCT:user/bench"
  bench SubjectAccessReview nethttp-floor "$FSPID" "https://$FSA" '"allowed":true' -ca "$W/webhook/ca.crt" -runs "$RUNS" -- -scenario sar -user bench -user-arn "arn:aws:iam::$ACCT:user/bench"
  # The webhook targets ask for p99 < 2 ms: the same two reviews at 4
  # connections, the concurrency at which p99 stays near it here.
  bench SubjectAccessReview-4-conns trustbridge "$TBPID" "https://$WHA" '"allowed":true' -ca "$W/webhook/ca.crt" -c 4 -runs "$RUNS" -- -scenario sar -user bench -user-arn "arn:aws:iam::$ACCT:user/bench"
  bench SubjectAccessReview-4-conns nethttp-floor "$FSPID" "https://$FSA" '"allowed":true' -ca "$W/webhook/ca.crt" -c 4 -runs "$RUNS" -- -scenario sar -user bench -user-arn "arn:aws:iam::$ACCT:user/bench"
  bench TokenReview-4-conns trustbridge "$TBPID" "https://$WHA" '"authenticated":true' -ca "$W/webhook/ca.crt" -c 4 -runs "$RUNS" -- -scenario token-review -cluster bench "${KEYS[@]}"
  # TokenReview costs more per request than SubjectAccessReview: at 16
  # connections its p99 is queueing (~2.3 ms), at 4 the server idles
  # between answers; 8 is between the two.
  bench TokenReview-8-conns trustbridge "$TBPID" "https://$WHA" '"authenticated":true' -ca "$W/webhook/ca.crt" -c 8 -runs "$RUNS" -- -scenario token-review -cluster bench "${KEYS[@]}"
  bench AdmissionReview-pod-identity trustbridge "$TBPID" "https://$WHA" '"patch":"' -ca "$W/webhook/ca.crt" -- -scenario admission -namespace bench -service-account bench
  bench PodIdentityAgent-cache-hit trustbridge "$AGPID" "http://$AGA" '"AccessKeyId"' -- -scenario agent -tokens "$W/pod1k.txt"
fi

minio=""
if [ "${BENCH_MINIO:-0}" = 1 ] && [ "$MAIN" = 1 ]; then
  minio=$(command -v minio || true)
  [ -z "$minio" ] && [ -x "$(go env GOPATH)/bin/minio" ] && minio="$(go env GOPATH)/bin/minio"
fi
if [ -n "$minio" ]; then
  say "MinIO: AssumeRoleWithWebIdentity (tokens carry a policy claim, which MinIO maps to its built-in readonly policy; it ignores the AWS RoleArn)"
  "$LG" tokens -dir "$W/issuer" -n "$NTOK" -claim policy=readonly -out "$W/web-minio.txt"
  head -n 1 "$W/web-minio.txt" >"$W/web-minio1.txt"
  "$LG" tokens -dir "$W/issuer" -n "$NWARM" -claim policy=readonly -out "$W/web-minio-warm.txt"
  MIA=127.0.0.1:$(free_port)
  MINIO_ROOT_USER=benchadmin MINIO_ROOT_PASSWORD=benchadminsecret MINIO_BROWSER=off MINIO_UPDATE=off \
    MINIO_IDENTITY_OPENID_CONFIG_URL="$(cat "$W/issuer/issuer.txt")/.well-known/openid-configuration" \
    MINIO_IDENTITY_OPENID_CLIENT_ID=sts.amazonaws.com MINIO_IDENTITY_OPENID_CLAIM_NAME=policy \
    SSL_CERT_FILE="$W/issuer/ca.crt" \
    "${SRV[@]}" "$minio" server --address "$MIA" "$W/minio-data" >"$W/minio.log" 2>&1 &
  MIPID=$!
  pids+=($MIPID)
  if wait_http "http://$MIA/minio/health/ready"; then
    bench AssumeRoleWithWebIdentity-distinct minio "$MIPID" "http://$MIA" "<SessionToken>" -distinct -- -scenario web-identity -tokens "$W/web-minio.txt" -role-arn "$WEBROLE" ||
      { say "MinIO's answers failed verification; its log:"; tail -5 "$W/minio.log" >&2; }
    bench AssumeRoleWithWebIdentity-reused minio "$MIPID" "http://$MIA" "<SessionToken>" -- -scenario web-identity -tokens "$W/web-minio1.txt" -role-arn "$WEBROLE" ||
      say "MinIO's answers failed verification"
  else
    say "MinIO did not start; see its log:"; tail -5 "$W/minio.log" >&2
  fi
  minio_note="MinIO: $(go version -m "$minio" 2>/dev/null | awk '$1=="mod"{print $2, $3}') (built with go install), single-drive server, OpenID provider with claim-based policy"
elif [ "${BENCH_MINIO:-0}" = 1 ]; then
  minio_note="MinIO: skipped: BENCH_MINIO=1 but no minio binary on PATH or in \$(go env GOPATH)/bin (go install github.com/minio/minio@latest builds one in 6–20 minutes here)"
else
  minio_note="MinIO: skipped (set BENCH_MINIO=1 with a minio binary on PATH or in \$(go env GOPATH)/bin; go install github.com/minio/minio@latest builds one in 6–20 minutes here)"
fi
say "$minio_note"

scale_notes=()
for n in $SCALE; do
  prov=$((n / 10)) clus=0 assoc=0
  if [ "$n" -ge 10000 ]; then clus=100 assoc=10000; fi
  say "scale: a world with $n extra roles, $prov extra OIDC providers, $assoc pod identity associations in $clus clusters"
  "$LG" world -issuer-dir "$W/issuer" -roles "$n" -providers "$prov" -clusters "$clus" -associations "$assoc" -out "$W/world-$n.json"
  SCA=127.0.0.1:$(free_port)
  start=$(date +%s.%N)
  "${SRV[@]}" "$W/trustbridge" serve --addr "$SCA" --data-dir "$W/scale-$n" --world "$W/world-$n.json" --log-level warn --log-format text >"$W/scale-$n.log" 2>&1 &
  SCPID=$!
  pids+=($SCPID)
  wait_http "http://$SCA/readyz"
  load=$(python3 -c "import time;print(round(time.time()-$start,1))")
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$SCPID/status)
  hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$SCPID/status)
  size=$(du -sm "$W/scale-$n" | cut -f1)
  wsize=$(du -m "$W/world-$n.json" | cut -f1)
  note="$n extra roles: world file ${wsize} MB, applied to a new SQLite store and ready in ${load} s; store ${size} MB on disk; RSS ${rss} MB when ready (peak ${hwm} MB)"
  say "$note"
  scale_notes+=("$note")
  bench "IAM-GetRole@$n-extra-roles" trustbridge "$SCPID" "http://$SCA" "<RoleName>bench-role</RoleName>" -- -scenario query -service iam -params "$GETROLE" "${KEYS[@]}"
  bench "AssumeRole@$n-extra-roles" trustbridge "$SCPID" "http://$SCA" "<SessionToken>" -- -scenario query -params "$AR_SAME" "${KEYS[@]}"
  bench "AssumeRoleWithWebIdentity-distinct@$n-extra-roles" trustbridge "$SCPID" "http://$SCA" "<SessionToken>" -distinct -- -scenario web-identity -tokens "$W/web.txt" -role-arn "$WEBROLE"
  kill "$SCPID" 2>/dev/null || true
  wait "$SCPID" 2>/dev/null || true
  rm -rf "$W/scale-$n" "$W/world-$n.json"
done

if ! compgen -G "$W/results/*.json" >/dev/null; then
  echo "bench: no scenario ran${BENCH_ONLY:+ (BENCH_ONLY=$BENCH_ONLY matches none)}" >&2
  exit 1
fi
mkdir -p "$OUTDIR"
out="$OUTDIR/$(date -u +%Y-%m-%dT%H%M)-$(hostname -s).md"
{
  echo "# make bench — $(date -u +%Y-%m-%dT%H:%MZ) on $(hostname -s)"
  echo
  echo "- CPU: $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "- Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "- Load average at start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other engineers' builds and tests share these cores)"
  echo "- Go: $(go version | cut -d' ' -f3); moto: $(python3 -c 'import moto;print(moto.__version__)'); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- $DUR per scenario (rows with a runs column: the median of $RUNS back-to-back runs), $CONNS keep-alive connections, load generator on the same machine"
  echo "- Layout: $LAYOUT_NOTE"
  echo "- $minio_note"
  for n in "${scale_notes[@]}"; do echo "- Scale: $n"; done
  echo "- Whole run: $(( $(date +%s) - T0 )) s"
  echo
  echo '```'
  "$LG" report "$W"/results/*.json
  echo '```'
} >"$out"
cat "$out"
say "written to $out ($(( $(date +%s) - T0 )) s)"
