#!/usr/bin/env python3
"""Prints how full the filesystem holding --path is. Exits 1 above --max-percent."""
import argparse
import os
import shutil

parser = argparse.ArgumentParser()
parser.add_argument("--path", default=".")
parser.add_argument("--day", default="")
parser.add_argument("--max-percent", type=float, default=95.0)
args = parser.parse_args()

usage = shutil.disk_usage(args.path)
percent = 100.0 * usage.used / usage.total
print(f"{args.day} run {os.environ.get('ORCHESTRATE_RUN_ID')}: {args.path} is {percent:.1f}% full "
      f"({usage.free // 2**30} GiB free)")
raise SystemExit(1 if percent > args.max_percent else 0)
