#!/usr/bin/env bash
# Drops orders without an amount; tells the load how many rows are left.
set -euo pipefail
while [ $# -gt 0 ]; do case "$1" in --file) file="$2"; shift 2 ;; *) shift ;; esac; done
grep -v ',$' "$file" > "$file.clean"
rows=$(($(wc -l < "$file.clean") - 1))
echo "rows=$rows" >> "$ORCHESTRATE_OUTPUT"
echo "kept $rows rows"
