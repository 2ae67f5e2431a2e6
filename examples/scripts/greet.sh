#!/usr/bin/env bash
# Usage: greet.sh --name NAME
set -euo pipefail
name=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
echo "hello, ${name} (attempt ${ORCHESTRATE_ATTEMPT} of run ${ORCHESTRATE_RUN_ID})"
