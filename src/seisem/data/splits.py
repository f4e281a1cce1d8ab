"""Group-aware, stratified, seeded split assignment: no group in two splits."""

from __future__ import annotations

import numpy as np

from .._errors import ParameterError, check_choice

SPLIT_BY = ("event", "time", "station")
SPLIT_NAMES = ("train", "dev", "test")


def event_groups(source_ids) -> np.ndarray:
    """Group label per sample: samples whose events are linked (a day claimed by several
    events links them) form one group, the connected components of the event graph."""
    parent: dict = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    lists = [str(s).split(";") for s in source_ids]
    for ids in lists:
        r = find(ids[0])
        for other in ids[1:]:
            ro = find(other)
            if ro != r:
                parent[max(ro, r)] = min(ro, r)
                r = min(ro, r)
    return np.array([find(ids[0]) for ids in lists], dtype=object)


def _greedy(order, counts, target, fr):
    have = np.zeros_like(target)
    where = np.empty(counts.shape[0], dtype=np.int64)
    for g in order:
        deficit = ((target - have) * counts[g][None, :]).sum(axis=1)
        deficit[fr == 0] = -np.inf
        s = int(np.argmax(deficit))
        where[g] = s
        have[s] += counts[g]
    return where, have


def assign_splits(
    groups, labels, *, fractions=(0.7, 0.15, 0.15), seed: int = 0, tries: int | None = None
) -> np.ndarray:
    """Assign whole groups to train/dev/test so that each split gets about its fraction of
    the samples of each label.

    Several greedy assignments are tried (largest groups first, then seeded random
    orders); the one closest to the targets wins, where a split that lacks a label
    present in the data costs as much as being entirely off. Seeded: the result depends
    only on the groups, labels, fractions and seed.
    """
    fr = np.asarray(fractions, dtype=np.float64)
    if fr.shape != (3,) or np.any(fr < 0) or not np.isclose(fr.sum(), 1.0):
        raise ParameterError(
            f"fractions={tuple(fractions)} must be three non-negative shares (train, dev, test) that sum to 1"
        )
    groups = np.asarray(groups, dtype=object)
    labels = np.asarray(labels)
    uniq, inv = np.unique(groups.astype(str), return_inverse=True)
    classes, lab = np.unique(labels, return_inverse=True)
    counts = np.zeros((uniq.size, classes.size))
    np.add.at(counts, (inv, lab), 1)
    totals = counts.sum(axis=0)
    target = fr[:, None] * totals[None, :]
    rng = np.random.default_rng(seed)
    n_try = tries if tries is not None else (200 if uniq.size <= 200 else 32)
    base = rng.permutation(uniq.size)
    orders = [base[np.argsort(-counts[base].sum(axis=1), kind="stable")]]
    orders += [rng.permutation(uniq.size) for _ in range(max(0, n_try - 1))]
    best, best_cost = None, np.inf
    for order in orders:
        where, have = _greedy(order, counts, target, fr)
        cost = np.abs(have - target).sum() / totals.sum()
        cost += np.sum((have[fr > 0] == 0) & (totals[None, :] > 0))
        if cost < best_cost - 1e-12:
            best, best_cost = where, cost
    return np.asarray(SPLIT_NAMES, dtype=object)[best[inv]]


def split_groups(meta, by: str = "event", *, block_days: int = 30):
    """The grouping column for ``by`` (``"event"``, ``"time"`` blocks, ``"station"``)."""
    check_choice("split_by", by, SPLIT_BY)
    if by == "event":
        return event_groups(meta["source_ids"])
    if by == "station":
        return meta["station_code"].astype(str).to_numpy(dtype=object)
    if int(block_days) < 1:
        raise ParameterError(f"block_days={block_days!r} must be a positive number of days")
    day = np.asarray(meta["trace_start_time"].astype(str).str[:10], dtype="datetime64[D]").astype(np.int64)
    return np.array([f"block{b}" for b in day // int(block_days)], dtype=object)


def check_splits(meta, fractions=(0.7, 0.15, 0.15), *, min_groups: int = 2) -> list:
    """Problems of a split assignment, as sentences (empty when there are none).

    Every split with a non-zero fraction must be non-empty and hold both labels; the test
    split must also hold at least ``min_groups`` split groups (``split_group``: events, time
    blocks or stations): a test split made of one event says nothing about the next one.
    (Dev only picks the epoch; one group there is allowed.)
    """
    problems = []
    for name, fr in zip(SPLIT_NAMES, fractions, strict=True):
        if fr <= 0:
            continue
        part = meta[meta["split"] == name]
        if len(part) == 0:
            problems.append(f"the {name} split is empty")
            continue
        n_groups = int(part["split_group"].astype(str).nunique()) if "split_group" in part else 0
        if name == "test" and n_groups < min_groups:
            problems.append(f"the {name} split has {n_groups} group(s) (fewer than {min_groups})")
        labels = sorted(set(part["label"].astype(int)))
        if len(labels) < 2:
            problems.append(f"the {name} split has one class only (label {labels[0]}, {len(part)} samples)")
    return problems
