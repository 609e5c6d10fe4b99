#!/usr/bin/env bash
# Crash consistency at scale (issue 18 section 4): kill a writer process N times at random points for each of keyring
# writes, audit appends (including group commits) and re-wrap batches of files, checking after every kill that the
# keyring loads, the audit log verifies (its torn tail recovered by the next writer) and no acknowledged event,
# key or re-wrap is lost. See examples/kill_campaign.rs and docs/FUZZING.md.
#
#   ./scripts/kill-campaign.sh [N] [kinds] [seed]     N kills per kind (default 1000); kinds: keyring,audit,rewrap
#
# Not part of the default test run at this size: scripts/test-all.sh runs `./scripts/kill-campaign.sh 20`.
# KILL_CAMPAIGN_PROFILE=dev builds without --release (what test-all uses: its build is already there).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
kinds=${2:-keyring,audit,rewrap}
seed=${3:-24301}
if [[ "${KILL_CAMPAIGN_PROFILE:-release}" == dev ]]; then
    cargo build --quiet --example kill_campaign
    bin=target/debug/examples/kill_campaign
else
    cargo build --quiet --release --example kill_campaign
    bin=target/release/examples/kill_campaign
fi
start=$(date +%s)
"$bin" "$n" "$kinds" "$seed"
echo "kill-campaign: $n kills per kind ($kinds), seed $seed: no violation, $(($(date +%s) - start)) s"
