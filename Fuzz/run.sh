#!/usr/bin/env bash
# Builds the libFuzzer targets and runs them: Fuzz/run.sh [TARGET|all] [SECONDS per target]
# Seeds: Fuzz/corpus/TARGET (in the repo), plus rules/ and ../shared/fixtures/peers where present. New inputs
# go to .build-fuzz/corpus/TARGET, crashes to .build-fuzz/crashes/; a crash becomes a regression test by
# copying it into Fuzz/regressions/TARGET/ (swift test replays that folder).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
seconds=${2:-60}
targets=(rules expression proctcp sockstat counters sysctlconf sockettext commandoutput snapshotjson sosdir escapemarkdown escapeprometheus gzip kernellog sysstat prometheusjson runbooks)
[ "$target" = all ] || targets=("$target")

# TWADVISE_FUZZ=1 makes Package.swift leave out the embedding plugin (its build tool would get libFuzzer's
# main too) and gives twadvise-fuzz libFuzzer's entry point instead of its replay main.
TWADVISE_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product twadvise-fuzz \
  -Xswiftc -sanitize=fuzzer,address >&2
binary=.build-fuzz/release/twadvise-fuzz
peers=../shared/fixtures/peers
mkdir -p .build-fuzz/crashes

for t in "${targets[@]}"; do
  work=.build-fuzz/corpus/$t
  mkdir -p "$work"
  extra=("Fuzz/corpus/$t")
  case $t in
    rules) extra+=(rules) ;;
    runbooks) extra+=(runbooks) ;;
    proctcp|sockstat|counters) [ -d "$peers" ] && extra+=("$peers/prometheus-procfs/proc/net" "$peers/prometheus-node_exporter/proc/net" "$peers/insights-core/proc/net") ;;
    sockettext) [ -d "$peers" ] && extra+=("$peers/insights-core/ss_-tupna" "$peers/insights-core/netstat_-neopa" "$peers/datadog-integrations-core/network/tests/fixtures") ;;
    commandoutput) [ -d "$peers" ] && extra+=("$peers/insights-core/netstat_-s") ;;
  esac
  echo "== fuzz $t for ${seconds}s" >&2
  # No leak detection (libFuzzer's per-input check, and ASan's at exit): LeakSanitizer reports Swift's
  # process-lifetime globals (static let), whose enum payload references carry tag bits it cannot follow;
  # ARC code leaks only through cycles.
  ASAN_OPTIONS=detect_leaks=0 TWADVISE_FUZZ_TARGET=$t "$binary" "$work" "${extra[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
    -max_len=65536 -artifact_prefix=.build-fuzz/crashes/$t- -print_final_stats=1 2>&1 \
    | grep -E "^(INFO: seed corpus|#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
  if ls .build-fuzz/crashes/$t-* >/dev/null 2>&1; then echo "fuzz $t: CRASH, see .build-fuzz/crashes/" >&2; exit 1; fi
done
