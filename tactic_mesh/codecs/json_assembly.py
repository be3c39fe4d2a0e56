"""The ``assembly`` document kind: a ``ProofAssemblyTrace`` (``calculus/assembly.py``).

Root layout (``e``: expression index, ``k``: state index, ``mctx``: the layout of
``json_state``, holding only what the step added)::

    {"theorem": str, "source": [[key, value]…], "statement": e, "level_params": [name…],
     "initial": k, "proof_term": e | null,
     "steps": [{"index": int, "target": "cp<checkpoint>:<mvar>", "parent": id, "opened": [id…],
                "closed": [id…], "via": str, "checkpoint": int, "changes": mctx,
                "before": e, "after": e, "holes_before": [[id, e]…], "holes_after": [[id, e]…]}…]}

Decoding checks the layout (and that each step's ``index`` and ``target`` agree with its place
and its parent); whether the steps really assemble the recorded terms is for ``replay``.
"""

from __future__ import annotations

from tactic_mesh.calculus.assembly import AssemblyStep, Commit, Holes, ProofAssemblyTrace
from tactic_mesh.codecs.json_base import CodecError, Path, at, describe, lst, obj, small_int, wstr
from tactic_mesh.codecs.json_envelope import Kind, Reader, Writer, register_kind
from tactic_mesh.codecs.json_state import write_pairs

ROOT_KEYS = frozenset({"theorem", "source", "statement", "level_params", "initial", "proof_term", "steps"})
STEP_KEYS = frozenset({"index", "target", "parent", "opened", "closed", "via", "checkpoint", "changes", "before",
                       "after", "holes_before", "holes_after"})  # fmt: skip


def _write_holes(w: Writer, holes: Holes) -> list[list[object]]:
    return [[g, w.expr(t)] for g, t in holes]


def _write_step(w: Writer, s: AssemblyStep) -> dict[str, object]:
    c = s.commit
    w.goal_ids.update((c.parent, *c.opened, *c.closed))
    return {
        "index": s.index, "target": c.target, "parent": c.parent, "opened": list(c.opened),
        "closed": list(c.closed), "via": wstr(c.via, "step.via"), "checkpoint": c.checkpoint,
        "changes": w.mctx(c.changes), "before": w.expr(s.before), "after": w.expr(s.after),
        "holes_before": _write_holes(w, s.holes_before), "holes_after": _write_holes(w, s.holes_after),
    }  # fmt: skip


def _write(w: Writer, t: ProofAssemblyTrace) -> object:
    return {
        "theorem": wstr(t.theorem, "assembly.theorem"),
        "source": write_pairs(t.source, "assembly.source"),
        "statement": w.expr(t.statement),
        "level_params": [wstr(x, "assembly.level_params") for x in t.level_params],
        "initial": w.state(t.initial),
        "proof_term": None if t.proof_term is None else w.expr(t.proof_term),
        "steps": [_write_step(w, s) for s in t.steps],
    }


def _read_holes(r: Reader, raw: object, path: Path) -> Holes:
    out = []
    for i, pair in enumerate(lst(raw, path)):
        p = at(path, i)
        if type(pair) is not list or len(pair) != 2:
            raise CodecError(p, "not a [goal, type] pair", "[id, e]", describe(pair))
        out.append((r.ident(pair[0], at(p, 0)), r.expr(pair[1], at(p, 1))))
    return tuple(out)


def _read_step(r: Reader, raw: object, path: Path, position: int) -> AssemblyStep:
    d = obj(raw, path, STEP_KEYS)
    index = small_int(d["index"], at(path, "index"))
    if index != position:
        raise CodecError(at(path, "index"), "step out of place", str(position), str(index))
    parent = r.ident(d["parent"], at(path, "parent"))
    checkpoint = small_int(d["checkpoint"], at(path, "checkpoint"))
    target = r.text(d["target"], at(path, "target"))
    if target != f"cp{checkpoint}:{parent}":
        raise CodecError(at(path, "target"), "the target does not name the step's parent goal",
                         repr(f"cp{checkpoint}:{parent}"), repr(target))  # fmt: skip
    commit = Commit(parent, r.ids(d["opened"], at(path, "opened")), r.ids(d["closed"], at(path, "closed")),
                    r.text(d["via"], at(path, "via")), checkpoint, r.read_mctx(d["changes"], at(path, "changes")))
    return AssemblyStep(
        index, commit, r.expr(d["before"], at(path, "before")), r.expr(d["after"], at(path, "after")),
        _read_holes(r, d["holes_before"], at(path, "holes_before")),
        _read_holes(r, d["holes_after"], at(path, "holes_after")),
    )


def _read(r: Reader, raw: object, path: str) -> ProofAssemblyTrace:
    d = obj(raw, path, ROOT_KEYS)
    sp = at(path, "steps")
    steps = tuple(_read_step(r, x, at(sp, i), i) for i, x in enumerate(lst(d["steps"], sp)))
    level_params = tuple(r.text(x, at(at(path, "level_params"), i))
                         for i, x in enumerate(lst(d["level_params"], at(path, "level_params"))))  # fmt: skip
    return ProofAssemblyTrace(
        r.text(d["theorem"], at(path, "theorem")),
        r.expr(d["statement"], at(path, "statement")),
        level_params,
        r.state(d["initial"], at(path, "initial")),
        steps,
        r.opt_expr(d["proof_term"], at(path, "proof_term")),
        r.pairs(d["source"], at(path, "source")),
    )


register_kind(Kind("assembly", 1, ProofAssemblyTrace, _write, _read, needs_env=True))
