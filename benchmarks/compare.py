#!/usr/bin/env python3
"""Turns JMH JSON result files into a Markdown table pairing Weft and Netty benchmarks.

A pair is two benchmarks of the same class whose method names differ only in a leading "weft"/"netty" (for
example EchoBenchmark.weftEcho and EchoBenchmark.nettyEcho) and that ran with the same values of the parameters
they share. Netty-only parameters (such as ``transport``: nio, epoll, io_uring) give one row per value, each
compared with the same Weft result. Benchmarks without a counterpart are listed with the other side empty.

Several files are several interleaved rounds of the same benchmarks (compare.sh -R): each cell is then the median
of the rounds' scores and its error is half the spread between the rounds' lowest and highest score (or JMH's own
99.9 % error when there is one round). The Weft/Netty ratio is the ratio of the medians; its error combines both
sides' relative errors. B/op is JMH's gc.alloc.rate.norm (bytes allocated per operation by all threads). When the
run used -prof perfnorm with the task-clock event, two more columns give the CPU time per operation of the whole
process, in microseconds.

usage: compare.py RESULT.json [RESULT.json ...]
"""
import json
import math
import statistics
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


def number(value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if v != v else v


def split(name):
    cls, method = name.rsplit(".", 1)
    cls = cls.rsplit(".", 1)[-1]
    for side in ("weft", "netty"):
        if method.startswith(side) and len(method) > len(side):
            rest = method[len(side):]
            return cls, rest[0].lower() + rest[1:], side
    return cls, method, None


def pstr(params):
    return " ".join(f"{k}={v}" for k, v in sorted(params.items())) or "-"


class Cell:
    """All rounds of one benchmark with one set of parameters."""

    def __init__(self, unit):
        self.unit = unit
        self.scores, self.errors, self.norms, self.cpus = [], [], [], []

    def add(self, run):
        primary = run["primaryMetric"]
        secondary = run.get("secondaryMetrics") or {}
        self.scores.append(primary["score"])
        self.errors.append(number(primary.get("scoreError")))
        norm = secondary.get("gc.alloc.rate.norm")
        cpu = secondary.get("task-clock")  # perfnorm: CPU milliseconds per operation, whole process
        if norm:
            self.norms.append(norm["score"])
        if cpu:
            self.cpus.append(cpu["score"] * 1000.0)

    def score(self):
        return statistics.median(self.scores)

    def error(self):
        if len(self.scores) > 1:
            return (max(self.scores) - min(self.scores)) / 2
        return self.errors[0]

    def norm(self):
        return statistics.median(self.norms) if self.norms else None

    def cpu(self):
        return statistics.median(self.cpus) if self.cpus else None


def main(paths):
    cells = {}   # (cls, op, side, params tuple) -> Cell
    order = []
    rounds = 0
    for path in paths:
        with open(path) as f:
            runs = json.load(f)
        rounds = max(rounds, 1)
        for run in runs:
            cls, op, side = split(run["benchmark"])
            params = tuple(sorted((run.get("params") or {}).items()))
            key = (cls, op, side or "weft", params)
            if key not in cells:
                cells[key] = Cell(run["primaryMetric"]["scoreUnit"])
                order.append(key)
            cells[key].add(run)
    have_cpu = any(c.cpus for c in cells.values())
    n_rounds = max((len(c.scores) for c in cells.values()), default=0)

    # Pair every Netty cell with the Weft cell whose parameters are the Netty cell's, less the Netty-only ones.
    rows = []
    used_weft = set()
    for key in order:
        cls, op, side, params = key
        if side != "netty":
            continue
        netty_params = dict(params)
        match = None
        for wkey in order:
            wcls, wop, wside, wparams = wkey
            if wside == "weft" and wcls == cls and wop == op and all(netty_params.get(k) == v for k, v in wparams):
                match = wkey
                break
        if match:
            used_weft.add(match)
        extra = {k: v for k, v in netty_params.items() if not match or k not in dict(match[3])}
        shared = {k: v for k, v in netty_params.items() if k not in extra}
        rows.append((cls, op, shared, extra, match, key))
    for key in order:
        if key[2] == "weft" and key not in used_weft:
            rows.append((key[0], key[1], dict(key[3]), {}, key, None))

    print(f"{n_rounds} round(s); cells are medians, ± is half the spread of the rounds"
          if n_rounds > 1 else "1 round; ± is JMH's 99.9 % error")
    print()
    header = ("| benchmark | params | Netty variant | unit | Weft ± error | Netty ± error | Weft/Netty ± error |"
              " Weft B/op | Netty B/op |")
    rule = "|---|---|---|---|---:|---:|---:|---:|---:|"
    if have_cpu:
        header += " Weft CPU µs/op | Netty CPU µs/op |"
        rule += "---:|---:|"
    print(header)
    print(rule)
    for cls, op, shared, extra, wkey, nkey in rows:
        w = cells[wkey] if wkey else None
        n = cells[nkey] if nkey else None
        ws = f"{fmt(w.score())} ± {fmt(w.error())}" if w else "-"
        ns = f"{fmt(n.score())} ± {fmt(n.error())}" if n else "-"
        ratio = "-"
        if w and n and n.score():
            r = w.score() / n.score()
            we, ne = w.error(), n.error()
            if we is not None and ne is not None and w.score() and n.score():
                re = r * math.sqrt((we / w.score()) ** 2 + (ne / n.score()) ** 2)
                ratio = f"{r:.2f} ± {re:.2f}"
            else:
                ratio = f"{r:.2f}"
        unit = (w or n).unit
        line = (f"| {cls}.{op} | {pstr(shared)} | {pstr(extra)} | {unit} | {ws} | {ns} | {ratio} |"
                f" {fmt(w.norm()) if w else '-'} | {fmt(n.norm()) if n else '-'} |")
        if have_cpu:
            line += f" {fmt(w.cpu()) if w else '-'} | {fmt(n.cpu()) if n else '-'} |"
        print(line)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
