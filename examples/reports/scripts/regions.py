#!/usr/bin/env python3
"""Prints one parameter set per region found in the sales data, as a JSON array:
[{"region": "eu", "data": "data/sales.csv", "out": "out/regions"}, ...]
orchestrate runs it at fire time (`params_from`), so a region added to the data today is
reported today, with no change to the config."""
import csv
import json

DATA = "data/sales.csv"

with open(DATA, newline="") as f:
    regions = sorted({row["region"] for row in csv.DictReader(f)})
print(json.dumps([{"region": region, "data": DATA, "out": "out/regions"} for region in regions]))
