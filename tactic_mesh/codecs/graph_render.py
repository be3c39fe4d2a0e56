"""Renderers for the proof graph projection (:class:`~tactic_mesh.calculus.projections.ProofGraphIR`):
Graphviz DOT and a self-contained SVG for people, and JSON for tools.

Both pictures share one colour scheme: goals closed by a step are green, goals solved by unification
in another step are blue, open goals are red-orange with a dashed border, steps are small slate
markers (``step k: via``) between a parent goal and the goals it opened, and shared-metavariable
couplings are dashed purple edges labelled ``?m<id>``. The SVG is laid out top-down by depth in the
step tree (roots at depth 0, obligations never reached in a bottom layer), in first-appearance order.
"""

from __future__ import annotations

import json
import re
from collections import deque
from html import escape

from tactic_mesh.calculus.projections import ProofGraphIR

FORMATS = ("dot", "svg", "json")
COLOURS: dict[str, tuple[str, str]] = {  # status -> (stroke, fill)
    "closed": ("#2e7d32", "#e8f5e9"),
    "solved": ("#1565c0", "#e3f2fd"),
    "open": ("#d84315", "#fff3e0"),
}
UNKNOWN = ("#757575", "#f5f5f5")
STEP_COLOUR = "#455a64"
SHARED_COLOUR = "#8e24aa"
LEGEND = (("closed", "closed by a step"), ("solved", "solved by unification"), ("open", "open goal"))

_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
BOX_W, BOX_H, GAP_X, ROW, MARGIN, TOP, LEGEND_W = 260, 46, 30, 120, 20, 90, 760


def _clean(text: str, limit: int) -> str:
    """One line of printable text (whitespace collapsed), cut to ``limit`` characters with an ellipsis."""
    text = _NOT_TEXT.sub("\N{REPLACEMENT CHARACTER}", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(graph: ProofGraphIR) -> str:
    state = "complete" if graph.complete else "incomplete"
    return f"{_clean(graph.theorem, 100) or '(unnamed)'} — {state} proof"


def _index(graph: ProofGraphIR) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, n in enumerate(graph.nodes):
        index.setdefault(n.id, i)
    return index


# --- DOT ---------------------------------------------------------------------------------------

def _dq(*lines: str) -> str:
    """A DOT double-quoted string whose label shows ``lines`` verbatim, one per line."""
    return '"' + "\\n".join(s.replace("\\", "\\\\").replace('"', '\\"') for s in lines) + '"'


def _dot_box(name: str, status: str, *label: str) -> str:
    stroke, fill = COLOURS.get(status, UNKNOWN)
    style = "rounded,filled,dashed" if status == "open" else "rounded,filled"
    return (f'{name} [shape=box, style="{style}", color="{stroke}", fillcolor="{fill}", penwidth=1.5, '
            f"label={_dq(*label)}")


def _dot_step(name: str, label: str) -> str:
    return (f'{name} [shape=box, style=filled, color="{STEP_COLOUR}", fillcolor="{STEP_COLOUR}", fontcolor=white, '
            f'fontsize=8, height=0.15, width=0.15, margin="0.04,0.02", label={_dq(label)}];')


def to_dot(graph: ProofGraphIR) -> str:
    """A Graphviz digraph: obligations as boxes, steps as small markers, shared metavariables dashed."""
    index = _index(graph)
    shared = f'dir=none, style=dashed, constraint=false, color="{SHARED_COLOUR}", fontcolor="{SHARED_COLOUR}"'
    out = ["digraph proof {",
           f"  graph [label={_dq(_title(graph))}, labelloc=t, fontsize=16, fontname=Helvetica];",
           "  node [fontname=Helvetica, fontsize=10];",
           f'  edge [color="{STEP_COLOUR}", fontname=Helvetica, fontsize=9];',
           "  subgraph cluster_legend {",
           '    label="legend"; style=rounded; color="#9e9e9e"; fontsize=10;']
    out += [f"    {_dot_box(f'legend_{status}', status, text)}];" for status, text in LEGEND]
    out += [f"    {_dot_step('legend_step', 'step k: via')}",
            '    legend_a [shape=point, width=0.05]; legend_b [shape=point, width=0.05];',
            f'    legend_a -> legend_b [{shared}, label="shared ?m"];',
            "  }"]
    for i, n in enumerate(graph.nodes):
        out.append(f"  {_dot_box(f'n{i}', n.status, n.id, _clean(n.target, 80) or '(no target)')}, "
                   f"tooltip={_dq(_clean(n.target, 1000))}];")
    for k, e in enumerate(graph.hyperedges):
        out.append(f"  {_dot_step(f's{k}', f'step {e.step}: {_clean(e.via, 40)}')}")
        if e.parent in index:
            out.append(f"  n{index[e.parent]} -> s{k} [arrowhead=none];")
        out += [f"  s{k} -> n{index[c]};" for c in e.children if c in index]
    for s in graph.shared:
        if s.a in index and s.b in index:
            out.append(f"  n{index[s.a]} -> n{index[s.b]} [{shared}, label={_dq(f'?m{s.mvar}')}];")
    out.append("}")
    return "\n".join(out) + "\n"


# --- SVG ---------------------------------------------------------------------------------------

def _x(text: str) -> str:
    return escape(text, quote=True)


def _layers(graph: ProofGraphIR, index: dict[str, int]) -> list[list[int]]:
    """Node indices by depth in the step tree; nodes no root reaches form one extra bottom layer."""
    kids: dict[int, list[int]] = {}
    children: set[str] = set()
    for e in graph.hyperedges:
        children.update(e.children)
        if e.parent in index:
            kids.setdefault(index[e.parent], []).extend(index[c] for c in e.children if c in index)
    depth = {i: 0 for i, n in enumerate(graph.nodes) if n.id not in children}
    queue = deque(depth)
    while queue:
        u = queue.popleft()
        for v in kids.get(u, ()):
            if v not in depth:
                depth[v] = depth[u] + 1
                queue.append(v)
    bottom = max(depth.values(), default=-1) + 1
    layers: list[list[int]] = [[] for _ in range(bottom + (len(depth) < len(graph.nodes)))]
    for i in range(len(graph.nodes)):
        layers[depth.get(i, bottom)].append(i)
    return layers


def _svg_legend() -> list[str]:
    out = ['<g class="legend" font-size="11">']
    for k, (status, text) in enumerate(LEGEND):
        stroke, fill = COLOURS[status]
        dash = ' stroke-dasharray="5,3"' if status == "open" else ""
        x = MARGIN + 160 * k
        out.append(f'<rect class="legend-{status}" x="{x}" y="48" width="18" height="12" rx="3" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="1.5"{dash}/><text x="{x + 24}" y="58">{text}</text>')
    out.append(f'<rect x="{MARGIN + 480}" y="50" width="9" height="9" fill="{STEP_COLOUR}"/>'
               f'<text x="{MARGIN + 494}" y="58">step k: via</text>')
    out.append(f'<line x1="{MARGIN + 580}" y1="54" x2="{MARGIN + 620}" y2="54" stroke="{SHARED_COLOUR}" '
               f'stroke-width="1.5" stroke-dasharray="6,4"/><text x="{MARGIN + 626}" y="58">shared ?m</text></g>')
    return out


def to_svg(graph: ProofGraphIR) -> str:
    """A standalone SVG document of the proof graph, layered top-down by depth in the step tree."""
    index = _index(graph)
    layers = _layers(graph, index)
    widest = max((len(layer) for layer in layers), default=0)
    width = max(widest * (BOX_W + GAP_X) - GAP_X + 2 * MARGIN, LEGEND_W)
    height = TOP + max(len(layers), 1) * ROW + MARGIN
    pos: dict[int, tuple[int, int]] = {}  # top-left corner of each box
    for d, layer in enumerate(layers):
        left = (width - (len(layer) * (BOX_W + GAP_X) - GAP_X)) // 2
        for k, i in enumerate(layer):
            pos[i] = (left + k * (BOX_W + GAP_X), TOP + d * ROW)
    title = _x(_title(graph))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
           f"<title>{title}</title>",
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text class="title" x="{MARGIN}" y="30" font-size="18" font-weight="bold">{title}</text>',
           *_svg_legend()]
    labels: list[str] = []
    for s in graph.shared:  # drawn first, so boxes sit on top of the curves
        if s.a not in index or s.b not in index:
            continue
        (ax, ay), (bx, by) = sorted((pos[index[s.a]], pos[index[s.b]]), key=lambda p: (p[1], p[0]))
        ax, bx = ax + BOX_W // 2, bx + BOX_W // 2
        if ay == by:  # same layer: bow downwards between the two bottoms
            ay, by = ay + BOX_H, by + BOX_H
            cx, cy = (ax + bx) // 2, ay + 45
        else:
            ay += BOX_H
            cx, cy = (ax + bx) // 2 + 60, (ay + by) // 2
        out.append(f'<path class="shared" d="M {ax} {ay} Q {cx} {cy} {bx} {by}" fill="none" '
                   f'stroke="{SHARED_COLOUR}" stroke-width="1.5" stroke-dasharray="6,4"/>')
        lx, ly = (ax + 2 * cx + bx) // 4, (ay + 2 * cy + by) // 4
        labels.append(f'<text class="shared-label" x="{lx}" y="{ly}" font-size="10" fill="{SHARED_COLOUR}" '
                      f'text-anchor="middle">?m{s.mvar}</text>')
    used: dict[int, int] = {}
    for e in graph.hyperedges:
        if e.parent not in index:
            continue
        p = index[e.parent]
        px, py = pos[p][0] + BOX_W // 2, pos[p][1] + BOX_H
        kids = [pos[index[c]] for c in e.children if c in index]
        mx = sum(x + BOX_W // 2 for x, _ in kids) // len(kids) if kids else px
        mx += 110 * used.get(p, 0)  # a second step from the same goal goes beside the first
        used[p] = used.get(p, 0) + 1
        my = py + (ROW - BOX_H) // 2
        lines = [f"M {px} {py} L {mx} {my}"] + [f"M {mx} {my} L {x + BOX_W // 2} {y}" for x, y in kids]
        out.append(f'<path class="step-edge" d="{" ".join(lines)}" fill="none" stroke="{STEP_COLOUR}"/>')
        labels.append(f'<g class="step"><title>{_x(_clean(e.via, 1000))}</title>'
                      f'<rect x="{mx - 5}" y="{my - 5}" width="10" height="10" fill="{STEP_COLOUR}"/>'
                      f'<text x="{mx + 9}" y="{my + 4}" font-size="10" fill="{STEP_COLOUR}">'
                      f"{_x(f'step {e.step}: {_clean(e.via, 30)}')}</text></g>")
    for i, n in enumerate(graph.nodes):
        x, y = pos[i]
        stroke, fill = COLOURS.get(n.status, UNKNOWN)
        dash = ' stroke-dasharray="6,3"' if n.status == "open" else ""
        target = _clean(n.target, 38)
        shown = '<tspan fill="#9e9e9e" font-style="italic">(no target)</tspan>' if not target else _x(target)
        out.append(f'<g class="node {_x(_clean(n.status, 20))}"><title>{_x(_clean(n.target, 1000))}</title>'
                   f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{fill}" stroke="{stroke}" '
                   f'stroke-width="2"{dash}/>'
                   f'<text x="{x + 8}" y="{y + 18}" font-size="12" font-weight="bold">{_x(_clean(n.id, 36))}</text>'
                   f'<text x="{x + 8}" y="{y + 36}" font-size="11" font-family="monospace">{shown}</text></g>')
    return "\n".join([*out, *labels, "</svg>"]) + "\n"


# --- dispatch ----------------------------------------------------------------------------------

def render(graph: ProofGraphIR, fmt: str) -> str:
    """The proof graph rendered as ``dot``, ``svg`` or ``json``."""
    if fmt == "dot":
        return to_dot(graph)
    if fmt == "svg":
        return to_svg(graph)
    if fmt == "json":
        return json.dumps(graph.to_json(), ensure_ascii=False, indent=2)
    raise ValueError(f"unknown proof graph format {fmt!r}; expected one of: {', '.join(FORMATS)}")


__all__ = ["COLOURS", "FORMATS", "render", "to_dot", "to_svg"]
