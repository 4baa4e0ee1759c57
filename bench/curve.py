"""Put the points of `make bench-curve` side by side: bench/curve.json and a table of how each
page's p50 and query count grow with the number of tables (issue 19: nothing may grow with the
total data, only with what the page shows)."""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(sizes: list[str]) -> None:
    points = [json.loads((HERE / "curve" / f"{size}.json").read_text()) for size in sizes]
    pages = list(points[0]["pages"])
    curve = {
        "sizes": [{"sites": p["sites"], "situations": p["situations"]} for p in points],
        "pages": {
            name: [{"sites": p["sites"], **p["pages"][name]} for p in points if name in p["pages"]]
            for name in pages
        },
    }
    (HERE / "curve.json").write_text(json.dumps(curve, indent=2) + "\n")
    header = "".join(f"{p['sites']:>7} tables" for p in points)
    print(f"{'page':33}{header}   (p50 ms / queries)")
    for name, rows in curve["pages"].items():
        cells = "".join(f"{r['p50_ms']:>8.1f} / {r['queries']:<3d}" for r in rows)
        print(f"{name:33}{cells}")
    print(f"Wrote {HERE / 'curve.json'}")


if __name__ == "__main__":
    main(sys.argv[1:])
