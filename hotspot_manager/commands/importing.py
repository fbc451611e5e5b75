"""`hotspot-manager import CAPTURE`: count a capture file into the database.

How a second import of the same capture is detected (nothing is counted
twice): every import records, in the same transaction as each batch of
counts, how far into the file it got (``done_offset``, always a record
boundary) and the SHA-256 of the file's bytes up to there. A new import
hashes the file's first 64 KiB and looks up earlier imports with the same
head; for each, if the file is at least ``done_offset`` long and its first
``done_offset`` bytes hash to the recorded value, those bytes were counted
already and reading starts after them. So: the same file again counts
nothing; a file that grew (a capture still being written, a ring file)
adds only its new frames; an import cut short (power cut, Ctrl-C) resumes
where its last committed batch ended. A different file is a different
import, even if it holds copies of the same frames (then the operator
decides; we cannot tell a re-capture from new traffic).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time

from hotspot_manager.agent.pipeline import Pipeline, store_lan
from hotspot_manager.capture.sources import open_capture
from hotspot_manager.store import Store, default_db_path
from hotspot_manager.store.records import ImportProgress

HEAD_BYTES = 65536
# Frames per store flush (one transaction each, and the unit of resumption).
FLUSH_FRAMES = 262_144


def _sha_prefix(mm, end: int):
    h = hashlib.sha256()
    step = 16 << 20
    for a in range(0, end, step):
        h.update(mm[a : min(end, a + step)])
    return h


def import_capture(
    path: str, db_path: str, lan_cidrs: list[str] | None = None, progress=None
) -> dict:
    """Import one capture; returns what happened (see the `import --json` output)."""
    with open_capture(path) as cap, Store.open(db_path) as store:
        lan = store_lan(store, lan_cidrs)
        mm = cap._mm
        head = hashlib.sha256(mm[: min(cap.size, HEAD_BYTES)]).hexdigest()
        import_id = None
        start = 0
        hasher = hashlib.sha256()
        prior_frames = prior_bytes = 0
        first_ts = last_ts = None
        for row in reversed(store.imports_with_head(head)):
            done = int(row["done_offset"])
            if done > cap.size:
                continue
            h = _sha_prefix(mm, done)
            if h.hexdigest() == row["done_sha256"]:
                import_id, start, hasher = int(row["id"]), done, h
                prior_frames, prior_bytes = int(row["frames"]), int(row["bytes"])
                first_ts, last_ts = row["first_ts"], row["last_ts"]
                break
        resumed = import_id is not None
        if import_id is None:
            import_id = store.begin_import(
                os.path.abspath(path), cap.size, head, ", ".join(cap.link_type_names)
            )
        pipe = Pipeline(store, f"import:{os.path.basename(path)}", lan)
        hashed_to = start
        for raw in cap.batches(max_frames=FLUSH_FRAMES, start_offset=start):
            pipe.feed_raw(raw)
            hasher.update(mm[hashed_to : raw.end_offset])
            hashed_to = raw.end_offset
            pipe.flush(
                progress=_progress(
                    import_id,
                    pipe,
                    hasher,
                    hashed_to,
                    prior_frames,
                    prior_bytes,
                    first_ts,
                    last_ts,
                    False,
                )
            )
            if progress:
                progress(hashed_to, cap.size)
        # The end of what was read: complete records only (a truncated tail is
        # left for a later import of the grown file).
        end = _end_of_complete_records(cap, hashed_to)
        hasher.update(mm[hashed_to:end])
        pipe.flush(
            progress=_progress(
                import_id, pipe, hasher, end, prior_frames, prior_bytes, first_ts, last_ts, True
            )
        )
        if progress:
            progress(cap.size, cap.size)
        m = pipe.meter
        return {
            "capture": os.path.abspath(path),
            "database": os.path.abspath(db_path),
            "import_id": import_id,
            "resumed_at_byte": start if resumed else None,
            "new_frames": m.frames,
            "new_bytes": m.bytes,
            "malformed_frames": m.malformed,
            "already_counted": resumed and m.frames == 0,
            "lan": lan.cidrs,
            "warnings": list(cap.warnings),
        }


def _end_of_complete_records(cap, hashed_to: int) -> int:
    return max(hashed_to, cap.complete_end)


def _progress(
    import_id, pipe, hasher, done, prior_frames, prior_bytes, first_ts, last_ts, finished
):
    m = pipe.meter
    lo = [t for t in (first_ts, m.first_ts) if t is not None]
    hi = [t for t in (last_ts, m.last_ts) if t is not None]
    return ImportProgress(
        import_id=import_id,
        done_offset=done,
        done_sha256=hasher.copy().hexdigest(),
        frames=prior_frames + m.frames,
        bytes=prior_bytes + m.bytes,
        first_ts=min(lo) if lo else None,
        last_ts=max(hi) if hi else None,
        finished=finished,
    )


def cmd_import(args: argparse.Namespace) -> int:
    db = args.db or str(default_db_path())
    show = not args.quiet and sys.stderr.isatty()
    t0 = time.monotonic()

    def progress(done: int, total: int) -> None:
        if show:
            pct = 100 * done // max(total, 1)
            print(f"\rimporting {args.capture}: {pct}%", end="", file=sys.stderr, flush=True)

    result = import_capture(args.capture, db, args.lan, progress)
    if show:
        print(file=sys.stderr)
    result["seconds"] = round(time.monotonic() - t0, 3)
    if args.json:
        print(json.dumps(result))
    else:
        for w in result["warnings"]:
            print(f"warning: {w}", file=sys.stderr)
        if result["already_counted"]:
            print(f"{args.capture}: already imported into {db}; nothing new to count")
        else:
            what = "resumed" if result["resumed_at_byte"] is not None else "imported"
            print(
                f"{args.capture}: {what} {result['new_frames']:,} frames "
                f"({result['new_bytes']:,} bytes) into {db} in {result['seconds']} s"
            )
    return 0
