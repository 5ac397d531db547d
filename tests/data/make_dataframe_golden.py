#!/usr/bin/env python3
"""Writes tests/data/dataframe_golden.txt: what pandas 1.5 prints for a set of frames and series.

tests/data/test_dataframe.cpp rebuilds every object below by the same formula (keep the two lists in
step) and checks that fastblock's operator<< prints the same bytes. fastblock's columns hold text,
so every frame here is built with dtype=str: pandas then prints `dtype: object`, as fastblock does.

Run with a Python that has pandas 1.5 (pip install "pandas==1.5.3" "numpy<2"):
    python3 tests/data/make_dataframe_golden.py

pandas fits a frame to the terminal width; COLUMNS and LINES are pinned below so the output is the
same on every machine (fastblock's DisplayOptions::width defaults to the same 80 columns).

File format, per case:
    #case <id> [key=value ...]     non-default display options (max_rows, min_rows, max_colwidth,
                                   width = the terminal's COLUMNS)
    <printed text, one or more lines>
    #end
"""

import os

os.environ["COLUMNS"] = "80"
os.environ["LINES"] = "24"

import pandas as pd  # noqa: E402  (after pinning the terminal size)

LABELS = ["chair", "car", "horse person", "bicycle", "dog", "tvmonitor", "bottle pottedplant"]


def frame(columns):
    return pd.DataFrame(columns, dtype=str)


def seed5():
    return frame({"fname": ["000005.jpg", "000007.jpg", "000009.jpg", "000012.jpg", "000016.jpg"],
                  "labels": ["chair", "car", "horse person", "car", "bicycle"],
                  "is_valid": ["True", "True", "True", "False", "True"]})


def pascal(n):
    # Shaped like PASCAL 2007's train.csv; test_dataframe.cpp's pascal() uses the same formulas.
    return frame({"fname": [f"{(i * 2 + 5):06d}.jpg" for i in range(n)],
                  "labels": [LABELS[i % 7] for i in range(n)],
                  "is_valid": ["True" if i % 3 == 0 else "False" for i in range(n)]})


def py_repr(x):
    return repr(float(x))


def tmp_df():
    return frame({"a": ["1", "2"], "b": ["3", "4"]})


def tmp_df_c():
    df = tmp_df()
    df["c"] = [str(int(a) + int(b)) for a, b in zip(df["a"], df["b"])]
    return df


def divided():
    a, b = ["1", "2", "10", "0"], ["4", "3", "1e-05", "0"]
    return frame({"a": a, "b": b,
                  "q": [py_repr(float(x) / float(y)) if float(y) != 0 else "nan"
                        for x, y in zip(a, b)]})


def wide(rows, cols):
    return frame({f"col{j}": [f"v{i}_{j}" for i in range(rows)] for j in range(cols)})


def numbered(n):
    return pd.Series([str(i * i) for i in range(n)], dtype=str, name="sq")


def digits(n):
    return pd.Series([str(i % 10) for i in range(n)], dtype=str, name="d")


def odd_cells():
    return frame({"text": ["line1\nline2", "tab\there", "cr\rend", "", "é" * 60, "naïve café"],
                  "n": ["1", "2", "3", "4", "5", "6"]})


def long_header():
    return frame({"a" * 60: ["x", "y"], "b": ["z" * 70, "q"]})


CASES = [
    ("seed5", lambda: seed5()),
    ("seed5_fname", lambda: seed5()["fname"]),
    ("seed5_row0", lambda: seed5().iloc[0]),
    ("seed5_row_neg1", lambda: seed5().iloc[-1]),
    ("seed5_head2", lambda: seed5().head(2)),
    ("seed5_iloc_1_4", lambda: seed5().iloc[1:4]),
    ("seed5_valid", lambda: seed5()[seed5()["is_valid"] == "True"]),
    ("seed5_valid_fname", lambda: seed5()[seed5()["is_valid"] == "True"]["fname"]),
    ("seed5_train_row", lambda: seed5()[seed5()["is_valid"] == "False"].iloc[0]),
    ("seed5_empty", lambda: seed5()[seed5()["is_valid"] == "nope"]),
    ("seed5_empty_fname", lambda: seed5()[seed5()["is_valid"] == "nope"]["fname"]),
    ("seed5_mask", lambda: seed5()["is_valid"] == "True"),
    ("tmp_df", lambda: tmp_df()),
    ("tmp_df_c", lambda: tmp_df_c()),
    ("tmp_df_c_unnamed", lambda: tmp_df_c()["c"].rename(None)),
    ("divided", lambda: divided()),
    ("pascal5011", lambda: pascal(5011)),
    ("pascal5011_fname", lambda: pascal(5011)["fname"]),
    ("pascal5011_row_last", lambda: pascal(5011).iloc[-1]),
    ("pascal5011_tail3", lambda: pascal(5011).tail(3)),
    ("pascal60", lambda: pascal(60)),
    ("pascal61", lambda: pascal(61)),
    ("pascal5011_valid", lambda: pascal(5011)[pascal(5011)["is_valid"] == "True"]),
    ("sq60", lambda: numbered(60)),
    ("sq61", lambda: numbered(61)),
    ("digits100", lambda: digits(100)),
    ("digits100_frame", lambda: pd.DataFrame({"a": digits(100), "b": digits(100)})),
    ("wide3x14", lambda: wide(3, 14)),
    ("wide70x12", lambda: wide(70, 12)),
    ("wide2x30", lambda: wide(2, 30)),
    ("wide2x7", lambda: wide(2, 7)),
    ("long_header", lambda: long_header()),
    ("long_header_row0", lambda: long_header().iloc[0]),
    ("odd_cells", lambda: odd_cells()),
    ("odd_cells_text", lambda: odd_cells()["text"]),
    ("empty_named", lambda: frame({"a": [], "b": []})),
    ("empty_frame", lambda: pd.DataFrame()),
    ("empty_series", lambda: pd.Series([], dtype=str, name="fname")),
    # Non-default display options (fastblock::DisplayOptions).
    ("pascal20_max6", lambda: pascal(20), {"max_rows": 6, "min_rows": 0}),
    ("pascal20_max6_min4", lambda: pascal(20), {"max_rows": 6, "min_rows": 4}),
    ("pascal20_fname_max5", lambda: pascal(20)["fname"], {"max_rows": 5, "min_rows": 0}),
    ("pascal20_fname_max1", lambda: pascal(20)["fname"], {"max_rows": 1, "min_rows": 0}),
    ("pascal20_max1", lambda: pascal(20), {"max_rows": 1, "min_rows": 0}),
    ("pascal20_unlimited", lambda: pascal(20), {"max_rows": 0, "min_rows": 0}),
    ("seed5_width30", lambda: seed5(), {"width": 30}),
    ("wide3x14_width40", lambda: wide(3, 14), {"width": 40}),
    ("seed5_colwidth6", lambda: seed5(), {"max_colwidth": 6}),
    ("odd_cells_colwidth0", lambda: odd_cells(), {"max_colwidth": 0}),
]


def render(build, options):
    os.environ["COLUMNS"] = str(options.get("width", 80))
    settings = []
    for key in ("max_rows", "min_rows", "max_colwidth"):
        if key in options:
            # pandas spells "no limit" None; fastblock spells it 0.
            settings += [f"display.{key}", options[key] or None]
    if not settings:
        return str(build())
    with pd.option_context(*settings):
        return str(build())


def main():
    out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dataframe_golden.txt")
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        out.write(f"# Written by make_dataframe_golden.py with pandas {pd.__version__}; "
                  "do not edit.\n")
        for case_id, build, *options in CASES:
            options = options[0] if options else {}
            keys = "".join(f" {k}={v}" for k, v in options.items())
            out.write(f"#case {case_id}{keys}\n{render(build, options)}\n#end\n")


if __name__ == "__main__":
    main()
