"""Print capdesk/imaging/colormaps.py's tables from matplotlib's published colour maps.

The app must not depend on matplotlib, so the 256-entry viridis and cividis tables are
generated once, here, and pasted in as hex. matplotlib keeps them as plain lists in
``matplotlib/_cm_listed.py``; this reads that file as text (no import needed, so any
matplotlib copy works, e.g. Debian's python3-matplotlib):

    python scripts/make_colormaps.py /usr/lib/python3/dist-packages/matplotlib/_cm_listed.py
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path


def table(source: str, name: str) -> list[list[float]]:
    match = re.search(rf"^_{name}_data = (\[.*?\]\])", source, re.MULTILINE | re.DOTALL)
    if match is None:
        raise SystemExit(f"no _{name}_data in the file")
    rows = ast.literal_eval(match.group(1))
    if len(rows) != 256:
        raise SystemExit(f"_{name}_data has {len(rows)} rows, expected 256")
    return rows


def as_hex(rows: list[list[float]]) -> str:
    return "".join(f"{round(v * 255):02x}" for row in rows for v in row)


def main() -> None:
    source = Path(sys.argv[1]).read_text(encoding="utf-8")
    for name in ("viridis", "cividis"):
        text = as_hex(table(source, name))
        lines = [text[i : i + 96] for i in range(0, len(text), 96)]
        print(f"_{name.upper()}_HEX = (")
        for line in lines:
            print(f'    "{line}"')
        print(")")


if __name__ == "__main__":
    main()
