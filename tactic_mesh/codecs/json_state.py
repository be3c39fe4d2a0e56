"""Proof states and StepPacks as record tables (``calculus/state.py``, ``calculus/steppack.py``).

Layout (``e``/``l``/``m``/``s``/``k`` index the expression, level, metavariable-declaration,
step and state tables; ``id`` is a metavariable or free-variable id, kept exactly)::

    provenance {"kernel_version": str, "environment_hash": str, "options": [[key, value]…]}
    steps   {"parent": id, "parent_type": e, "delta": {"closed": [id…], "opened": [id…]},
             "child_interface": [[id, e]…],
             "coupling": {"child_obligations": [id…], "shared_metavars": [id…],
                          "dependency_edges": [[id, id]…], "kind": "none" | "independent" | …},
             "residual_builder": {"parent": id, "term": e, "children": [id…]},
             "certificates": [str…]}
    states  {"provenance": provenance, "active_obligations": [id…], "focus": [id…],
             "metavar_graph": mctx, "partial_term": e, "options": [[key, value]…],
             "checkpoint": int, "masked": [id…] (increasing), "level_params": [name…],
             "saved": [k…] (earlier states), "steps": [s…]}
    mctx    {"decls": [m…], "assignments": [[id, e]…], "delayed": [[id, [id…], id]…],
             "level_decls": [[id, bool]…], "level_assignments": [[id, l]…],
             "postponed_levels": [[l, l]…]}                 -- map entries by increasing id

The environment is not serialized: a state is decoded against an ``Environment`` whose
``environment_hash`` must equal the one recorded in every state's provenance.  Obligation ids
(``cp<checkpoint>:<mvar>``) are derived from ``checkpoint`` and the metavariable ids, which are
never renumbered; a residual builder is identified by its step (its parent obligation).
Provenances and StepPacks go through cattrs (``json_records``); the rest is hand-written.
"""

from __future__ import annotations

from immutables import Map

from tactic_mesh.calculus.state import ProofState, Provenance
from tactic_mesh.calculus.steppack import CouplingKind, StepPack
from tactic_mesh.codecs.json_base import (
    MAX_ID,
    CodecError,
    Limits,
    Path,
    at,
    boolean,
    describe,
    enum_table,
    fail_type,
    lst,
    obj,
    range_text,
    small_int,
    wstr,
)
from tactic_mesh.codecs.json_expr import ExprWriter
from tactic_mesh.codecs.json_program import ProgramReader, ProgramWriter
from tactic_mesh.codecs.json_records import read_record, read_records, write_record
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.expr import Expr, FVar
from tactic_mesh.kernel.level import Level
from tactic_mesh.kernel.mctx import DelayedAssignment, MetavarContext, MVarDecl

COUPLING_KINDS = enum_table(CouplingKind)
PROVENANCE_KEYS = frozenset({"kernel_version", "environment_hash", "options"})
MCTX_KEYS = frozenset({"decls", "assignments", "delayed", "level_decls", "level_assignments", "postponed_levels"})
STATE_KEYS = frozenset({"provenance", "active_obligations", "focus", "metavar_graph", "partial_term", "options",
                        "checkpoint", "masked", "level_params", "saved", "steps"})  # fmt: skip


def _id(x: object, what: str) -> int:
    if type(x) is not int or not 0 <= x <= MAX_ID:
        raise CodecError(what, "not an id", range_text(0, MAX_ID), describe(x))
    return x


def _ids(xs: object, what: str) -> list[int]:
    if not isinstance(xs, (tuple, frozenset)):
        raise CodecError(what, "not a tuple of ids", "tuple[int, ...]", type(xs).__name__)
    return [_id(x, what) for x in xs]


_s = wstr


def write_pairs(pairs: tuple[tuple[str, str], ...], what: str) -> list[list[str]]:
    if not isinstance(pairs, tuple) or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise CodecError(what, "not a tuple of (key, value) pairs", "tuple[tuple[str, str], ...]", repr(pairs)[:40])
    return [[_s(k, what), _s(v, what)] for k, v in pairs]


def write_provenance(p: Provenance) -> dict[str, object]:
    if not isinstance(p, Provenance):
        raise CodecError("provenance", "not a Provenance", "Provenance", type(p).__name__)
    return write_record(ExprWriter(), p)


def provenance_mismatch(path: Path, expected: Provenance, found: Provenance, fields: tuple[str, ...]) -> CodecError:
    """A field-by-field report of the differences between two provenances."""
    diffs = [(f, getattr(expected, f), getattr(found, f)) for f in fields if getattr(expected, f) != getattr(found, f)]
    first, want, got = diffs[0]
    detail = "; ".join(f"{f}: expected {w!r}, found {g!r}" for f, w, g in diffs)
    return CodecError(at(path, first), f"incompatible provenance ({detail})", repr(want), repr(got))


class StateWriter(ProgramWriter):
    def __init__(self) -> None:
        super().__init__()
        self.steps: list[dict[str, object]] = []
        self.states: list[dict[str, object]] = []
        self.record_identity: dict[int, int] = {}  # id(StepPack | ProofState) -> index

    def step(self, step: StepPack) -> int:
        found = self.record_identity.get(id(step))
        if found is not None:
            return found
        if not isinstance(step, StepPack):
            raise CodecError("step", "not a StepPack", "StepPack", type(step).__name__)
        record = write_record(self, step)
        rb = step.residual_builder
        self.goal_ids.update((step.parent, rb.parent, *step.delta.closed, *step.delta.opened, *rb.children,
                              *(g for g, _ in step.child_interface)))  # fmt: skip
        found = self.record_identity[id(step)] = len(self.steps)
        self.steps.append(record)
        self.keep.append(step)
        return found

    def mctx(self, m: MetavarContext) -> dict[str, object]:
        decls = []
        for key, decl in sorted(m.decls.items(), key=lambda kv: kv[0]):
            if decl.id != key:
                raise CodecError(f"metavar_graph.decls[{key}]", "declaration id differs from its key", str(key),
                                 str(decl.id))  # fmt: skip
            decls.append(self.mvar_decl(decl))
        return {
            "decls": decls,
            "assignments": [[_id(k, "assignment"), self.expr(v)] for k, v in sorted(m.assignments.items())],
            "delayed": [[_id(k, "delayed assignment"), [_id(f.id, "delayed fvar") for f in d.fvars],
                         _id(d.pending, "delayed pending")] for k, d in sorted(m.delayed.items())],
            "level_decls": [[_id(k, "level decl"), v] for k, v in sorted(m.level_decls.items())],
            "level_assignments": [[_id(k, "level assignment"), self.level(v)]
                                  for k, v in sorted(m.level_assignments.items())],
            "postponed_levels": [[self.level(a), self.level(b)] for a, b in m.postponed_levels],
        }  # fmt: skip

    def state(self, state: ProofState) -> int:
        ids = self.record_identity
        if id(state) in ids:
            return ids[id(state)]
        stack = [state]
        while stack:
            cur = stack[-1]
            if id(cur) in ids:
                stack.pop()
                continue
            if not isinstance(cur, ProofState):
                raise CodecError("state", "not a ProofState", "ProofState", type(cur).__name__)
            pending = [s for s in cur.saved if id(s) not in ids]
            if pending:
                stack.extend(reversed(pending))
                continue
            stack.pop()
            if type(cur.checkpoint) is not int or not 0 <= cur.checkpoint <= MAX_ID:
                raise CodecError("ProofState.checkpoint", "not a checkpoint number", "int ≥ 0", repr(cur.checkpoint))
            record = {
                "provenance": write_provenance(cur.provenance),
                "active_obligations": _ids(cur.active_obligations, "ProofState.active_obligations"),
                "focus": _ids(cur.focus, "ProofState.focus"),
                "metavar_graph": self.mctx(cur.metavar_graph),
                "partial_term": self.expr(cur.partial_term),
                "options": write_pairs(cur.options, "ProofState.options"),
                "checkpoint": cur.checkpoint,
                "masked": sorted(_ids(cur.masked, "ProofState.masked")),
                "level_params": [_s(x, "ProofState.level_params") for x in cur.level_params],
                "saved": [ids[id(s)] for s in cur.saved],
                "steps": [self.step(s) for s in cur.steps],
            }
            ids[id(cur)] = len(self.states)
            self.states.append(record)
            self.keep.append(cur)
        return ids[id(state)]


class StateReader(ProgramReader):
    def __init__(self, limits: Limits, env: Environment | None = None, env_hash: str | None = None) -> None:
        super().__init__(limits)
        self.env = env
        self.env_hash = env_hash
        self.steps: list[StepPack] = []
        self.states: list[ProofState] = []

    def step(self, x: object, path: Path) -> StepPack:
        return self.steps[self.ref("steps", len(self.steps), x, path)]

    def state(self, x: object, path: Path) -> ProofState:
        return self.states[self.ref("states", len(self.states), x, path)]

    # -- small pieces ----------------------------------------------------------------------

    def ids(self, raw: object, path: Path) -> tuple[int, ...]:
        return tuple(self.ident(x, at(path, i)) for i, x in enumerate(lst(raw, path)))

    def pairs(self, raw: object, path: Path) -> tuple[tuple[str, str], ...]:
        out = []
        for i, pair in enumerate(lst(raw, path)):
            p = at(path, i)
            if type(pair) is not list or len(pair) != 2:
                raise fail_type(p, "a [key, value] pair of strings", pair)
            out.append((self.text(pair[0], at(p, 0)), self.text(pair[1], at(p, 1))))
        return tuple(out)

    def read_provenance(self, raw: object, path: Path) -> Provenance:
        return read_record(self, Provenance, raw, path)

    def id_map(self, raw: object, path: Path) -> list[tuple[int, list[object]]]:
        """Entries ``[id, …]`` of a map, by strictly increasing id."""
        out: list[tuple[int, list[object]]] = []
        for i, entry in enumerate(lst(raw, path)):
            p = at(path, i)
            if type(entry) is not list or not entry:
                raise fail_type(p, "a map entry [id, …]", entry)
            key = self.ident(entry[0], at(p, 0))
            if out and key <= out[-1][0]:
                raise CodecError(at(p, 0), "map keys not strictly increasing", f"an id above {out[-1][0]}", str(key))
            out.append((key, entry))
        return out

    @staticmethod
    def arity(entry: list[object], n: int, path: Path) -> None:
        if len(entry) != n:
            raise CodecError(path, "wrong number of elements", str(n), str(len(entry)))

    # -- records ---------------------------------------------------------------------------

    def read_mctx(self, raw: object, path: Path) -> MetavarContext:
        d = obj(raw, path, MCTX_KEYS)
        decls: list[tuple[int, MVarDecl]] = []
        dp = at(path, "decls")
        for i, x in enumerate(lst(d["decls"], dp)):
            decl = self.mvar(x, at(dp, i))
            if decls and decl.id <= decls[-1][0]:
                raise CodecError(at(dp, i), "declarations not by strictly increasing id",
                                 f"an id above {decls[-1][0]}", str(decl.id))  # fmt: skip
            decls.append((decl.id, decl))
        assignments: list[tuple[int, Expr]] = []
        ap = at(path, "assignments")
        for i, (key, entry) in enumerate(self.id_map(d["assignments"], ap)):
            self.arity(entry, 2, at(ap, i))
            assignments.append((key, self.expr(entry[1], at(at(ap, i), 1))))
        delayed: list[tuple[int, DelayedAssignment]] = []
        yp = at(path, "delayed")
        for i, (key, entry) in enumerate(self.id_map(d["delayed"], yp)):
            self.arity(entry, 3, at(yp, i))
            fvars = tuple(FVar(f) for f in self.ids(entry[1], at(at(yp, i), 1)))
            delayed.append((key, DelayedAssignment(fvars, self.ident(entry[2], at(at(yp, i), 2)))))
        level_decls: list[tuple[int, bool]] = []
        lp = at(path, "level_decls")
        for i, (key, entry) in enumerate(self.id_map(d["level_decls"], lp)):
            self.arity(entry, 2, at(lp, i))
            level_decls.append((key, boolean(entry[1], at(at(lp, i), 1))))
        level_assignments: list[tuple[int, Level]] = []
        la = at(path, "level_assignments")
        for i, (key, entry) in enumerate(self.id_map(d["level_assignments"], la)):
            self.arity(entry, 2, at(la, i))
            level_assignments.append((key, self.level(entry[1], at(at(la, i), 1))))
        postponed: list[tuple[Level, Level]] = []
        pp = at(path, "postponed_levels")
        for i, pair in enumerate(lst(d["postponed_levels"], pp)):
            if type(pair) is not list or len(pair) != 2:
                raise fail_type(at(pp, i), "a [level, level] pair", pair)
            postponed.append((self.level(pair[0], at(at(pp, i), 0)), self.level(pair[1], at(at(pp, i), 1))))
        return MetavarContext(Map(decls), Map(assignments), Map(delayed), Map(level_decls), Map(level_assignments),
                              tuple(postponed))  # fmt: skip

    def read_steps(self, raw: object, path: Path) -> None:
        entries = lst(raw, path)
        self.used["steps"] = bytearray(len(entries))
        self.steps = read_records(self, StepPack, ((entry, at(path, i)) for i, entry in enumerate(entries)))

    def read_states(self, raw: object, path: Path) -> None:
        entries = lst(raw, path)
        self.used["states"] = bytearray(len(entries))
        if entries and self.env is None:
            raise CodecError(path, "decoding a proof state needs the environment", "decode(..., env=<Environment>)",
                             "env=None")  # fmt: skip
        for i, entry in enumerate(entries):
            p = at(path, i)
            d = obj(entry, p, STATE_KEYS)
            provenance = self.read_provenance(d["provenance"], at(p, "provenance"))
            if provenance.environment_hash != self.env_hash:
                raise CodecError(at(at(p, "provenance"), "environment_hash"),
                                 "the state was made in another environment (environment_hash differs)",
                                 repr(self.env_hash), repr(provenance.environment_hash))  # fmt: skip
            masked = self.ids(d["masked"], at(p, "masked"))
            for j in range(1, len(masked)):
                if masked[j - 1] >= masked[j]:
                    raise CodecError(at(at(p, "masked"), j), "masked goals not strictly increasing",
                                     f"an id above {masked[j - 1]}", str(masked[j]))  # fmt: skip
            sp = at(p, "saved")
            saved = []
            for j, x in enumerate(lst(d["saved"], sp)):
                if type(x) is int and x >= i:
                    raise CodecError(at(sp, j), "forward or self reference", f"a state index below {i}", str(x))
                saved.append(self.state(x, at(sp, j)))
            stp = at(p, "steps")
            assert self.env is not None
            self.states.append(ProofState(
                provenance=provenance,
                environment=self.env,
                active_obligations=self.ids(d["active_obligations"], at(p, "active_obligations")),
                focus=self.ids(d["focus"], at(p, "focus")),
                metavar_graph=self.read_mctx(d["metavar_graph"], at(p, "metavar_graph")),
                partial_term=self.expr(d["partial_term"], at(p, "partial_term")),
                options=self.pairs(d["options"], at(p, "options")),
                checkpoint=small_int(d["checkpoint"], at(p, "checkpoint")),
                masked=frozenset(masked),
                level_params=tuple(self.text(x, at(at(p, "level_params"), j))
                                   for j, x in enumerate(lst(d["level_params"], at(p, "level_params")))),
                saved=tuple(saved),
                steps=tuple(self.step(x, at(stp, j)) for j, x in enumerate(lst(d["steps"], stp))),
            ))  # fmt: skip
