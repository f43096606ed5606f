#!/usr/bin/env python3
"""Turns a JMH JSON result file into a Markdown table pairing Weft and Netty benchmarks.

A pair is two benchmarks of the same class whose method names differ only in a leading "weft"/"netty" (for
example EchoBenchmark.weftEcho and EchoBenchmark.nettyEcho) and that ran with the same parameters. Benchmarks
without a counterpart are listed with the other side empty. B/op is JMH's gc.alloc.rate.norm (bytes allocated
per operation by all threads). When the run used -prof perfnorm with the task-clock event, two more columns give
the CPU time per operation of the whole process, in microseconds.

usage: compare.py RESULT.json
"""
import json
import sys


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, str):  # JMH writes "NaN" for the error of a single iteration
        try:
            value = float(value)
        except ValueError:
            return value
    if value != value:  # NaN, e.g. the error of a single iteration
        return "?"
    a = abs(value)
    if a >= 100:
        return f"{value:,.0f}"
    if a >= 10:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    if a >= 0.01:
        return f"{value:.3f}"
    return f"{value:.2g}"


def split(name):
    cls, method = name.rsplit(".", 1)
    cls = cls.rsplit(".", 1)[-1]
    for side in ("weft", "netty"):
        if method.startswith(side) and len(method) > len(side):
            rest = method[len(side):]
            return cls, rest[0].lower() + rest[1:], side
    return cls, method, None


def main(path):
    with open(path) as f:
        runs = json.load(f)
    rows = {}
    order = []
    units = {}
    have_cpu = False
    for run in runs:
        cls, op, side = split(run["benchmark"])
        params = run.get("params") or {}
        pstr = " ".join(f"{k}={v}" for k, v in sorted(params.items())) or "-"
        key = (cls, op, pstr)
        if key not in rows:
            rows[key] = {}
            order.append(key)
        primary = run["primaryMetric"]
        secondary = run.get("secondaryMetrics") or {}
        norm = secondary.get("gc.alloc.rate.norm")
        cpu = secondary.get("task-clock")  # perfnorm: CPU milliseconds per operation, whole process
        rows[key][side or "weft"] = (primary["score"], primary.get("scoreError"),
                                     norm["score"] if norm else None,
                                     cpu["score"] * 1000.0 if cpu else None)
        if cpu:
            have_cpu = True
        units[key] = primary["scoreUnit"]
    header = "| benchmark | params | unit | Weft score ± error | Netty score ± error | Weft/Netty | Weft B/op | Netty B/op |"
    rule = "|---|---|---|---:|---:|---:|---:|---:|"
    if have_cpu:
        header += " Weft CPU µs/op | Netty CPU µs/op |"
        rule += "---:|---:|"
    print(header)
    print(rule)
    for key in order:
        cls, op, pstr = key
        w = rows[key].get("weft")
        n = rows[key].get("netty")
        ws = f"{fmt(w[0])} ± {fmt(w[1])}" if w else "-"
        ns = f"{fmt(n[0])} ± {fmt(n[1])}" if n else "-"
        ratio = f"{w[0] / n[0]:.2f}" if w and n and n[0] else "-"
        wb = fmt(w[2]) if w else "-"
        nb = fmt(n[2]) if n else "-"
        line = f"| {cls}.{op} | {pstr} | {units[key]} | {ws} | {ns} | {ratio} | {wb} | {nb} |"
        if have_cpu:
            line += f" {fmt(w[3]) if w else '-'} | {fmt(n[3]) if n else '-'} |"
        print(line)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
