"""Build a labelled image dataset from station files and a catalog: resumable, atomic, parallel.

Layout of a dataset folder::

    manifest.json        written last: parameters, input hashes, versions, counts
    metadata.csv         one row per sample (SeisBench-style columns), with ``split``
    rejected.csv         station-days dropped by QC or without data, with the reason
    shards/<station>.h5  ``images`` (n, H, W, C) uint8, ``series`` (n, samples_per_day) float32
    shards/<station>.csv that station's rows (``trace_index`` = row in the shard)

Every file is written to a temporary name and renamed, so a reader never sees a partial
file; a shard is only trusted when its recorded parameter hash matches, so a killed build
run again skips finished stations and ends with identical content.

The stages, each in its own module: what a build is made with (:mod:`.config`), the station
file formats (:mod:`.formats`), labelled days (:mod:`.pairing`), station-days to images
(:mod:`.images`), a station's shard (:mod:`.shards`), splits (:mod:`.splits`) and the daily
table of the controls (:mod:`.daily`). This module finds the files, reads the sampling
interval from them, runs the stations' tasks (Dask: threads, processes or a cluster) and
writes the dataset's tables and manifest.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import time
import warnings

import dask
import h5py
import pandas as pd
from dask.callbacks import Callback

from .._errors import ParameterError, ReadError, SplitError
from .._files import atomic_path, file_sha256, read_json, write_json
from .._progress import progress_bar
from .config import IMAGE_FIELDS, BuildConfig
from .daily import write_daily_table
from .formats import FORMATS, probe_file, resolve_interval
from .images import image_record, image_shape, make_images
from .pairing import background_days, exclude_near_events, label_days, pair_events
from .shards import build_station, reference_station_daily, shard_valid, write_shard
from .splits import assign_splits, check_splits, forward_splits, split_groups

__all__ = ["build_dataset", "data_files", "rerender_dataset", "station_files"]

log = logging.getLogger("seisem.build")
#: Row statuses that are not QC failures: the station has no data file at all, or the day
#: lies outside the span its data cover.
NOT_QC = ("no_data", "outside_data")
DATASET_VERSION = 1
META_COLUMNS = [
    "trace_name",
    "station_code",
    "station_latitude_deg",
    "station_longitude_deg",
    "source_id",
    "source_ids",
    "source_magnitude",
    "source_origin_time",
    "path_distance_km",
    "trace_start_time",
    "trace_day_local",
    "day_offset",
    "label",
    "qc_status",
    "qc_missing_fraction",
    "qc_longest_flat",
    "qc_saturated_samples",
    "qc_interpolated_samples",
    "qc_median_filled_samples",
    "shard",
    "trace_index",
    "split",
]


def data_files(data) -> list:
    if isinstance(data, (list, tuple)):
        files = [os.fspath(p) for p in data]
    else:
        data = os.fspath(data)
        files = sorted(glob.glob(os.path.join(data, "*"))) if os.path.isdir(data) else sorted(glob.glob(data))
    files = [f for f in files if os.path.isfile(f) and not os.path.basename(f).startswith(".")]
    if not files:
        raise ReadError(
            f"data={data!r} matched no files; give a folder, a glob such as 'data/*_magn.csv', or a "
            "list of paths"
        )
    return files


def probe_files(data, fmt: str) -> dict:
    """Each file of ``data`` -> what it holds in format ``fmt`` (:class:`~seisem.data.formats.FileInfo`:
    station codes and the sampling interval of its first rows)."""
    return {f: probe_file(f, fmt) for f in data_files(data)}


def _files_of(infos: dict, stations) -> dict:
    wanted = set(stations)
    out: dict = {}
    for f, info in infos.items():
        for code in sorted(info.stations & wanted):
            out.setdefault(code, []).append(f)
    return out


def station_files(data, fmt: str, stations) -> dict:
    """Map each station code to its data files (only stations in ``stations``)."""
    return _files_of(probe_files(data, fmt), stations)


def file_codes(infos: dict) -> list:
    """Every station code found in the data files."""
    return sorted({c for info in infos.values() for c in info.stations})


def _few(items, n: int = 3) -> str:
    items = sorted(map(str, items))
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def no_station_files_message(data, fmt: str, codes, infos: dict) -> str:
    """Why ``data`` read as ``fmt`` gives no file of the paired stations ``codes``: what it found instead."""
    other = [f for f, info in infos.items() if info.stations]
    foreign = [os.path.basename(f) for f, info in infos.items() if not info.stations]
    parts = []
    if other:
        unpaired = {c for f in other for c in infos[f].stations}
        parts.append(f"{len(other)} {fmt} file(s) of unpaired station(s) {_few(unpaired)}")
    if foreign:
        parts.append(f"{len(foreign)} not {fmt} station file(s) ({_few(foreign)})")
    return (
        f"data={data!r} (--data) read as format={fmt!r} (--format) holds no file of the {len(codes)} paired "
        f"station(s) ({_few(codes)}): of its {len(infos)} file(s), {' and '.join(parts)}. Nothing "
        f"was written. Point --data at the station series files (a folder or glob) and pass the --format "
        f"they are in ({FORMATS[fmt].looks})"
    )


def _run_tasks(tasks, scheduler, progress):
    """Compute dask delayed tasks with a progress bar; ``scheduler`` is a dask scheduler name
    (``"processes"``, ``"threads"``, ``"synchronous"``) or a distributed scheduler address."""
    if scheduler not in ("processes", "threads", "synchronous", "sync"):
        import distributed  # a cluster only: its import costs a fifth of a second on every build

        try:
            client = distributed.Client(scheduler)
        except OSError as exc:
            raise ParameterError(
                f"scheduler={scheduler!r} (--scheduler): no Dask scheduler answers there ({exc}); start one "
                "(`dask scheduler`, then `dask worker <address>` on each machine) or pass threads or processes"
            ) from exc
        with client:
            futures = client.compute(tasks)
            bar = _bar(len(futures), progress)
            results = {}
            for fut in distributed.as_completed(futures):
                results[fut.key] = fut.result()
                bar.update(1)
            bar.close()
            return [results[f.key] for f in futures]
    bar = _bar(len(tasks), progress)
    names = {t.key for t in tasks}

    class _Progress(Callback):
        def _posttask(self, key, result, dsk, state, id):
            if key in names:
                bar.update(1)

    with _Progress():
        out = dask.compute(*tasks, scheduler=scheduler)
    bar.close()
    return list(out)


def _bar(total, progress):
    return progress_bar(total, "stations", "station", enable=progress)


def station_event_pairs(stations, catalog, cfg: BuildConfig):
    """The station-event pairs of ``cfg``'s pairing options (:func:`~seisem.data.pair_events`)."""
    return pair_events(
        stations,
        catalog,
        min_magnitude=cfg.min_magnitude,
        max_distance_km=cfg.max_distance_km,
        em_only=cfg.em_only,
        method=cfg.distance_method,
    )


def labelled_samples(stations, catalog, pairs, cfg: BuildConfig):
    """The labelled station-days of a build: ``(samples, pairs, label_report)`` (pairs made
    from ``stations`` and ``catalog`` unless given; days near other events left out)."""
    if pairs is None:
        pairs = station_event_pairs(stations, catalog, cfg)
    samples, label_report = label_days(
        pairs, before_days=cfg.before_days, after_days=cfg.after_days, tz=cfg.tz, collision=cfg.collision
    )
    if cfg.contrast == "before-background":  # a forecasting design: before-days against event-free days
        before = samples[samples["label"] == 1]
        background = background_days(
            pairs,
            min_days=int(cfg.background_days),
            ratio=cfg.background_ratio,
            n_before=len(before),
            tz=cfg.tz,
            seed=cfg.seed,
        )
        samples = pd.concat([before, background], ignore_index=True)
        label_report.extra["contrast"] = "before-background"
        label_report.extra["background_days_drawn"] = len(background)
        label_report.samples_after = 0
    near_info = {"excluded": 0, "skipped": "exclude_near_days=None"}
    if cfg.exclude_near_days is not None:
        if catalog is None:
            near_info = {"excluded": 0, "skipped": "no catalog given"}
            log.warning("no catalog given: days near other events that reach a station are not left out")
        else:
            st = stations
            if st is None:
                st = pairs[["station_code", "station_latitude_deg", "station_longitude_deg"]].drop_duplicates(
                    "station_code"
                )
            samples, near_info = exclude_near_events(
                samples,
                st,
                catalog,
                days=int(cfg.exclude_near_days),
                max_distance_km=cfg.exclude_distance_km,
                min_magnitude=cfg.min_magnitude,
                tz=cfg.tz,
                method=cfg.distance_method,
            )
    label_report.excluded_near_other_event = int(near_info["excluded"])
    label_report.extra["near_other_events"] = near_info
    if label_report.excluded_near_other_event:
        label_report.samples_before = int((samples["label"] == 1).sum())
        label_report.samples_after = int((samples["label"] == 0).sum())
    return samples, pairs, label_report


def split_rows(kept, cfg: BuildConfig, out: str):
    """Assign ``kept`` rows to train/dev/test by independent units; ``(kept, problems, in_gap)``.
    A split that cannot support an honest evaluation raises :class:`~seisem.SplitError`
    (``cfg.on_bad_split="warn"``: warned once, and listed in ``problems``)."""
    in_gap = 0
    if len(kept):
        groups = split_groups(
            kept,
            cfg.split_by,
            block_days=cfg.block_days,
            before_days=cfg.before_days,
            after_days=cfg.after_days,
        )
        if cfg.split_by == "forward":  # in time order, with a gap: rows in the gaps are left out
            try:
                split = forward_splits(
                    kept, cfg.fractions, before_days=cfg.before_days, after_days=cfg.after_days
                )
            except ParameterError as exc:
                raise SplitError(
                    f"{out}: --split-by forward cannot make the splits: {exc}. What to change: more data or "
                    "events, other --fractions, or --split-by episode"
                ) from exc
        else:
            split = assign_splits(groups, kept["label"].to_numpy(), fractions=cfg.fractions, seed=cfg.seed)
        kept["split"] = split
        kept["split_group"] = groups
        in_gap = int((split == "gap").sum())
        kept = kept[split != "gap"].reset_index(drop=True)
    else:
        kept["split"] = []
        kept["split_group"] = []
    kept = kept[[*META_COLUMNS, "split_group"]]
    problems = check_splits(kept, cfg.fractions, min_groups=cfg.min_split_groups)
    if problems:
        n_groups = int(kept["split_group"].astype(str).nunique()) if len(kept) else 0
        msg = (
            f"{out}: the split cannot support an honest evaluation: {'; '.join(problems)}. The dataset has "
            f"{len(kept)} samples in {n_groups} {cfg.split_by} group(s) (labels: "
            f"{int((kept['label'] == 1).sum())} before, {int((kept['label'] == 0).sum())} after). What to change: "
            "more data or events (a longer period, more stations, a lower --min-magnitude, a larger "
            "--max-distance-km), other --fractions (e.g. 0.5,0.25,0.25), --split-by time with a smaller "
            "--block-days, or a lower --min-split-groups"
            + (
                "; or pass --on-bad-split warn to build it anyway (its metrics will then be marked as not "
                "interpretable)"
                if cfg.on_bad_split == "raise"
                else ". Built anyway (--on-bad-split warn): its metrics will be marked as not interpretable"
            )
        )
        if cfg.on_bad_split == "raise":
            raise SplitError(msg)
        warnings.warn(msg, UserWarning, stacklevel=3)
    return kept, problems, in_gap


def build_dataset(
    stations,
    catalog,
    data,
    out,
    config: BuildConfig | None = None,
    *,
    scheduler: str = "threads",
    progress: bool = True,
    input_files: dict | None = None,
    pairs=None,
) -> dict:
    """Build (or resume building) a dataset in folder ``out``.

    Samples are made only for days inside the span each station's data cover (other
    claimed days are counted as ``outside_data``, not as QC failures); days within
    ``config.exclude_near_days`` of an event that reaches the station by
    ``config.exclude_distance_km`` but does not label the day are left out and counted
    (``counts["labelling"]["excluded_near_other_event"]``). The split is checked: an empty
    split, one with fewer than ``config.min_split_groups`` groups or with one class stops
    the build with :class:`~seisem.SplitError` (``config.on_bad_split="warn"``: a warning,
    and the problems are listed in ``manifest["split_problems"]``).

    Parameters
    ----------
    stations, catalog : DataFrame
        From :func:`seisem.io.read_stations` / :func:`seisem.io.read_catalog`. ``stations``
        may be None when ``pairs`` are given (their station columns are used).
    data : folder, glob or list of paths
        The station series files, in ``config.format``.
    out : path
        The dataset folder; an unfinished build there is resumed.
    config : BuildConfig, optional
        Every parameter of the dataset's content (format, pairing, labels, QC, images,
        splits); default ``BuildConfig()``. An unset ``interval_s`` is read from the files'
        time stamps, and the STFT geometry follows it (:meth:`BuildConfig.resolve`).
    scheduler : str
        ``"threads"`` (default), ``"processes"``, ``"synchronous"``, or the address of a
        Dask distributed scheduler (``"tcp://host:8786"``).
    progress : bool, default True
        A progress bar over the stations (on stderr; plain lines when it is not a terminal).
    input_files : dict, optional
        Names -> paths of the station list and catalog, hashed into the manifest.
    pairs : DataFrame, optional
        Station-event pairs made elsewhere (:func:`seisem.data.read_pairs`, or
        :func:`~seisem.data.pair_events` with any distance function); then
        ``config.min_magnitude`` and ``config.max_distance_km`` are not applied.

    Returns
    -------
    dict
        The manifest.
    """
    t_start = time.perf_counter()
    cfg = config or BuildConfig()
    out = os.fspath(out)
    pairs_given = pairs is not None
    samples, pairs, label_report = labelled_samples(stations, catalog, pairs, cfg)
    codes = sorted(samples["station_code"].unique()) if len(samples) else []
    infos = probe_files(data, cfg.format)
    files = _files_of(infos, codes)
    if codes and not files:  # a wrong --data or --format: stop before anything is written
        raise ReadError(no_station_files_message(data, cfg.format, codes, infos))
    # stations with data that no event pairs with: only their daily rows, the remote reference
    # of the activity control (a network-wide disturbance reaches them, a local precursor not)
    listed = set(file_codes(infos)) if stations is None else set(stations["station_code"].astype(str))
    ref_files = _files_of(infos, sorted(listed - set(codes)))
    used = {f for fl in (*files.values(), *ref_files.values()) for f in fl}
    cfg, interval = resolve_interval(cfg, {f: infos[f] for f in used} if used else infos)
    log.info(
        "sampling interval %g s (%s); STFT n_fft=%d, hop_length=%d",
        cfg.interval_s,
        interval["from"],
        cfg.n_fft,
        cfg.hop_length,
    )
    os.makedirs(os.path.join(out, "shards"), exist_ok=True)
    for stale in glob.glob(os.path.join(out, "shards", ".*.tmp")) + glob.glob(os.path.join(out, ".*.tmp")):
        os.remove(stale)  # temporary files of a build that was killed
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)  # the dataset is being rebuilt: not valid until the new manifest lands
    build = dask.delayed(build_station, pure=True)
    tasks = [
        build(code, sorted(files.get(code, [])), samples[samples["station_code"] == code], cfg, out)
        for code in codes
    ]
    reference = dask.delayed(reference_station_daily, pure=True)
    ref_codes = sorted(ref_files)
    tasks += [reference(code, sorted(ref_files[code]), cfg, out) for code in ref_codes]
    t_run = time.perf_counter()
    results = _run_tasks(tasks, scheduler, progress) if tasks else []
    t_run = time.perf_counter() - t_run
    results, ref_results = results[: len(codes)], results[len(codes) :]
    daily_parts = [daily for code, (_rows, daily, _s) in zip(codes, results, strict=True) if code in files]
    daily_parts += [daily for daily, _s in ref_results]
    stage_seconds = [s for *_r, s in results] + [s for _d, s in ref_results]
    results = [r for r, _daily, _s in results]
    rows = pd.concat(results, ignore_index=True) if results else pd.DataFrame(columns=META_COLUMNS)
    rows["station_code"] = rows["station_code"].astype(str)
    kept = rows[rows["qc_status"] == "ok"].reset_index(drop=True)
    rejected = rows[rows["qc_status"] != "ok"].reset_index(drop=True)
    kept, problems, in_gap = split_rows(kept, cfg, out)
    with atomic_path(os.path.join(out, "metadata.csv")) as tmp:
        kept.to_csv(tmp, index=False, float_format="%.6g")
    rej_cols = [c for c in META_COLUMNS if c not in ("split", "trace_name", "trace_index")]
    with atomic_path(os.path.join(out, "rejected.csv")) as tmp:
        rejected.reindex(columns=rej_cols).to_csv(tmp, index=False, float_format="%.6g")
    versions = {}
    for mod in ("chirpstft", "seisem", "numpy", "scipy", "numba", "pandas", "h5py", "dask"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # pragma: no cover
            versions[mod] = None
    split_counts = {
        s: {
            str(lab): int(n)
            for lab, n in kept[kept["split"] == s]["label"].value_counts().sort_index().items()
        }
        for s in ("train", "dev", "test")
    }
    all_files = sorted({f for fl in files.values() for f in fl})
    manifest = {
        "dataset_version": DATASET_VERSION,
        "config": cfg.to_dict(),
        "config_hash": cfg.content_hash(),
        "inputs": {
            **{
                k: {"path": os.path.abspath(v), "sha256": file_sha256(v)}
                for k, v in (input_files or {}).items()
                if v
            },
            "data": {os.path.basename(f): file_sha256(f) for f in all_files},
        },
        "versions": versions,
        "counts": {
            "pairs": len(pairs),
            "stations_paired": len(codes),
            "stations_with_data": len(files),
            "stations_without_data": sorted(set(codes) - set(files)),
            "samples": len(kept),
            "label_1_before": int((kept["label"] == 1).sum()),
            "label_0_after": int((kept["label"] == 0).sum()),
            "rejected": {
                str(k): int(v)
                for k, v in rejected["qc_status"].value_counts().sort_index().items()
                if k not in NOT_QC
            },
            "outside_data": int((rejected["qc_status"] == "outside_data").sum()),
            "no_data": int((rejected["qc_status"] == "no_data").sum()),
            "groups": {
                s: int(kept.loc[kept["split"] == s, "split_group"].astype(str).nunique())
                for s in ("train", "dev", "test")
            },
            "splits": split_counts,
            "left_out_in_forward_gaps": in_gap,
            "labelling": label_report.to_dict(),
        },
        "interval": interval,
        "image_shape": list(image_shape(cfg)),
        **image_record(cfg),
        "samples_per_day": cfg.samples_per_day,
        "data_source": os.path.abspath(data) if isinstance(data, (str, os.PathLike)) else None,
        "split_problems": problems,
        "pairs_given": bool(pairs_given),
        # the controls (seisem.controls): daily activity index and band powers, pairs
        "daily": write_daily_table(out, files, cfg, pairs, stations=daily_parts),
    }
    write_json(
        os.path.join(out, "timings.json"),
        timings(stage_seconds, t_run, time.perf_counter() - t_start, scheduler),
    )
    write_json(manifest_path, manifest)
    return manifest


def timings(stage_seconds: list, run_s: float, total_s: float, scheduler: str) -> dict:
    """``timings.json``: where a build spent its time (not in the manifest, which stays the same
    from one build of the same inputs to the next)."""
    summed: dict = {}
    for st in stage_seconds:
        for k, v in st.items():
            summed[k] = summed.get(k, 0.0) + v
    reused = int(summed.pop("reused", 0))
    return {
        "total_s": round(total_s, 3),
        "stations_s": round(run_s, 3),
        "before_and_after_stations_s": round(total_s - run_s, 3),
        "stage_s": {k: round(v, 3) for k, v in sorted(summed.items())},
        "stations_built": len(stage_seconds) - reused,
        "stations_reused": reused,
        "scheduler": str(scheduler),
        "note": "stage_s sums each station task's own clock: with several workers the tasks overlap, so the "
        "sum can exceed stations_s (the wall time of all station tasks)",
    }


def rerender_dataset(source, out, *, progress: bool = False, **image_options) -> dict:
    """The same dataset (samples, labels, splits, stored series) with other images.

    Reads each shard's stored series (QC'd and normalised as ``source`` was built) and renders
    them again with ``image_options`` (only :data:`IMAGE_FIELDS`: chirp rate, image kinds, STFT
    and image size options, detrend); metadata and splits are copied unchanged, so models
    trained on ``source`` and on ``out`` see exactly the same station-days in each split.
    The manifest records ``"rerendered_from"``. Returns the new manifest.
    """
    bad = sorted(set(image_options) - set(IMAGE_FIELDS))
    if bad:
        raise ParameterError(
            f"rerender_dataset options {bad} would change more than the images; it accepts {IMAGE_FIELDS} "
            "(rebuild with seisem build for anything else)"
        )
    source, out = os.fspath(source), os.fspath(out)
    src = read_json(
        os.path.join(source, "manifest.json"),
        f"{source}: no manifest.json: not a finished dataset (seisem build)",
    )
    cfg = BuildConfig.from_dict({**src["config"], **image_options})
    os.makedirs(os.path.join(out, "shards"), exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)
    cfg_hash = cfg.content_hash()
    shards = sorted(glob.glob(os.path.join(source, "shards", "*.h5")))
    bar = _bar(len(shards), progress)
    for h5 in shards:
        name = os.path.basename(h5)
        dst = os.path.join(out, "shards", name)
        csv_src = h5[:-3] + ".csv"
        if shard_valid(dst, dst[:-3] + ".csv", cfg_hash):
            bar.update(1)
            continue
        with h5py.File(h5, "r") as f:
            series = f["series"][...]
            attrs = dict(f.attrs)
        images = make_images(series, cfg)
        shutil.copyfile(csv_src, dst[:-3] + ".csv")
        write_shard(dst, images, series, {**attrs, "config_hash": cfg_hash})
        bar.update(1)
    bar.close()
    for name in ("metadata.csv", "rejected.csv", "daily.csv", "pairs.csv"):
        if os.path.exists(os.path.join(source, name)):
            with atomic_path(os.path.join(out, name)) as tmp:
                shutil.copyfile(os.path.join(source, name), tmp)
    manifest = {
        **src,
        "config": cfg.to_dict(),
        "config_hash": cfg_hash,
        "image_shape": list(image_shape(cfg)),
        **image_record(cfg),
        "rerendered_from": {"path": os.path.abspath(source), "config_hash": src.get("config_hash")},
    }
    write_json(manifest_path, manifest)
    return manifest
