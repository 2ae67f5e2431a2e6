#!/usr/bin/env bash
# Deletes all but the KEEP newest files matching PATTERN directly inside DIR. Archive names carry
# their date (data-2026-06-01.tar.gz), so sorting by name is sorting by age.
# Usage: prune.sh --dir DIR --pattern GLOB --keep N
set -euo pipefail

dir="" pattern="" keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --pattern) pattern="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$dir" ] || [ -z "$pattern" ] || ! [[ "$keep" =~ ^[0-9]+$ ]]; then
  echo "usage: prune.sh --dir DIR --pattern GLOB --keep N" >&2
  exit 2
fi
if [ ! -d "$dir" ]; then
  echo "no $dir folder yet: nothing to prune"
  exit 0
fi

mapfile -t archives < <(find "$dir" -maxdepth 1 -type f -name "$pattern" | LC_ALL=C sort)
excess=$(( ${#archives[@]} - keep ))
if [ "$excess" -le 0 ]; then
  echo "${#archives[@]} archives in $dir, keeping all (limit $keep)"
  exit 0
fi
for old in "${archives[@]:0:excess}"; do
  rm -f -- "$old"
  echo "removed $old"
done
echo "kept the $keep newest archives in $dir"
