"""Renderers of the proof graph projection (``tactic_mesh.codecs.graph_render``): the SVG is well-formed
XML with one box per obligation coloured by status, the DOT text is lexically sound (balanced braces,
one statement per obligation and per step, every quote escaped) even for hostile targets, JSON
round-trips, and a 300-goal chain lays out in bounded time with a canvas that grows with depth."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from tactic_mesh.calculus.projections import GraphNode, HyperEdge, ProofGraphIR, SharedEdge
from tactic_mesh.codecs.graph_render import COLOURS, render, to_dot, to_svg

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'a < b & "c" \\ }{ ]]> <!-- --> \'q\' \\" -> n0 [x="y"]; } \\n'


def complete_proof() -> ProofGraphIR:
    """Step 0 splits the root; step 1 closes one goal and, by unification, the other."""
    return ProofGraphIR(
        "and_comm",
        (GraphNode("cp0:0", 0, "p ∧ q → q ∧ p", "closed"), GraphNode("cp1:1", 1, "?a = q", "closed"),
         GraphNode("cp1:2", 2, "?a", "solved")),
        (HyperEdge(0, "Apply", "cp0:0", ("cp1:1", "cp1:2")), HyperEdge(1, "AssignMetavar", "cp1:1", ())),
        (),
        True,
    )


def incomplete_proof() -> ProofGraphIR:
    return ProofGraphIR(
        "add_zero",
        (GraphNode("cp0:0", 0, "n + 0 = n", "closed"), GraphNode("cp1:1", 1, "?m3 = n", "closed"),
         GraphNode("cp1:2", 2, "P ?m3", "open"), GraphNode("cp1:3", 3, "Nat", "open")),
        (HyperEdge(0, "Rewrite", "cp0:0", ("cp1:1", "cp1:2", "cp1:3")), HyperEdge(1, "Exact", "cp1:1", ())),
        (SharedEdge("cp1:1", "cp1:2", 3),),
        False,
    )


def empty_proof() -> ProofGraphIR:
    return ProofGraphIR("trivial", (GraphNode("cp0:0", 0, "True", "open"),), (), (), False)


def hostile_proof() -> ProofGraphIR:
    return ProofGraphIR(
        HOSTILE,
        (GraphNode("cp0:0", 0, HOSTILE, "closed"), GraphNode("cp1:1", 1, "x\x00\x1b\ud800\n\ty " + HOSTILE, "open"),
         GraphNode("cp1:2", 2, "", "open")),
        (HyperEdge(0, HOSTILE, "cp0:0", ("cp1:1", "cp1:2")),),
        (SharedEdge("cp1:1", "cp1:2", 7),),
        False,
    )


def chain(n: int) -> ProofGraphIR:
    nodes = tuple(GraphNode(f"cp{i}:{i}", i, f"P{i} → P{i + 1}", "closed" if i < n - 1 else "open") for i in range(n))
    steps = tuple(HyperEdge(i, "Intro", f"cp{i}:{i}", (f"cp{i + 1}:{i + 1}",)) for i in range(n - 1))
    return ProofGraphIR("long", nodes, steps, (), False)


ALL = [complete_proof, incomplete_proof, empty_proof, hostile_proof]


# --- helpers -----------------------------------------------------------------------------------

def dot_tokens(text: str) -> tuple[str, list[str]]:
    """Split DOT into the text outside quoted strings and the quoted strings' raw contents (a quote
    ends a string only when not preceded by an escaping backslash)."""
    outside, strings, i = [], [], 0
    while i < len(text):
        if text[i] != '"':
            outside.append(text[i])
            i += 1
            continue
        j = i + 1
        while text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        strings.append(text[i + 1: j])
        outside.append("S")
        i = j + 1
    return "".join(outside), strings


def dot_unescape(raw: str) -> str:
    """The text a DOT label shows (lines joined by newlines)."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), raw)


def svg_boxes(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class", "").split()[:1] == ["node"]]


def parse_svg(graph: ProofGraphIR) -> ET.Element:
    text = to_svg(graph)
    text.encode("utf-8")  # no lone surrogates survive
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert int(root.get("width", "0")) > 0 and int(root.get("height", "0")) > 0
    return root


def box_top(box: ET.Element) -> int:
    rect = box.find(f"{SVG}rect")
    assert rect is not None
    return int(rect.get("y", "-1"))


# --- SVG ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", ALL)
def test_svg_has_one_box_per_node_coloured_by_status(make: Callable[[], ProofGraphIR]) -> None:
    graph = make()
    root = parse_svg(graph)
    boxes = svg_boxes(root)
    assert len(boxes) == len(graph.nodes)
    for box, node in zip(boxes, graph.nodes, strict=True):
        assert box.get("class") == f"node {node.status}"
        rect = box.find(f"{SVG}rect")
        assert rect is not None and rect.get("stroke") == COLOURS[node.status][0]
        assert rect.get("fill") == COLOURS[node.status][1]
        assert (rect.get("stroke-dasharray") is not None) == (node.status == "open")
        assert node.id in "".join(box.itertext())
    steps = [g for g in root.iter(f"{SVG}g") if g.get("class") == "step"]
    assert len(steps) == len(graph.hyperedges)
    title = root.find(f"{SVG}title")
    assert title is not None and ("incomplete" in (title.text or "")) == (not graph.complete)


def test_status_colours_are_distinct() -> None:
    assert len({stroke for stroke, _ in COLOURS.values()}) == 3
    assert set(COLOURS) == {"closed", "solved", "open"}


def test_svg_children_sit_below_parents_and_shared_edge_is_dashed() -> None:
    graph = incomplete_proof()
    root = parse_svg(graph)
    tops = dict(zip((n.id for n in graph.nodes), map(box_top, svg_boxes(root)), strict=True))
    assert tops["cp0:0"] < tops["cp1:1"] == tops["cp1:2"] == tops["cp1:3"]
    shared = [p for p in root.iter(f"{SVG}path") if p.get("class") == "shared"]
    assert len(shared) == 1 and shared[0].get("stroke-dasharray")
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "shared-label"]
    assert labels == ["?m3"]


def test_svg_single_open_goal() -> None:
    root = parse_svg(empty_proof())
    assert not [p for p in root.iter(f"{SVG}path") if p.get("class") in ("shared", "step-edge")]
    (box,) = svg_boxes(root)
    assert box.get("class") == "node open" and "True" in "".join(box.itertext())


def test_svg_hostile_text_survives_as_text() -> None:
    root = parse_svg(hostile_proof())
    boxes = svg_boxes(root)
    assert "\ufffd" in "".join(boxes[1].itertext())  # control characters and lone surrogates replaced
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert " ".join(HOSTILE.split()) in titles  # the full target as a tooltip, escaped and read back intact
    assert "(no target)" in "".join(boxes[2].itertext())


def test_svg_unreached_goal_goes_to_bottom_layer() -> None:
    graph = ProofGraphIR(
        "t", (GraphNode("cp0:0", 0, "A", "closed"), GraphNode("cp1:1", 1, "B", "open"),
              GraphNode("cp2:5", 5, "C", "open")),
        (HyperEdge(0, "Apply", "cp0:0", ("cp1:1",)), HyperEdge(1, "Apply", "cp9:9", ("cp2:5",))), (), False)
    tops = [box_top(b) for b in svg_boxes(parse_svg(graph))]
    assert tops[0] < tops[1] < tops[2]


def test_svg_long_chain_grows_with_depth() -> None:
    small, big = parse_svg(chain(10)), parse_svg(chain(300))
    assert len(svg_boxes(big)) == 300
    assert int(big.get("height", "0")) > 20 * int(small.get("height", "0"))
    tops = [box_top(b) for b in svg_boxes(big)]
    assert tops == sorted(tops) and len(set(tops)) == 300


def test_svg_truncates_long_targets() -> None:
    graph = ProofGraphIR("t", (GraphNode("cp0:0", 0, "x" * 5000, "open"),), (), (), False)
    (box,) = svg_boxes(parse_svg(graph))
    shown = [t for t in box.iter(f"{SVG}text")][1]
    assert (shown.text or "").endswith("…") and len(shown.text or "") < 60


# --- DOT ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", ALL)
def test_dot_is_lexically_sound(make: Callable[[], ProofGraphIR]) -> None:
    graph = make()
    text = to_dot(graph)
    outside, strings = dot_tokens(text)
    assert outside.startswith("digraph proof {") and outside.rstrip().endswith("}")
    depth = 0
    for ch in outside:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    # outside strings only identifiers, numbers, punctuation and placeholders: nothing leaked out of a label
    assert re.fullmatch(r"[\w\s\[\]{}=;,.\->]*", outside)
    assert len(re.findall(r"^\s*n\d+ \[", outside, re.M)) == len(graph.nodes)
    assert len(re.findall(r"^\s*s\d+ \[", outside, re.M)) == len(graph.hyperedges)
    for raw in strings:  # every quote inside a string is escaped, every backslash doubled or escaping
        assert re.fullmatch(r'(?:[^"\\]|\\[\\"n])*', raw), raw


def test_dot_statements_and_styles() -> None:
    graph = incomplete_proof()
    text = to_dot(graph)
    outside, _ = dot_tokens(text)
    assert "n0 -> s0" in outside and "s0 -> n1" in outside and "s0 -> n3" in outside
    assert "n1 -> s1" in outside
    node_lines = {m.group(1): m.group(0) for m in re.finditer(r"^\s*(n\d+) \[.*$", text, re.M)}
    for i, node in enumerate(graph.nodes):
        line = node_lines[f"n{i}"]
        assert f'color="{COLOURS[node.status][0]}"' in line
        assert ("dashed" in line) == (node.status == "open")
    (shared,) = [ln for ln in text.splitlines() if ln.strip().startswith("n1 -> n2")]
    assert "style=dashed" in shared and "constraint=false" in shared and 'label="?m3"' in shared
    assert "cluster_legend" in text
    assert '"add_zero — incomplete proof"' in text
    assert '"and_comm — complete proof"' in to_dot(complete_proof())


def test_dot_hostile_labels_round_trip() -> None:
    text = to_dot(hostile_proof())
    _, strings = dot_tokens(text)
    shown = {dot_unescape(s) for s in strings}
    flat = " ".join(HOSTILE.split())
    assert f"cp0:0\n{flat}" in shown  # label = id, newline, target shown verbatim
    assert f"{flat} — incomplete proof" in shown
    assert f"step 0: {flat[:39]}…" in shown
    assert "cp1:2\n(no target)" in shown


def test_dot_truncates_long_targets() -> None:
    graph = ProofGraphIR("t", (GraphNode("cp0:0", 0, "y" * 500, "open"),), (), (), False)
    _, strings = dot_tokens(to_dot(graph))
    (label,) = [dot_unescape(s) for s in strings if s.startswith("cp0:0")]
    target = label.split("\n")[1]
    assert target.endswith("…") and len(target) == 80


# --- dispatch ----------------------------------------------------------------------------------

@pytest.mark.parametrize("make", ALL)
def test_render_dispatch(make: Callable[[], ProofGraphIR]) -> None:
    graph = make()
    assert render(graph, "dot") == to_dot(graph)
    assert render(graph, "svg") == to_svg(graph)
    assert json.loads(render(graph, "json")) == graph.to_json()


def test_render_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match=r"'png'.*dot, svg, json"):
        render(complete_proof(), "png")
