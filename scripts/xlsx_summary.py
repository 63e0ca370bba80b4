#!/usr/bin/env python3
"""Reads an XLSX export back with openpyxl (an independent reader) and prints, as JSON,
what the tests check: the sheet's name, its header row, the number of data rows, the
kinds of value of each column (number, date, text, empty) and the sum of each column's
numbers.

    target/validators-venv/bin/python scripts/xlsx_summary.py ecritures.xlsx
"""
import datetime
import json
import sys

from openpyxl import load_workbook


def kind(v):
    if v is None or v == "":
        return "empty"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (datetime.datetime, datetime.date)):
        return "date"
    if isinstance(v, (int, float)):
        return "number"
    return "text"


def main(path):
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    data = rows[1:]
    kinds = {h: sorted({kind(r[i]) for r in data}) for i, h in enumerate(header)}
    # Sums in cents, as integers: no float noise in the comparison.
    sums = {
        h: sum(round(r[i] * 100) for r in data if kind(r[i]) == "number") for i, h in enumerate(header)
    }
    print(json.dumps({"sheet": ws.title, "header": header, "rows": len(data), "kinds": kinds, "sums": sums}))


if __name__ == "__main__":
    main(sys.argv[1])
