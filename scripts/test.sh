#!/usr/bin/env bash
# Runs every test: unit, property, corpus and (as root) the network-namespace labs.
# Tests find ../shared (the seeds and the tcpdump corpus) beside the repository, or at $SEGCHECK_SHARED.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product segcheck 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
test -x .build/release/segcheck
log=$(mktemp)
status=0
swift test 2>&1 | tee "$log" | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Wrapping|Write|Linking)' || status=$?
passed=$(grep -cE '^✔ Test .* passed after' "$log" || true)
failed=$(grep -cE '^✘ Test .* failed after' "$log" || true)
rm -f "$log"
echo "tests: $passed passed, $failed failed"
exit $status
