"""Benchmark the caption library at scale; prints numbers (docs/PERFORMANCE.md "Library").

Builds a library of N generated image rows (default 100,000, in 100 folders, every one
captioned, through the real schema and its FTS5 triggers). One folder of 10,000 is real
files on disk (tiny files of random bytes), so "opening an already captioned folder" is
measured as the app and CLI do it: ``Library.lookup`` with one stat() per file. Then:
the time to open the library (quick_check + migration check), the lookup (and the stat()
alone, to show what the queries add), search latency (median and p95 over several
queries, FTS5 and the LIKE fallback), one ``record_caption`` commit, and the file size
per image.

    PYTHONPATH=. python scripts/library_benchmark.py /tmp/capdesk-library-bench [--images 100000]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import time
from pathlib import Path

from capdesk.library import Library, fingerprint, path_key, queries

_TEXT = ("a dog cat man woman child boy girl runs jumps sits stands on in the grass beach "
         "water snow street field park ball red blue green white black brown two three "
         "people bike car tree mountain lake river city building sky sunset dressed shirt "
         "playing with near front of wooden table holding camera smiling looking at")
WORDS = _TEXT.split()
QUERIES = ("dog", "beach", "red ball", "girl playing", "snow mountain", "sunset lake",
           "img_004", "wooden table", "bike street", "smiling woman")


def _caption(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(7, 13)))


def build(root: Path, images: int, folder_size: int) -> tuple[Path, list[Path]]:
    """The library file and the real folder's files."""
    if root.exists():
        shutil.rmtree(root)
    real = root / "photos" / "folder000"
    real.mkdir(parents=True)
    rng = random.Random(7)
    files = []
    for i in range(folder_size):
        path = real / f"IMG_{i:06d}.jpg"
        path.write_bytes(rng.randbytes(256))
        files.append(path)
    library = Library.open(root / "library.sqlite3")
    db = library.connection
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for i in range(images):
        if i < folder_size:
            path, info = files[i], files[i].stat()
            key, size, mtime, digest = path_key(path), info.st_size, info.st_mtime_ns, \
                fingerprint(path)
        else:
            folder = root / "photos" / f"folder{i // folder_size:03d}"
            key, size, mtime = path_key(folder / f"IMG_{i:06d}.jpg"), 2_000_000 + i, i
            digest = f"{rng.getrandbits(128):032x}"
        cursor = db.execute(
            "INSERT INTO images (path, folder, file_name, size, mtime_ns, fingerprint, "
            "added_at) VALUES (?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00+00:00')",
            (key, str(Path(key).parent), Path(key).name, size, mtime, digest))
        db.execute("INSERT INTO captions (image_id, model_text, score, model_name, "
                   "model_hash, captioned_at) VALUES (?, ?, ?, 'bench', 'h', "
                   "'2026-01-01T00:00:00+00:00')",
                   (cursor.lastrowid, _caption(rng), -rng.random()))
    db.execute("COMMIT")
    print(f"built {images} captioned rows in {time.perf_counter() - started:.1f} s")
    library.close()
    return root / "library.sqlite3", files


def _timed(action, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="scratch folder (deleted and rebuilt)")
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--folder", type=int, default=10_000, help="real files looked up")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the library a previous run built in ROOT again")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.reuse:
        path = args.root / "library.sqlite3"
        files = sorted((args.root / "photos" / "folder000").iterdir())
    else:
        path, files = build(args.root, args.images, args.folder)
    with Library.open(path) as library:
        images = library.stats()["images"]
    size = path.stat().st_size + sum(
        p.stat().st_size for p in (path.with_name(path.name + "-wal"),) if p.exists())
    print(f"file size {size / 1e6:.1f} MB = {size / images:.0f} bytes per image "
          "(FTS5 index and its copy of the text included)")

    opens = _timed(lambda: Library.open(path).close(), 3)
    print(f"open (quick_check + schema check): median {statistics.median(opens):.0f} ms")
    with Library.open(path) as library:
        stats = _timed(lambda: [f.stat() for f in files], 3)
        found: dict[Path, object] = {}
        lookups = _timed(lambda: found.update(library.lookup(files)), 3)
        assert len(found) == len(files), "every file of the folder should be known"
        print(f"lookup of a {len(files)}-photo captioned folder: median "
              f"{statistics.median(lookups):.0f} ms (of which stat() alone: median "
              f"{statistics.median(stats):.0f} ms); first run {lookups[0]:.0f} ms")
        for name, search in (("fts5", queries.search_fts), ("like", queries.search_like)):
            times: list[float] = []
            for text in QUERIES:
                times += _timed(lambda t=text, s=search: s(library.connection, t, 50, "en"), 5)
            print(f"search {name} (50 results, {len(QUERIES)} queries x5): median "
                  f"{statistics.median(times):.1f} ms, p95 {_p95(times):.1f} ms, "
                  f"max {max(times):.1f} ms")
        target = files[0]
        commits = _timed(lambda: library.record_caption(target, "a dog on the grass"), 50)
        print(f"record_caption (one transaction, fingerprint included): median "
              f"{statistics.median(commits):.2f} ms, p95 {_p95(commits):.2f} ms")
    print(f"cpu count {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
