"""Merging: join the shards of one batch (each read from its ``batch.json``) into one report, if they fit exactly.

A ``batch.json`` is read as data from elsewhere (another machine's shard): its row ids must
be ids a batch makes (they name the per-submission files), and its notes and warnings are
bounded and cleaned as the model bounds every row's (:mod:`grader.writers.batch_report`).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from grader.writers import escaping
from grader.writers.batch_report import BatchReport, safe_id


class MergeError(ValueError):
    """Shard results that cannot be joined (overlapping, incomplete, or from different batches)."""


def _identity(batch: BatchReport) -> tuple:
    # Shards may run on machines with other sandboxes: the gradebook names each, the key leaves it out.
    settings = {k: v for k, v in batch.settings.items()
                if k not in ("submission_timeout_s", "isolation", "isolation_level", "isolation_unprotected")}
    return batch.exercises, json.dumps(settings, sort_keys=True), batch.batch_ids, batch.shard[1]


def merge(batches: list[BatchReport]) -> BatchReport:
    """Join the shards of one batch into one report; :class:`MergeError` unless they fit exactly.

    Every shard must come from the same batch (same submissions, exercises and settings),
    each shard index 1..n must be there exactly once, and the rows must cover every
    submission of the batch, each once.
    """
    if not batches:
        raise MergeError("nothing to merge: no shard results were given")
    first = batches[0]
    count = first.shard[1]
    for batch in batches[1:]:
        if _identity(batch) != _identity(first):
            raise MergeError(f"shard {batch.shard[0]}/{batch.shard[1]} comes from a different batch than shard "
                             f"{first.shard[0]}/{first.shard[1]} (other submissions, exercises or settings)")
    indices = [batch.shard[0] for batch in batches]
    repeated = sorted({i for i in indices if indices.count(i) > 1})
    if repeated:
        raise MergeError(f"overlapping shards: shard {', '.join(f'{i}/{count}' for i in repeated)} given more "
                         "than once")
    absent = [i for i in range(1, count + 1) if i not in indices]
    if absent:
        raise MergeError(f"incomplete: shard {', '.join(f'{i}/{count}' for i in absent)} of {count} is missing")
    seen: dict[str, int] = {}
    for batch in batches:
        for row in batch.rows:
            if row.id in seen:
                raise MergeError(f"overlapping shards: {row.id!r} is in shard {seen[row.id]}/{count} and in shard "
                                 f"{batch.shard[0]}/{count}")
            seen[row.id] = batch.shard[0]
    lost = [i for i in first.batch_ids if i not in seen]
    if lost:
        raise MergeError(f"incomplete: no row for {len(lost)} submission(s) of the batch: {', '.join(lost[:10])}")
    extra = [i for i in seen if i not in first.batch_ids]
    if extra:
        raise MergeError(f"rows for submissions that are not in the batch: {', '.join(extra[:10])}")
    rows = sorted((copy.deepcopy(row) for batch in batches for row in batch.rows), key=lambda r: r.id)
    warnings = []
    for batch in sorted(batches, key=lambda b: b.shard[0]):
        warnings += [w for w in batch.warnings if w not in warnings]
    settings = dict(first.settings)
    sandboxes = list(dict.fromkeys(b.settings.get("isolation") for b in batches if b.settings.get("isolation")))
    if sandboxes:
        settings["isolation"] = "; ".join(sandboxes)
        settings["isolation_level"] = ("full" if all(b.settings.get("isolation_level") == "full" for b in batches)
                                       else "partial")
    return BatchReport(exercises=list(first.exercises), rows=rows, expected=first.expected,
                       settings=settings, shard=(1, 1), batch_ids=list(first.batch_ids),
                       warnings=warnings, seconds=sum(b.seconds for b in batches),
                       jobs=max(b.jobs for b in batches))


def check_out_folder(out: str | Path, shards) -> None:
    """Refuse an output folder that is one of the ``shards``' folders, or inside one (:class:`MergeError`).

    Merging there would write the merged files over the shard's own (its ``batch.json``
    first among them), or among them. Compared by resolved path: ``shard-1/.`` or a link
    to it is ``shard-1``. A shard given as its ``batch.json`` is its folder.
    """
    target = Path(out).resolve()
    for shard in shards:
        folder = Path(shard).parent if Path(shard).is_file() else Path(shard)
        if target == folder.resolve() or folder.resolve() in target.parents:
            where = "is" if target == folder.resolve() else "lies inside"
            raise MergeError(f"--out {str(out)!r} {where} the folder of the shard {str(shard)!r}: the merged files "
                             "would be written over or among what is read; choose a folder of its own "
                             "(e.g. --out merged)")


def load_batch(path: str | Path) -> BatchReport:
    """A :class:`BatchReport` from a batch output folder (its ``batch.json``) or the file itself."""
    path = Path(path)
    file = path / "batch.json" if path.is_dir() else path
    try:
        batch = BatchReport.from_dict(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise MergeError(f"{str(file)!r} is not a readable pixelgrade batch result: "
                         f"{escaping.one_line(error, 300)}") from None
    unsafe = [row.id for row in batch.rows if row.id != safe_id(row.id)]
    if unsafe:  # an id names files (feedback/<id>.txt): one a batch never makes could name any file
        raise MergeError(f"{str(file)!r} has rows whose ids no batch makes (they would name files elsewhere): "
                         + ", ".join(repr(escaping.name(i)) for i in unsafe[:5]))
    return batch
