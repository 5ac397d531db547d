#!/usr/bin/env python3
"""Times pandas.read_csv on the file bench_csv generated and compares it with fastblock's read_csv.

    build/.../bench/bench_csv --keep                 # prints the file's path and its median
    python3 bench/compare_csv.py PATH [FASTBLOCK_MS]  # then delete PATH's directory

pandas reads the file twice over: as it would by default (labels and fnames as Python objects,
is_valid parsed to bool) and with dtype=str, keep_default_na=False, which keeps every cell as text
the way fastblock does. Given fastblock's median in milliseconds, the script prints the ratios
(pandas time / fastblock time: above 1 means fastblock is faster). Run it on a quiet machine.
"""
import os
import sys

import pandas as pd

# This script's folder, for _common: `python3 -P` and `-I` leave it off sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median_ms  # noqa: E402


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    path = sys.argv[1]
    fastblock_ms = float(sys.argv[2]) if len(sys.argv) == 3 else None
    mb = os.path.getsize(path) / 1e6
    rows = len(pd.read_csv(path, dtype=str, keep_default_na=False))
    print(f"pandas {pd.__version__}: {path}, {rows} rows, {mb:.1f} MB")
    cases = [
        ("pandas read_csv (default)", lambda: pd.read_csv(path)),
        ("pandas read_csv (dtype=str)",
         lambda: pd.read_csv(path, dtype=str, keep_default_na=False)),
    ]
    for name, f in cases:
        ms = median_ms(f, 5)
        line = (f"{name:30s} {ms:10.3f} ms  {rows / (ms * 1e3):8.2f} Mrows/s  "
                f"{mb / (ms * 1e-3):8.1f} MB/s")
        if fastblock_ms:
            line += f"  pandas/fastblock = {ms / fastblock_ms:.2f}"
        print(line)
    if fastblock_ms:
        print(f"{'fastblock read_csv':30s} {fastblock_ms:10.3f} ms")


if __name__ == "__main__":
    main()
