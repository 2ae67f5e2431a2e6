"""Extracts the day's orders into staging/orders.csv and tells the next steps where they are."""
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--day", required=True)
day = parser.parse_args().day

os.makedirs("staging", exist_ok=True)
with open("staging/orders.csv", "w") as out:
    out.write("id,amount\n1,10\n2,\n3,30\n")

with open(os.environ["ORCHESTRATE_OUTPUT"], "a") as outputs:
    outputs.write(f"file=staging/orders.csv\nday={day}\n")
print(f"extracted 3 orders for {day}")
