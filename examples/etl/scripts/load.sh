#!/usr/bin/env bash
# Loads the cleaned orders into ./warehouse. FAIL_LOAD=1 makes it fail, to see the rollback.
set -euo pipefail
while [ $# -gt 0 ]; do case "$1" in --rows) rows="$2"; shift 2 ;; --region) region="$2"; shift 2 ;; *) shift ;; esac; done
if [ -n "${FAIL_LOAD:-}" ]; then echo "the warehouse is read-only today" >&2; exit 1; fi
mkdir -p warehouse
cp staging/orders.csv.clean "warehouse/orders-$ORCHESTRATE_INPUT_EXTRACT_DAY.csv"
echo "loaded $rows rows ($region)"
