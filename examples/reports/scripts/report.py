#!/usr/bin/env python3
"""Writes OUT/sales-DAY.txt: the total of each region in the sales data, and the grand total."""
import argparse
import csv
import os
from collections import defaultdict

parser = argparse.ArgumentParser()
parser.add_argument("--day", required=True, help="the report's date, yyyy-MM-dd")
parser.add_argument("--data", required=True, help="a CSV file with region,amount columns")
parser.add_argument("--out", required=True, help="the folder to write the report into")
args = parser.parse_args()

totals = defaultdict(float)
with open(args.data, newline="") as f:
    for row in csv.DictReader(f):
        totals[row["region"]] += float(row["amount"])

os.makedirs(args.out, exist_ok=True)
path = os.path.join(args.out, f"sales-{args.day}.txt")
with open(path, "w") as f:
    f.write(f"Sales report for {args.day}\n")
    for region, total in sorted(totals.items()):
        f.write(f"{region:<8}{total:>12.2f}\n")
    f.write(f"{'total':<8}{sum(totals.values()):>12.2f}\n")
print(f"wrote {path} ({len(totals)} regions, run {os.environ.get('ORCHESTRATE_RUN_ID')})")
