#!/usr/bin/env python3
"""The diagnosis' time budget as a picture: one bar per association, cut into set-up, waiting
for the acceptor, waiting for the requestor, transfer, TCP stalls and release, each part as
wide as its share of the association's time. Reads the JSON of -z dicom_ul,diagnose,json.

Usage:
  tshark -r capture.pcap -q -z dicom_ul,diagnose,json > d.json
  tools/time_budget_chart.py d.json [more.json ...] -o time-budget.svg

Each input may be named LABEL=FILE (the label heads its bars; the file name otherwise). The
output is a self-contained SVG (no library needed), readable in any browser and on GitHub."""
import argparse
import json
import os
import sys
from xml.sax.saxutils import escape

# The parts in the order an association lives them, with their colours and legend names.
PARTS = [
    ("setup", "#4e79a7", "set-up"),
    ("waiting_for_acceptor", "#e15759", "waiting for the acceptor"),
    ("waiting_for_requestor", "#f28e2b", "waiting for the requestor"),
    ("transfer", "#59a14f", "transfer"),
    ("tcp_stalls", "#b07aa1", "TCP stalls"),
    ("release", "#9c755f", "release"),
]
LABEL_W, BAR_W, BAR_H, GAP, TOP = 330, 560, 22, 12, 56


def duration_text(ms):
    return "%.0f ms" % ms if ms < 1000 else "%.3f s" % (ms / 1000)


def bars_of(label, doc):
    """(title, duration_ms, [(part, ms)]) for each association of one diagnosis document."""
    out = []
    for a in doc["associations"]:
        who = "%s -> %s" % (a.get("calling_ae") or "?", a.get("called_ae") or "?")
        title = "%s #%d  %s" % (label, a["association"], who) if label else "#%d  %s" % (a["association"], who)
        budget = a.get("time_budget_ms", {})
        out.append((title, float(a.get("duration_ms", 0)), [(k, float(budget.get(k, 0))) for k, _, _ in PARTS]))
    return out


def segments(duration_ms, parts, width):
    """[(part, x, w)]: each part's share of the bar; nothing for an association without time."""
    total = sum(ms for _, ms in parts)
    scale = max(total, duration_ms)
    if scale <= 0:
        return []
    x, out = 0.0, []
    for key, ms in parts:
        if ms <= 0:
            continue
        w = width * ms / scale
        out.append((key, x, w))
        x += w
    return out


def svg(bars):
    height = TOP + len(bars) * (BAR_H + GAP) + 10
    width = LABEL_W + BAR_W + 90
    colour = {k: c for k, c, _ in PARTS}
    name = {k: n for k, _, n in PARTS}
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="DejaVu Sans, sans-serif" '
         'font-size="12">' % (width, height),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="10" y="18" font-size="14" font-weight="bold">Where each association\'s time went '
         '(share of its duration)</text>']
    x = 10
    for key, c, n in PARTS:  # the legend
        o.append('<rect x="%d" y="30" width="12" height="12" fill="%s"/>' % (x, c))
        o.append('<text x="%d" y="40">%s</text>' % (x + 16, escape(n)))
        x += 22 + 7 * len(n)
    for i, (title, duration_ms, parts) in enumerate(bars):
        y = TOP + i * (BAR_H + GAP)
        o.append('<text x="10" y="%d">%s</text>' % (y + 15, escape(title)))
        o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#eeeeee"/>' % (LABEL_W, y, BAR_W, BAR_H))
        for key, sx, w in segments(duration_ms, parts, BAR_W):
            ms = dict(parts)[key]
            o.append('<rect class="%s" x="%.2f" y="%d" width="%.2f" height="%d" fill="%s"><title>%s: %s</title></rect>'
                     % (key, LABEL_W + sx, y, w, BAR_H, colour[key], escape(name[key]), duration_text(ms)))
        o.append('<text x="%d" y="%d">%s</text>' % (LABEL_W + BAR_W + 8, y + 15, duration_text(duration_ms)))
    o.append("</svg>")
    return "\n".join(o) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+", help="JSON of -z dicom_ul,diagnose,json (LABEL=FILE, or - for stdin)")
    ap.add_argument("-o", "--output", default="-", help="the SVG to write (- for stdout)")
    args = ap.parse_args(argv)
    bars = []
    for spec in args.inputs:
        label, _, path = spec.rpartition("=") if "=" in spec else ("", "", spec)
        doc = json.load(sys.stdin if path == "-" else open(path))
        bars += bars_of(label if label else ("" if path == "-" else os.path.basename(path)), doc)
    text = svg(bars)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
