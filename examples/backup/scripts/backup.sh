#!/usr/bin/env bash
# Archives a folder into DEST/NAME.tar.gz.
# Usage: backup.sh --source DIR --dest DIR --name NAME
set -euo pipefail

source="" dest="" name=""
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source="$2"; shift 2 ;;
    --dest) dest="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$source" ] || [ -z "$dest" ] || [ -z "$name" ]; then
  echo "usage: backup.sh --source DIR --dest DIR --name NAME" >&2
  exit 2
fi
if [ ! -d "$source" ]; then
  echo "nothing to back up: $source is not a folder" >&2
  exit 1
fi

mkdir -p "$dest"
archive="$dest/$name.tar.gz"
# Written under another name and renamed when complete, so a timeout or a failed attempt never
# leaves half an archive that looks like a good one.
partial="$archive.partial"
trap 'rm -f "$partial"' EXIT

tar -czf "$partial" -C "$(dirname "$source")" "$(basename "$source")"
mv -f "$partial" "$archive"
echo "archived $source into $archive ($(wc -c < "$archive") bytes, attempt ${ORCHESTRATE_ATTEMPT:-1})"
