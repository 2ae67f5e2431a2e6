#!/usr/bin/env python3
"""Writes OUT/REGION.txt: the sales lines of one region, for the run that asked for it."""
import argparse
import csv
import os

parser = argparse.ArgumentParser()
parser.add_argument("--region", required=True)
parser.add_argument("--data", required=True, help="a CSV file with region,amount columns")
parser.add_argument("--out", required=True, help="the folder to write the report into")
args = parser.parse_args()

with open(args.data, newline="") as f:
    rows = [row for row in csv.DictReader(f) if row["region"] == args.region]
if not rows:
    raise SystemExit(f"no sales for region {args.region!r} in {args.data}")

os.makedirs(args.out, exist_ok=True)
path = os.path.join(args.out, f"{args.region}.txt")
with open(path, "w") as f:
    # The scheduled time, not the time it ran: a retried or late run still says which day it covers.
    f.write(f"Region {args.region}, scheduled {os.environ.get('ORCHESTRATE_SCHEDULED_AT')}\n")
    for row in rows:
        f.write(f"{row['product']:<12}{float(row['amount']):>12.2f}\n")
print(f"wrote {path} ({len(rows)} lines)")
