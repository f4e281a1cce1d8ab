"""Turn a pytest-benchmark JSON file into the Markdown tables of bench/RESULTS.md.

Usage: python bench/report.py out/bench.json
Per group: the median of every implementation and its ratio to chirpstft (numba),
plus the peak-memory measurements, with the machine the run came from.
"""

from __future__ import annotations

import json
import platform
import sys
from collections import defaultdict


def machine(info: dict) -> str:
    cpu = info.get("cpu", {})
    return (
        f"{cpu.get('brand_raw', platform.processor() or 'unknown CPU')}, "
        f"{cpu.get('count', '?')} logical cores, Python {info.get('python_version', '?')}"
    )


def main(path: str) -> None:
    data = json.load(open(path))
    print(f"Machine: {machine(data.get('machine_info', {}))}; run {data.get('datetime', '?')}\n")
    groups: dict[str, list[dict]] = defaultdict(list)
    memory = []
    stream = []
    for bench in data["benchmarks"]:
        if bench["name"].startswith("test_6_peak_memory"):
            memory.append(bench)
        elif bench["name"].startswith("test_8_streaming_peak_memory"):
            stream.append(bench)
        else:
            groups[bench["group"] or bench["name"]].append(bench)
    for group in sorted(groups):
        rows = groups[group]
        ours = next((b for b in rows if b["param"] == "chirpstft-numba"), None)
        base = ours["stats"]["median"] if ours else None
        print(f"**{group}**\n")
        print("| implementation | min (ms) | median (ms) | median / chirpstft-numba | rounds |")
        print("|---|---:|---:|---:|---:|")
        for b in sorted(rows, key=lambda b: b["stats"]["median"]):
            st = b["stats"]
            ratio = f"{st['median'] / base:.2f}" if base else "-"
            print(
                f"| {b['param']} | {st['min'] * 1e3:.1f} | {st['median'] * 1e3:.1f} | {ratio} | {st['rounds']} |"
            )
        print()
        if group.startswith("10 cold start"):
            print("| implementation | import (s) | first call (s) | four calls (s) |")
            print("|---|---:|---:|---:|")
            for b in sorted(rows, key=lambda b: b["stats"]["median"]):
                e = b.get("extra_info", {})
                print(
                    f"| {b['param']} | {e.get('import_s', float('nan')):.2f} | "
                    f"{e.get('first_call_s', float('nan')):.2f} | {e.get('four_calls_s', float('nan')):.2f} |"
                )
            print()
    if memory:
        print("**6 peak memory, case 1 (fresh process per implementation)**\n")
        print("| implementation | output (MB) | working memory beyond input and output (MB) | / output |")
        print("|---|---:|---:|---:|")
        for b in memory:
            e = b["extra_info"]
            print(
                f"| {b['param']} | {e['output_MB']:.0f} | {e['extra_MB']:.1f} | {e['extra_over_output']:.2f} |"
            )
        print()
    if stream:
        print("**8 streaming STFT -> ISTFT, peak memory (fresh process per length)**\n")
        print("| samples | signal (MB, float32) | peak RSS growth (MB) | round-trip max error |")
        print("|---|---:|---:|---:|")
        for b in stream:
            e = b["extra_info"]
            print(f"| 2^{b['param']} | {e['signal_MB']:.0f} | {e['growth_MB']:.1f} | {e['max_error']:.1e} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/bench.json")
