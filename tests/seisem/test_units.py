"""Independent units: episodes (events whose windows overlap anywhere in the network), the
episode grouping of a metadata frame, and forward (time-ordered) splits with a gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seisem._errors import ParameterError
from seisem.data.splits import (
    SPLIT_BY,
    check_splits,
    episode_groups,
    episode_of_events,
    event_groups,
    forward_splits,
    split_groups,
)


def test_episodes_merge_overlapping_windows_transitively():
    # a-b overlap, b-c overlap (a-c do not): one episode; d is far away
    ids = ["a", "b", "c", "d"]
    days = ["2020-01-01", "2020-01-20", "2020-02-10", "2020-06-01"]
    ep = episode_of_events(ids, days)
    assert ep["a"] == ep["b"] == ep["c"] == "episode:2019-12-18"  # 2020-01-01 - 14 days
    assert ep["d"] == "episode:2020-05-18"
    # input order does not matter
    assert episode_of_events(ids[::-1], days[::-1]) == ep


def test_episode_window_edges_and_gap_days():
    # windows [d-14, d+14]: 28 days apart share day d1+14 = d2-14; 29 apart do not
    share = episode_of_events(["a", "b"], ["2020-01-01", "2020-01-29"])
    assert share["a"] == share["b"]
    apart = episode_of_events(["a", "b"], np.array(["2020-01-01", "2020-01-30"], dtype="datetime64[D]"))
    assert apart["a"] != apart["b"]
    assert apart["b"] == "episode:2020-01-16"
    # gap_days=1 merges windows with no day between them; 5 days apart needs gap_days >= 5
    assert len(set(episode_of_events(["a", "b"], ["2020-01-01", "2020-01-30"], gap_days=1).values())) == 1
    far = ["2020-01-01", "2020-02-03"]  # window ends 01-15, next starts 01-20: 5 days later
    assert len(set(episode_of_events(["a", "b"], far, gap_days=4).values())) == 2
    assert len(set(episode_of_events(["a", "b"], far, gap_days=5).values())) == 1
    # shorter windows separate what the default ones merge
    assert (
        len(
            set(
                episode_of_events(
                    ["a", "b"], ["2020-01-01", "2020-01-20"], before_days=3, after_days=3
                ).values()
            )
        )
        == 2
    )
    # a repeated id with its one day is fine
    assert episode_of_events(["a", "a"], ["2020-01-01", "2020-01-01"]) == {"a": "episode:2019-12-18"}
    assert episode_of_events([], []) == {}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"event_ids": ["a"], "event_days": ["2020-01-01", "2020-01-02"]}, "one length"),
        ({"event_ids": ["a"], "event_days": ["not a day"]}, "event_days"),
        ({"event_ids": ["a"], "event_days": [np.datetime64("NaT")]}, "event_days"),
        ({"event_ids": ["a", "a"], "event_days": ["2020-01-01", "2020-01-02"]}, "event_ids"),
        ({"event_ids": ["a"], "event_days": ["2020-01-01"], "before_days": -1}, "before_days"),
        ({"event_ids": ["a"], "event_days": ["2020-01-01"], "after_days": 1.5}, "after_days"),
        ({"event_ids": ["a"], "event_days": ["2020-01-01"], "gap_days": True}, "gap_days"),
    ],
)
def test_episode_bad_inputs(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        episode_of_events(**kwargs)


def _meta(rows):
    """Metadata rows ``(station, source_id, source_ids, event_day, day_offset, label)``."""
    out = []
    for sta, sid, sids, eday, off, lab in rows:
        day = np.datetime64(eday) + np.timedelta64(off, "D")
        out.append(
            {
                "station_code": sta,
                "source_id": sid,
                "source_ids": sids,
                "trace_day_local": str(day),
                "trace_start_time": f"{day}T00:00:00Z",
                "day_offset": off,
                "label": int(lab),
            }
        )
    return pd.DataFrame(out)


def _event_rows(sta, sid, eday, offsets=range(-3, 4)):
    return [(sta, sid, sid, eday, o, o < 0) for o in offsets if o != 0]


def test_split_groups_episode_from_metadata():
    # e1 (station A) and e2 (station B, 5 days later) overlap in time at different stations:
    # different event groups, one episode. e3 is far away. e4 is only ever a secondary event
    # (in source_ids), named on rows of e3: it joins e3's episode.
    rows = _event_rows("A", "e1", "2020-01-10") + _event_rows("B", "e2", "2020-01-15")
    rows += _event_rows("C", "e3", "2020-05-01")
    rows[-1] = ("C", "e3", "e3;e4", "2020-05-01", 3, False)
    meta = _meta(rows)
    ep = split_groups(meta, "episode", before_days=3, after_days=3)
    assert ep.dtype == object and len(ep) == len(meta)
    e1, e2, e3 = ((meta["source_id"] == e).to_numpy() for e in ("e1", "e2", "e3"))
    assert set(ep[e1]) == set(ep[e2]) == {"episode:2020-01-07"}
    assert set(ep[e3]) == {"episode:2020-04-28"}
    groups = event_groups(meta["source_ids"])
    assert len(set(groups[e1 | e2])) == 2  # the older grouping keeps them apart
    # "forward" groups by the same episodes; shorter windows split e1 and e2
    assert (split_groups(meta, "forward", before_days=3, after_days=3) == ep).all()
    assert len(set(split_groups(meta, "episode", before_days=1, after_days=1)[e1 | e2])) == 2
    assert {"episode", "forward", "event", "time", "station"} <= set(SPLIT_BY)
    # the older groupings still work
    assert (split_groups(meta, "event") == groups).all()
    assert len(set(split_groups(meta, "station"))) == 3


def test_secondary_event_links_episodes():
    # e5 is never a primary event but is named on rows of e1 and of e2, whose own windows
    # (1 day each side) do not overlap: e5's rows tie them into one episode
    rows = _event_rows("A", "e1", "2020-01-10", (-1, 1)) + _event_rows("B", "e2", "2020-01-20", (-1, 1))
    rows[1] = ("A", "e1", "e1;e5", "2020-01-10", 1, False)
    rows[2] = ("B", "e2", "e2;e5", "2020-01-20", -1, True)
    meta = _meta(rows)
    ep = episode_groups(meta, before_days=1, after_days=1)
    assert len(set(ep)) == 1 and ep[0] == "episode:2020-01-09"


def test_episode_groups_bad_metadata():
    meta = _meta(_event_rows("A", "e1", "2020-01-10"))
    with pytest.raises(ParameterError, match="day_offset"):
        episode_groups(meta.drop(columns="day_offset"))
    bad = meta.copy()
    bad.loc[0, "day_offset"] = bad.loc[0, "day_offset"] + 2  # the event's day no longer agrees
    with pytest.raises(ParameterError, match="day_offset"):
        episode_groups(bad)
    with pytest.raises(ParameterError, match="gap_days"):
        split_groups(meta, "episode", gap_days=-2)
    with pytest.raises(ParameterError, match="split_by"):
        split_groups(meta, "season")


def _timeline(n_events=20, spacing=40, start="2020-01-01"):
    rows = []
    for i in range(n_events):
        day = str(np.datetime64(start) + np.timedelta64(i * spacing, "D"))
        rows += _event_rows(f"S{i % 3}", f"e{i:02d}", day, range(-14, 15))
    return _meta(rows)


def test_forward_splits_order_and_gap():
    meta = _timeline()
    split = forward_splits(meta)  # gap_days = 14 + 3
    assert split.dtype == object and set(split) == {"train", "dev", "test", "gap"}
    day = pd.to_datetime(meta["trace_day_local"]).to_numpy()
    # time order: all train before all dev before all test
    assert day[split == "train"].max() < day[split == "dev"].min()
    assert day[split == "dev"].max() < day[split == "test"].min()
    # each event's rows stay together
    assert (meta.assign(s=split).groupby("source_id")["s"].nunique() == 1).all()
    # events 40 days apart: windows of 29 days leave 11 days between episodes, within the
    # 17-day gap, so the first episode of dev and of test is dropped
    first_gap = meta.loc[split == "gap", "source_id"].unique().tolist()
    assert len(first_gap) == 2
    n = len(meta)
    assert abs((split == "train").sum() / n - 0.7) < 0.06
    # a smaller gap drops nothing; deterministic
    nogap = forward_splits(meta, gap_days=10)
    assert "gap" not in set(nogap) and (forward_splits(meta, gap_days=10) == nogap).all()
    # dev may be left out
    two = forward_splits(meta, (0.8, 0.0, 0.2), gap_days=0)
    assert set(two) == {"train", "test"}
    # the rows kept pass the split check (after the caller drops the gap)
    kept = meta.assign(split=split, split_group=split_groups(meta, "forward"))
    assert check_splits(kept[split != "gap"]) == []


def test_forward_splits_empty_split_raises():
    meta = _timeline(n_events=3, spacing=20)  # one merged episode
    with pytest.raises(ParameterError, match="would be empty"):
        forward_splits(meta)
    few = _timeline(n_events=8, spacing=40)  # 6 episodes to train, 1 to dev, 1 to test
    assert set(forward_splits(few, gap_days=10)) == {"train", "dev", "test"}
    with pytest.raises(ParameterError, match="dev split would be empty"):
        forward_splits(few, gap_days=30)  # dev's only episode falls in the gap
    with pytest.raises(ParameterError, match="fractions"):
        forward_splits(few, (0.5, 0.5, 0.5))
    with pytest.raises(ParameterError, match="gap_days"):
        forward_splits(few, gap_days=-1)
    with pytest.raises(ParameterError, match="no rows"):
        forward_splits(few.iloc[:0])
