"""Summaries of a ``bench.py`` run: the benchmark goals, the printed table and the chart."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

NAMES = ("render_sdk", "official", "raw")


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p95(values: list[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def _row(
    scenario: str,
    metric: str,
    unit: str,
    values: dict[str, float | None],
    goal: str = "",
    met: bool | None = None,
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "metric": metric,
        "unit": unit,
        "values": values,
        "vs_official": _ratio(values.get("render_sdk"), values.get("official")),
        "vs_raw": _ratio(values.get("render_sdk"), values.get("raw")),
        "goal": goal,
        "met": met,
    }


def _stat(
    samples: dict[str, list[float]], fn: Any, names: tuple[str, ...] = NAMES
) -> dict[str, float | None]:
    return {name: fn(samples.get(name, [])) for name in names}


def _check(value: float | None, op: str, limit: float) -> bool | None:
    if value is None:
        return None
    return value <= limit if op == "<=" else value >= limit if op == ">=" else value < limit


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure: medians (and p95s) per contender, ratios, goal, met or not."""
    rows: list[dict[str, Any]] = []
    r = results.get("startup", {})
    if "ms" in r:
        names = (*NAMES, "python -c pass")
        t = _stat(r["ms"], median, names)
        rows.append(
            _row(
                "start-up (import + client)",
                "median",
                "ms",
                t,
                "sdk/official <= 0.35",
                _check(_ratio(t["render_sdk"], t["official"]), "<=", 0.35),
            )
        )
        rows.append(_row("start-up (import + client)", "p95", "ms", _stat(r["ms"], p95, names)))
        m = _stat(r["peak_rss_mib"], median, names)
        rows.append(
            _row(
                "start-up peak RSS",
                "median",
                "MiB",
                m,
                "sdk < official",
                _check(_ratio(m["render_sdk"], m["official"]), "<", 1.0),
            )
        )
    r = results.get("get", {})
    if "calls_per_s" in r:
        v = _stat(r["calls_per_s"], median)
        vs_off = _ratio(v["render_sdk"], v["official"])
        vs_raw = _ratio(v["render_sdk"], v["raw"])
        ok = _check(vs_off, ">=", 1.15)
        ok_raw = _check(vs_raw, ">=", 0.90)
        rows.append(
            _row(
                "sync get_task_run, 1 thread",
                "median",
                "calls/s",
                v,
                "sdk/official >= 1.15; sdk/raw >= 0.90",
                None if ok is None or ok_raw is None else ok and ok_raw,
            )
        )
    r = results.get("run_task", {})
    if "ms" in r:
        med = _stat(r["ms"], median)
        high = _stat(r["ms"], p95)
        rows.append(
            _row(
                "sync run_task (finishes at once)",
                "median",
                "ms",
                med,
                "sdk <= official",
                _check(_ratio(med["render_sdk"], med["official"]), "<=", 1.0),
            )
        )
        rows.append(
            _row(
                "sync run_task (finishes at once)",
                "p95",
                "ms",
                high,
                "sdk <= official",
                _check(_ratio(high["render_sdk"], high["official"]), "<=", 1.0),
            )
        )
    r = results.get("async", {})
    if "starts_per_s" in r:
        v = _stat(r["starts_per_s"], median)
        rows.append(
            _row(
                "async start runs, 50 in flight",
                "median",
                "runs/s",
                v,
                "sdk/official >= 1.5",
                _check(_ratio(v["render_sdk"], v["official"]), ">=", 1.5),
            )
        )
        a = _stat(r["await_ms"], median)
        rows.append(
            _row(
                "async await finished runs (gather)",
                "median",
                "ms",
                a,
                "sdk/official <= 0.10 (10x faster)",
                _check(_ratio(a["render_sdk"], a["official"]), "<=", 0.10),
            )
        )
        w = median(r.get("render_sdk_wait_all_ms", []))
        if w is not None:
            wv: dict[str, float | None] = {
                "render_sdk": w,
                "official": a["official"],
                "raw": a["raw"],
            }
            rows.append(
                _row("  same, render_sdk wait_all()", "median", "ms", wv, "(information)", None)
            )
    r = results.get("completion", {})
    if "ms" in r:
        med = _stat(r["ms"], median)
        rows.append(
            _row(
                "completion noticed after terminal",
                "median",
                "ms",
                med,
                "sdk <= 20 ms",
                _check(med["render_sdk"], "<=", 20.0),
            )
        )
        rows.append(_row("completion noticed after terminal", "p95", "ms", _stat(r["ms"], p95)))
        poll = r["ms"].get("render_sdk (poll)", [])
        poll_p95 = p95(poll)
        rows.append(
            _row(
                "  same, render_sdk wait_strategy=poll",
                "median",
                "ms",
                {"render_sdk": median(poll), "official": None, "raw": None},
                "(stated; p95 " + ("-" if poll_p95 is None else f"{poll_p95:.1f}") + " ms)",
                None,
            )
        )
    r = results.get("threads", {})
    if "calls_per_s" in r:
        v = _stat(r["calls_per_s"], median)
        one = results.get("get", {}).get("calls_per_s", {}).get("render_sdk", [])
        errors = r["errors"]
        scale = _ratio(v["render_sdk"], median(one)) if one else None
        met = errors.get("render_sdk", 1) == 0 and (scale is None or scale >= 0.8)
        rows.append(
            _row(
                "32 threads, one sync client",
                "median",
                "calls/s",
                v,
                "0 errors; >= 0.8x the 1-thread rate",
                met,
            )
        )
        rows[-1]["scale_vs_one_thread"] = scale
        rows.append(
            _row(
                "  errors (all rounds)",
                "count",
                "errors",
                {k: float(errors[k]) for k in NAMES},
                "(render_sdk: 0)",
                errors.get("render_sdk", 1) == 0,
            )
        )
    rows.extend(_paced_rows(results.get("paced", {})))
    return rows


def _paced_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Fan-out against ``--rate-limit``: time vs the ideal, 429 share, runs started once."""
    rows: list[dict[str, Any]] = []
    if "ideal_s" not in r:
        return rows
    ideal = r["ideal_s"]
    for name, label in (("async", "coroutines"), ("threads", "threads, one Client")):
        paced, unpaced = r.get(f"{name}_paced"), r.get(f"{name}_unpaced")
        if paced is None:
            continue
        width = "200" if name == "async" else "32"
        title = f"{r['runs']:,} starts, {width} {label}, --rate-limit {r['limit']}"
        off = unpaced or {}
        rows.append(
            _row(
                title,
                "total",
                "s",
                {"render_sdk": paced["seconds"], "official": None, "raw": None},
                f"<= 1.2x ideal ({ideal:.0f} s): {paced['seconds'] / ideal:.2f}x; "
                f"pacing off: {off.get('seconds', 0):.1f} s",
                paced["seconds"] <= 1.2 * ideal,
            )
        )
        rows.append(
            _row(
                "  answered 429",
                "share",
                "%",
                {"render_sdk": paced["refused_pct"], "official": None, "raw": None},
                f"<= 2 %; pacing off: {off.get('refused_pct', 0):.1f} % "
                f"({off.get('failed', 0)} starts failed)",
                paced["refused_pct"] <= 2.0,
            )
        )
        once = (
            paced["failed"] == 0
            and paced["distinct_started"] == r["runs"]
            and paced["created_on_server"] == r["runs"]
            and paced["duplicates_on_server"] == 0
        )
        rows.append(
            _row(
                "  runs created on the server",
                "count",
                "runs",
                {"render_sdk": float(paced["created_on_server"]), "official": None, "raw": None},
                f"each of {r['runs']:,} started once, 0 failed",
                once,
            )
        )
    return rows


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit in ("calls/s", "runs/s", "errors", "runs") or value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def table_lines(document: dict[str, Any]) -> list[str]:
    """The summary as a Markdown table (printed, and pasted into docs/benchmarks.md)."""
    head = (
        "scenario",
        "stat",
        "unit",
        "render_sdk",
        "official",
        "raw",
        "sdk/official",
        "sdk/raw",
        "goal",
        "met",
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in document["summary"]:
        values = row["values"]
        met = {True: "yes", False: "**NO**", None: ""}[row["met"]]
        cells = [
            row["scenario"],
            row["metric"],
            row["unit"],
            *(_fmt(values.get(name), row["unit"]) for name in NAMES),
            "-" if row["vs_official"] is None else f"{row['vs_official']:.2f}",
            "-" if row["vs_raw"] is None else f"{row['vs_raw']:.2f}",
            row["goal"],
            met,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def print_table(document: dict[str, Any]) -> None:
    meta = document["meta"]
    print(
        f"\nrender_sdk vs official ({meta['versions'].get('render')}) vs raw; "
        f"{meta['cpus']} CPUs, Python {meta['python']}, "
        f"{'quick' if meta['quick'] else 'full'} run in {meta['seconds']:.0f} s"
    )
    for name, scenario in document["scenarios"].items():
        if "error" in scenario:
            print(f"  {name}: FAILED: {scenario['error']}")
    print("\n".join(table_lines(document)))
    start = document["scenarios"].get("startup", {})
    if "code" in start:
        print("\nstart-up code:", "; ".join(f"{k}: `{v}`" for k, v in start["code"].items()))
    for name, failures in document["scenarios"].get("async", {}).get("failures", {}).items():
        if failures:
            print(f"async rounds that failed for {name}: {len(failures)} (traceback in the JSON)")
    threads = document["scenarios"].get("threads", {})
    for name, samples in threads.get("error_samples", {}).items():
        if samples:
            print(f"thread errors of {name}: {samples}")
    print(
        "p95 of start-up/run_task/completion is over all samples; throughputs are medians "
        "of per-round figures."
    )


def write_chart(document: dict[str, Any], path: Path) -> Path | None:
    """One bar chart per figure (medians), contenders side by side; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rows = [row for row in document["summary"] if row["metric"] == "median"]
    if not rows:
        return None
    cols = 3
    nrows = (len(rows) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.2 * nrows), squeeze=False)
    colors = {"render_sdk": "#4c72b0", "official": "#dd8452", "raw": "#8c8c8c"}
    for ax, row in zip(axes.flat, rows, strict=False):
        names = [n for n in NAMES if row["values"].get(n) is not None]
        heights = [float(row["values"][n]) for n in names]
        bars = ax.bar(names, heights, color=[colors[n] for n in names])
        ax.bar_label(bars, labels=[_fmt(h, row["unit"]) for h in heights], fontsize=8)
        title = row["scenario"].strip()
        if row["met"] is not None:
            title += "  [goal met]" if row["met"] else "  [goal MISSED]"
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(row["unit"], fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(rows) :]:
        ax.axis("off")
    meta = document["meta"]
    fig.suptitle(
        f"render_sdk vs official render {meta['versions'].get('render')} vs raw transport "
        f"({meta['cpus']} CPUs, {'quick' if meta['quick'] else 'full'} run, {meta['when']})",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
