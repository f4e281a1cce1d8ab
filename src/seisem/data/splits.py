"""Group-aware, stratified, seeded split assignment: no group in two splits.

Two groupings of samples by events exist. :func:`event_groups` links events that claim one
station-day (the older, finer grouping). :func:`episode_of_events` merges events whose
labelled windows overlap in calendar time *anywhere in the network*: station-days of
different stations on overlapping dates share network-wide signals (a geomagnetic storm), so
only such episodes are independent units for tests and intervals, and only a split by time
(:func:`forward_splits`) keeps the future out of training.
"""

from __future__ import annotations

import numpy as np

from .._errors import ParameterError, check_choice

SPLIT_BY = ("event", "time", "station", "episode", "forward")
SPLIT_NAMES = ("train", "dev", "test")
#: The label of rows that :func:`forward_splits` leaves out between two splits.
GAP = "gap"


def event_groups(source_ids) -> np.ndarray:
    """Group label per sample: samples whose events are linked form one group.

    A day claimed by several events links them; the groups are the connected components of
    the event graph.

    Parameters
    ----------
    source_ids : sequence of str
        Per sample, the ids of the events that claim it, ``;``-joined (the ``source_ids``
        column of :func:`seisem.data.label_days`).

    Returns
    -------
    numpy.ndarray of object
        Per sample, its group's label: the smallest event id (as text) of the group.
    """
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


def _check_days(name, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ParameterError(f"{name}={value!r} must be a non-negative integer number of days")
    return int(value)


def _as_days(name, values) -> np.ndarray:
    """Calendar days (``datetime64[D]``) from dates, ``'YYYY-MM-DD'`` strings or datetimes."""
    try:
        days = np.asarray(values).astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"{name} must hold calendar days ('YYYY-MM-DD' strings or datetime64 values): {exc}"
        ) from exc
    if days.ndim != 1:
        raise ParameterError(f"{name} must be one-dimensional, got shape {days.shape}")
    if np.isnat(days).any():
        raise ParameterError(
            f"{name} holds {int(np.isnat(days).sum())} missing day(s) (NaT); give every event a day"
        )
    return days


def _sweep(start, end, gap_days):
    """Merge intervals ``[start, end]`` (int days) that overlap or lie at most ``gap_days``
    apart, transitively: per interval the index of its merged interval (numbered in
    calendar order), and each merged interval's first and last day."""
    order = np.argsort(start, kind="stable")
    s, e = start[order], end[order]
    # an interval opens a new episode when it starts more than gap_days after every earlier end
    reach = np.maximum.accumulate(e) if e.size else e
    new = np.r_[True, s[1:] > reach[:-1] + gap_days] if s.size else np.zeros(0, bool)
    ep_sorted = np.cumsum(new) - 1
    ep = np.empty(start.size, np.int64)
    ep[order] = ep_sorted
    n_ep = int(new.sum())
    first = np.full(n_ep, np.iinfo(np.int64).max)
    last = np.full(n_ep, np.iinfo(np.int64).min)
    np.minimum.at(first, ep_sorted, s)
    np.maximum.at(last, ep_sorted, e)
    return ep, first.astype("datetime64[D]"), last.astype("datetime64[D]")


def _merge_windows(days, before_days, after_days, gap_days):
    """Episodes of the windows ``[day - before_days, day + after_days]``: per input, the index
    of its episode (numbered in calendar order), and each episode's first and last day."""
    d = days.astype(np.int64)
    return _sweep(d - before_days, d + after_days, gap_days)


def episode_of_events(event_ids, event_days, *, before_days=14, after_days=14, gap_days=0) -> dict:
    """The episode of each event: events whose labelled windows overlap in calendar time.

    Each event's window is ``[day - before_days, day + after_days]`` (calendar days). Windows
    that overlap, or where the next one starts at most ``gap_days`` days after the current
    one ends, are merged, transitively (a sweep over the windows sorted by start), wherever
    the events' stations are: station-days of overlapping dates share network-wide signals
    (geomagnetic storms), so events of one episode are not independent of each other.
    ``gap_days=0`` merges windows that share at least one day.

    Parameters
    ----------
    event_ids : sequence
        One id per event (converted to ``str``); an id may repeat only with the same day.
    event_days : sequence
        The event's calendar day, as ``'YYYY-MM-DD'`` strings or ``datetime64`` values.
    before_days, after_days : int
        The labelled days before and after an event (non-negative).
    gap_days : int
        The largest gap, in days, between two windows that still merges them (non-negative).

    Returns
    -------
    dict
        ``{event_id: "episode:YYYY-MM-DD"}``, the label being the episode's first day.

    Raises
    ------
    ParameterError
        Lengths differ, a day is missing or unreadable, a day count is not a non-negative
        integer, or one id is given two different days.
    """
    before_days = _check_days("before_days", before_days)
    after_days = _check_days("after_days", after_days)
    gap_days = _check_days("gap_days", gap_days)
    ids = np.asarray(event_ids, dtype=object).astype(str)
    days = _as_days("event_days", event_days)
    if ids.ndim != 1 or ids.shape != days.shape:
        raise ParameterError(
            f"event_ids and event_days must have one length, got {ids.shape} and {days.shape}"
        )
    uid, first_at, inv = np.unique(ids, return_index=True, return_inverse=True)
    uday = days[first_at]
    clash = days != uday[inv]
    if clash.any():
        bad = ids[np.flatnonzero(clash)[0]]
        raise ParameterError(
            f"event_ids: event {bad!r} is given two different days in event_days; give each event one day"
        )
    ep, first, _ = _merge_windows(uday, before_days, after_days, gap_days)
    labels = np.array([f"episode:{d}" for d in first.astype(str)], dtype=object)
    return dict(zip(uid.tolist(), labels[ep].tolist(), strict=True))


#: ``source_id`` of a background station-day (the before-background contrast): no event.
BACKGROUND = "background"


def _meta_events(meta):
    """Per row the primary event's id and its day (``trace_day_local - day_offset``)."""
    for col in ("source_id", "trace_day_local", "day_offset"):
        if col not in meta:
            raise ParameterError(
                f"meta lacks the column {col!r}: episodes need source_id, trace_day_local and day_offset "
                "(rebuild the dataset with `seisem build`)"
            )
    sid = meta["source_id"].astype(str).to_numpy(dtype=object)
    day = _as_days("meta['trace_day_local']", meta["trace_day_local"].astype(str).to_numpy())
    off = np.asarray(meta["day_offset"])
    if off.size and not np.all(np.isfinite(off.astype(np.float64))):
        raise ParameterError(
            "meta['day_offset'] holds missing values; every row needs its offset to the event"
        )
    return sid, day - off.astype(np.int64).astype("timedelta64[D]")


def _event_days_of_meta(sid, eday):
    uid, inv = np.unique(sid.astype(str), return_inverse=True)
    first = np.full(uid.size, np.iinfo(np.int64).max)
    last = np.full(uid.size, np.iinfo(np.int64).min)
    d = eday.astype(np.int64)
    np.minimum.at(first, inv, d)
    np.maximum.at(last, inv, d)
    if np.any(first != last):
        bad = uid[np.flatnonzero(first != last)[0]]
        raise ParameterError(
            f"meta: event {bad!r} has rows whose trace_day_local - day_offset differ; each event needs one "
            "calendar day (check the day_offset and trace_day_local columns)"
        )
    return uid, first.astype("datetime64[D]")


def _row_episodes(meta, before_days, after_days, gap_days):
    """Per row the index of its unit, and each unit's first and last day (units numbered in
    calendar order, disjoint in time).

    Event rows get their episodes (:func:`_event_row_episodes`). A background row (``source_id``
    :data:`BACKGROUND`, the before-background contrast) has no event: it joins the episode whose
    span covers its day; background days outside every episode form one unit per calendar
    block of ``before_days + after_days + 1`` days (an episode's length).
    """
    if "source_id" not in meta or not (meta["source_id"].astype(str) == BACKGROUND).any():
        return _event_row_episodes(meta, before_days, after_days, gap_days)
    before_days = _check_days("before_days", before_days)
    after_days = _check_days("after_days", after_days)
    bg = (meta["source_id"].astype(str) == BACKGROUND).to_numpy()
    ev_row, first, last = _event_row_episodes(meta[~bg], before_days, after_days, gap_days)
    days = _as_days("meta['trace_day_local']", meta.loc[bg, "trace_day_local"].astype(str).to_numpy())
    at = np.searchsorted(first, days, side="right") - 1
    covered = (at >= 0) & (days <= last[np.clip(at, 0, None)]) if first.size else np.zeros(days.size, bool)
    width = before_days + after_days + 1
    block = days.astype(np.int64) // width
    ub, inv = np.unique(block[~covered], return_inverse=True)
    bf = np.full(ub.size, np.iinfo(np.int64).max)
    bl = np.full(ub.size, np.iinfo(np.int64).min)
    np.minimum.at(bf, inv, days[~covered].astype(np.int64))
    np.maximum.at(bl, inv, days[~covered].astype(np.int64))
    all_first = np.r_[first.astype(np.int64), bf]
    all_last = np.r_[last.astype(np.int64), bl]
    order = np.argsort(all_first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    ep_row = np.empty(len(meta), np.int64)
    ep_row[~bg] = rank[ev_row]
    bg_idx = np.empty(days.size, np.int64)
    bg_idx[covered] = rank[at[covered]]
    bg_idx[~covered] = rank[first.size + inv]
    ep_row[bg] = bg_idx
    return ep_row, all_first[order].astype("datetime64[D]"), all_last[order].astype("datetime64[D]")


def _event_row_episodes(meta, before_days, after_days, gap_days):
    """Per event row the index of its episode, and each episode's first and last day.

    Episodes come from the primary events' windows; an event named in ``source_ids`` claims
    the row's station-day too, so every episode of a row that names it is merged with the
    others (this links an event that is never a primary one to its rows' episodes).
    """
    before_days = _check_days("before_days", before_days)
    after_days = _check_days("after_days", after_days)
    gap_days = _check_days("gap_days", gap_days)
    sid, eday = _meta_events(meta)
    if sid.size == 0:
        empty = np.zeros(0, "datetime64[D]")
        return np.zeros(0, np.int64), empty, empty
    uid, uday = _event_days_of_meta(sid, eday)
    ep_of_event, first, last = _merge_windows(uday, before_days, after_days, gap_days)
    ep_row = ep_of_event[np.searchsorted(uid, sid.astype(str))]
    if "source_ids" not in meta:
        return ep_row, first, last
    parent = np.arange(first.size)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    seen: dict = {}  # event -> an episode of a row naming it
    for i, (prim, ids) in enumerate(zip(sid, meta["source_ids"].astype(str), strict=True)):
        if ids == prim:
            continue
        r = find(int(ep_row[i]))
        for e in ids.split(";"):
            pos = np.searchsorted(uid, e)
            other = int(ep_of_event[pos]) if pos < uid.size and uid[pos] == e else seen.setdefault(e, r)
            ro = find(other)
            if ro != r:
                lo, hi = min(ro, r), max(ro, r)
                parent[hi] = lo
                r = lo
    root = np.array([find(a) for a in range(first.size)])
    if np.all(root == np.arange(first.size)):
        return ep_row, first, last
    # the linked episodes' spans, swept again so that episodes stay disjoint in time
    keep, new = np.unique(root, return_inverse=True)
    f2 = np.full(keep.size, np.iinfo(np.int64).max)
    l2 = np.full(keep.size, np.iinfo(np.int64).min)
    np.minimum.at(f2, new, first.astype(np.int64))
    np.maximum.at(l2, new, last.astype(np.int64))
    ep2, first2, last2 = _sweep(f2, l2, gap_days)
    return ep2[new[ep_row]], first2, last2


def episode_groups(meta, *, before_days=14, after_days=14, gap_days=0) -> np.ndarray:
    """Per metadata row, its episode label ``"episode:YYYY-MM-DD"`` (see :func:`episode_of_events`).

    The primary event of a row (``source_id``) has the day ``trace_day_local - day_offset``.
    Events that appear only in ``source_ids`` claim the row's station-day, so their windows
    overlap the primary's: they share its episode (and the episodes of all rows naming one
    such event are merged).

    Parameters
    ----------
    meta : DataFrame
        ``source_id``, ``trace_day_local``, ``day_offset`` and (optionally) ``source_ids``.
    before_days, after_days, gap_days : int
        As in :func:`episode_of_events`.

    Returns
    -------
    numpy.ndarray
        One label per row (object dtype).
    """
    ep_row, first, _ = _row_episodes(meta, before_days, after_days, gap_days)
    labels = np.array([f"episode:{d}" for d in first.astype(str)], dtype=object)
    return labels[ep_row] if ep_row.size else np.array([], dtype=object)


def forward_splits(
    meta, fractions=(0.7, 0.15, 0.15), *, before_days=14, after_days=14, gap_days=None
) -> np.ndarray:
    """Train on the past, test on the future: whole episodes in calendar order.

    Episodes (:func:`episode_groups`) are ordered by their first day. Train takes the
    earliest ones until about ``fractions[0]`` of the samples, dev the next ones until about
    ``fractions[0] + fractions[1]``, test the latest (an episode goes where the middle of its
    samples falls on the cumulative count). An episode of dev or test whose first day lies at
    most ``gap_days`` days after the last day of the previous split's last episode becomes
    ``"gap"``: a storm's after-effects could carry over the boundary, so these rows must be
    dropped (the caller counts them). Deterministic: no seed.

    Parameters
    ----------
    meta : DataFrame
        The samples' metadata (``source_id``, ``trace_day_local``, ``day_offset``).
    fractions : tuple of 3 floats
        Shares of the samples for train, dev and test (non-negative, summing to 1).
    before_days, after_days : int
        The labelled window of an event, as in the dataset's build.
    gap_days : int, optional
        The buffer between splits; default ``before_days + 3`` (about a storm's length
        beyond the window).

    Returns
    -------
    numpy.ndarray
        ``"train"``, ``"dev"``, ``"test"`` or ``"gap"`` per row (object dtype).

    Raises
    ------
    ParameterError
        Bad fractions or day counts, or a split with a non-zero fraction would be empty
        (after the gap).
    """
    fr = _check_fractions(fractions)
    before_days = _check_days("before_days", before_days)
    after_days = _check_days("after_days", after_days)
    gap_days = before_days + 3 if gap_days is None else _check_days("gap_days", gap_days)
    ep_row, first, last = _row_episodes(meta, before_days, after_days, 0)
    if ep_row.size == 0:
        raise ParameterError("meta has no rows: forward_splits needs samples to split")
    counts = np.bincount(ep_row, minlength=first.size).astype(np.float64)
    # episodes are numbered in calendar order and do not overlap
    mid = np.cumsum(counts) - counts / 2
    bounds = np.cumsum(fr)[:2] * counts.sum()
    split_of_ep = np.searchsorted(bounds, mid, side="left")  # 0 train, 1 dev, 2 test
    names = np.array([*SPLIT_NAMES, GAP], dtype=object)
    out_ep = split_of_ep.copy()
    prev_last = {}
    for i in range(first.size):
        s = int(split_of_ep[i])
        earlier = [k for k in prev_last if k < s]
        if earlier:
            boundary = prev_last[max(earlier)]
            if (first[i] - boundary).astype(np.int64) <= gap_days:
                out_ep[i] = 3
                continue
        prev_last[s] = last[i]
    split_rows = names[out_ep[ep_row]]
    for k, name in enumerate(SPLIT_NAMES):
        if fr[k] > 0 and not np.any(out_ep == k):
            n_gap = int(np.sum(split_rows == GAP))
            raise ParameterError(
                f"forward_splits: the {name} split would be empty ({first.size} episode(s) in calendar order, "
                f"fractions={tuple(float(f) for f in fr)}, gap_days={gap_days}, {n_gap} row(s) in gaps); "
                "give more events spread over time, a larger fraction for it, or a smaller gap_days"
            )
    return split_rows


def _check_fractions(fractions) -> np.ndarray:
    try:
        fr = np.asarray(fractions, dtype=np.float64)
    except (TypeError, ValueError):
        fr = np.full(0, np.nan)
    if fr.shape != (3,) or not np.all(np.isfinite(fr)) or np.any(fr < 0) or not np.isclose(fr.sum(), 1.0):
        raise ParameterError(
            f"fractions={tuple(fractions) if np.iterable(fractions) else fractions!r} must be three "
            "non-negative shares (train, dev, test) that sum to 1"
        )
    return fr


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
    """Assign whole groups to train/dev/test, each split about its fraction of each label.

    Each split gets about its fraction of the samples of each label, and of the groups.

    Several greedy assignments are tried (largest groups first, then seeded random
    orders); the one closest to the targets wins: the share of samples off target, plus the
    share of groups off target (the groups are the independent units that every test and
    interval counts, so a test split of a few large groups is worse than one of many small
    ones with the same samples), where a split that lacks a label present in the data costs
    as much as being entirely off. Seeded: the result depends only on the groups, labels,
    fractions and seed.

    Parameters
    ----------
    groups : array-like
        Per sample, its group (compared as text): the units no split may share, such as
        :func:`event_groups` or the episodes of :func:`episode_of_events`.
    labels : array-like
        Per sample, its class (0 or 1; any values work).
    fractions : tuple of 3 floats, default (0.7, 0.15, 0.15)
        Shares of train, dev and test (non-negative, summing to 1); a split with share 0
        gets no group.
    seed : int, default 0
        Seed of the random orders tried.
    tries : int, optional
        How many assignments are tried (the first largest groups first); default 200 for up
        to 200 groups, else 32.

    Returns
    -------
    numpy.ndarray of object
        Per sample, ``"train"``, ``"dev"`` or ``"test"``.

    Raises
    ------
    ParameterError
        ``fractions`` are not three non-negative shares that sum to 1.
    """
    fr = _check_fractions(fractions)
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
        cost += np.abs(np.bincount(where, minlength=3) - fr * uniq.size).sum() / uniq.size
        cost += np.sum((have[fr > 0] == 0) & (totals[None, :] > 0))
        if cost < best_cost - 1e-12:
            best, best_cost = where, cost
    return np.asarray(SPLIT_NAMES, dtype=object)[best[inv]]


def split_groups(meta, by: str = "event", *, block_days: int = 30, before_days=14, after_days=14, gap_days=0):
    """The grouping column for ``by``.

    ``"event"``: linked events (:func:`event_groups`); ``"time"``: blocks of ``block_days``
    days; ``"station"``: stations; ``"episode"`` and ``"forward"``: episodes, events whose
    windows ``[day - before_days, day + after_days]`` overlap (or come within ``gap_days``)
    anywhere in the network (:func:`episode_groups`). With ``"forward"`` the groups are the
    same episodes; the splits themselves come from :func:`forward_splits`, not
    :func:`assign_splits`.
    """
    check_choice("split_by", by, SPLIT_BY)
    if by == "event":
        return event_groups(meta["source_ids"])
    if by in ("episode", "forward"):
        return episode_groups(meta, before_days=before_days, after_days=after_days, gap_days=gap_days)
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

    Parameters
    ----------
    meta : DataFrame
        The samples' metadata with ``split`` (``"train"``, ``"dev"``, ``"test"``),
        ``label`` and, for the group count, ``split_group`` (the dataset's
        ``metadata.csv``); without ``split_group`` the test split counts no groups.
    fractions : tuple of 3 floats, default (0.7, 0.15, 0.15)
        The shares the splits were made with; a split whose share is 0 is not checked.
    min_groups : int, default 2
        The fewest groups the test split may hold.

    Returns
    -------
    list of str
        One sentence per problem; empty when the splits can support training and an honest
        evaluation.
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
