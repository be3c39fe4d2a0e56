"""Checking a Lean 4 kernel export (lean4export NDJSON, format 3.x) with the project's kernel.

This is what an external Lean checker does: every declaration of the file, in order, is translated
into a kernel declaration (``ndjson_check_expr``) and admitted through
:func:`tactic_mesh.kernel.admission.add_decl` into an environment that starts empty.  Nothing in
the file is trusted: an inductive block is re-checked from its type and constructors and the kernel
generates the recursor, which the exported one must match (``ndjson_check_inductive``).

Each exported constant gets a ``Verdict``:

* ``accepted`` — the kernel admitted it;
* ``rejected`` — the kernel (or the comparison with what the kernel generated) refuses it: the
  reason names what is wrong.  Lean's kernel refuses it too;
* ``declined`` — it uses something this kernel cannot express, named in ``feature``: ``Quot``
  (``quot`` declarations), mutual and nested inductives, unsafe and partial declarations, Nat
  literals over a ``Nat`` that is not the kernel's own,
  projections of structure-like types with indices;
* ``skipped`` — it mentions a constant that was rejected, declined or skipped.

Translation: ``mdata`` is stripped; ``proj`` becomes an application of a projection definition
generated from the structure's recursor and admitted by the kernel; string literals are expanded
to ``String.mk`` of their characters as Lean's kernel does; definitional height hints map to
``Reducibility`` (``abbrev`` → ABBREV, ``regular n`` → REGULAR — the kernel computes its own
height —, ``opaque`` → IRREDUCIBLE).  An ``opaque`` constant's value is checked against its type
and the constant then enters as a constant without a value (it never unfolds, as in Lean).

``check_export_file`` never raises on bad input: a malformed file is a report with the line.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from tactic_mesh.kernel.admission import add_decl
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import (
    AxiomDecl,
    ConstructorInfo,
    Declaration,
    DefinitionDecl,
    Environment,
    InductiveDecl,
    InductiveInfo,
    RecursorInfo,
    Reducibility,
    TheoremDecl,
)
from tactic_mesh.kernel.errors import KernelError, KernelLimitError, TacticMeshError
from tactic_mesh.kernel.expr import Expr, collect_consts
from tactic_mesh.kernel.natlit import trusted_nat_type
from tactic_mesh.lean.ndjson import (
    AxiomVal,
    ConstantVal,
    ConstructorVal,
    DefinitionVal,
    Export,
    HintKind,
    Hints,
    InductiveBlock,
    InductiveVal,
    Meta,
    NdjsonError,
    OpaqueVal,
    QuotVal,
    RecursorVal,
    Safety,
    TheoremVal,
    read_export,
    read_export_bytes,
)
from tactic_mesh.lean.ndjson_check_expr import (
    HAS_NAT_LIT,
    HAS_PROJ,
    Declined,
    ExprTranslator,
    ProjectionResolver,
    Projections,
    Rejected,
    is_placeholder,
)
from tactic_mesh.lean.ndjson_check_inductive import (
    ExportedRecursor,
    ExportedRule,
    compare_recursor,
    identity_annotations,
    is_reflexive,
    nested_occurrence,
)


class Status(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DECLINED = "declined"
    SKIPPED = "skipped"


@attrs.frozen
class Verdict:
    """What became of one exported constant."""

    name: str
    kind: str  # axiom definition theorem opaque quotient inductive constructor recursor
    status: Status
    reason: str = ""
    line: int = 0
    feature: str = ""  # for DECLINED: the unsupported feature

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "kind": self.kind, "status": self.status.value,
                                  "line": self.line}  # fmt: skip
        if self.reason:
            out["reason"] = self.reason
        if self.feature:
            out["feature"] = self.feature
        return out

    def describe(self) -> str:
        feature = f" ({self.feature})" if self.feature else ""
        reason = f": {self.reason}" if self.reason else ""
        return f"{self.status.value}: {self.kind} '{self.name}'{feature}{reason}"


@attrs.frozen
class Malformed:
    """Why the file could not be read as an export (``line`` 0: not tied to a line)."""

    message: str
    line: int = 0
    path: str = "$"
    detail: str = ""

    @staticmethod
    def of(err: NdjsonError) -> Malformed:
        return Malformed(str(err), err.line, err.path, err.detail)

    def to_json(self) -> dict[str, object]:
        return {"message": self.message, "line": self.line, "path": self.path, "detail": self.detail}


@attrs.frozen
class CheckReport:
    """The outcome of checking one export.  ``exit_code``: 0 every constant accepted, 1 some
    constant rejected, 2 declined (some constant declined or skipped, none rejected) or malformed."""

    source: str
    verdicts: tuple[Verdict, ...] = ()
    malformed: Malformed | None = None
    meta: Meta | None = None
    generated: tuple[str, ...] = ()  # definitions the checker generated (projections), in order
    env: Environment | None = attrs.field(default=None, eq=False, repr=False)

    def count(self, status: Status) -> int:
        return sum(1 for v in self.verdicts if v.status is status)

    @property
    def verdict(self) -> str:
        if self.malformed is not None:
            return "malformed"
        if any(v.status is Status.REJECTED for v in self.verdicts):
            return "rejected"
        if any(v.status is not Status.ACCEPTED for v in self.verdicts):
            return "declined"
        return "accepted"

    @property
    def exit_code(self) -> int:
        return {"accepted": 0, "rejected": 1}.get(self.verdict, 2)

    def problems(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status is not Status.ACCEPTED]

    def first_problem(self) -> Verdict | None:
        """The first rejected constant, else the first declined one, else the first skipped one."""
        for status in (Status.REJECTED, Status.DECLINED, Status.SKIPPED):
            for v in self.verdicts:
                if v.status is status:
                    return v
        return None

    def summary(self) -> str:
        """One line: the verdict and the counts (and the first problem)."""
        if self.malformed is not None:
            return f"malformed: {self.malformed.message}"
        counts = ", ".join(f"{self.count(s)} {s.value}" for s in Status)
        line = f"{self.verdict}: {len(self.verdicts)} constant(s): {counts}"
        first = self.first_problem()
        if first is not None:
            where = f" on line {first.line}" if first.line else ""
            line += f" (first {first.status.value}: {first.kind} '{first.name}'{where})"
        return line

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.source,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "format_version": self.meta.format_version if self.meta else None,
            "lean_version": self.meta.lean_version if self.meta else None,
            "counts": {s.value: self.count(s) for s in Status},
            "error": self.malformed.to_json() if self.malformed else None,
            "declarations": [v.to_json() for v in self.verdicts],
            "generated": list(self.generated),
        }


Progress = Callable[[], None]


def check_export_file(path: Path | str, progress: Progress | None = None) -> CheckReport:
    """Read and check the export at ``path``; an unreadable or malformed file is a report with
    ``malformed`` set (never an exception)."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        return CheckReport(source, malformed=Malformed(f"{source}: cannot read the file: {err.strerror or err}"))
    return check_export_bytes(data, source, progress)


def check_export_bytes(data: bytes, source: str = "<export>", progress: Progress | None = None) -> CheckReport:
    try:
        export = read_export_bytes(data, source)
    except NdjsonError as err:
        return CheckReport(source, malformed=Malformed.of(err))
    return check_export(export, progress=progress)


def check_export_lines(lines: Iterable[str], source: str = "<export>") -> CheckReport:
    try:
        export = read_export(lines, source)
    except NdjsonError as err:
        return CheckReport(source, malformed=Malformed.of(err))
    return check_export(export)


def check_export(export: Export, env: Environment | None = None, progress: Progress | None = None) -> CheckReport:
    """Check every declaration of ``export`` in order, starting from ``env`` (default: empty)."""
    checker = ExportChecker(export, env)
    run_deep(checker.check_all, progress)  # deep terms end in a verdict, never in RecursionError
    return CheckReport(export.source, tuple(checker.verdicts), meta=export.meta,
                       generated=tuple(checker.projections.generated), env=checker.env)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------

_KIND = {AxiomVal: "axiom", DefinitionVal: "definition", TheoremVal: "theorem", OpaqueVal: "opaque",
         QuotVal: "quotient", InductiveVal: "inductive", ConstructorVal: "constructor",
         RecursorVal: "recursor"}  # fmt: skip

_REDUCIBILITY = {HintKind.ABBREV: Reducibility.ABBREV, HintKind.REGULAR: Reducibility.REGULAR,
                 HintKind.OPAQUE: Reducibility.IRREDUCIBLE}  # fmt: skip


def reducibility_of(hints: Hints) -> Reducibility:
    """Lean's reducibility hints as our ``Reducibility`` (a ``regular`` height is not used: the
    kernel computes the height of a definition from its value)."""
    return _REDUCIBILITY[hints.kind]


class ExportChecker:
    """The state of one check: the environment so far and every constant's verdict."""

    def __init__(self, export: Export, env: Environment | None = None) -> None:
        self.export = export
        self.env = env if env is not None else Environment()
        self.tr = ExprTranslator(export)
        self.projections = Projections()
        self.verdicts: list[Verdict] = []
        self.failed: dict[str, Status] = {}  # constants not admitted, for skipping their dependents

    # -- verdicts -------------------------------------------------------------------------------

    def name(self, name_id: int) -> str:
        return self.export.name_str(name_id)

    def verdict(self, const: ConstantVal, status: Status, reason: str = "", line: int = 0, feature: str = "") -> None:
        name = self.name(const.name)
        self.verdicts.append(Verdict(name, _KIND[type(const)], status, reason, line, feature))
        if status is not Status.ACCEPTED:
            self.failed[name] = status

    def all_verdict(self, consts: Iterable[ConstantVal], status: Status, reason: str, line: int,
                    feature: str = "") -> None:  # fmt: skip
        for const in consts:
            self.verdict(const, status, reason, line, feature)

    # -- driving --------------------------------------------------------------------------------

    def check_all(self, progress: Progress | None = None) -> None:
        for line, decl in self.export.declaration_lines():
            self.check(decl, line)
            if progress is not None:
                progress()

    def check(self, decl: AxiomVal | DefinitionVal | TheoremVal | OpaqueVal | QuotVal | InductiveBlock,
              line: int) -> None:  # fmt: skip
        if isinstance(decl, InductiveBlock):
            self.inductive_block(decl, line)
            return
        try:
            self.constant(decl, line)
        except Declined as err:
            self.verdict(decl, Status.DECLINED, err.message, line, err.feature)
        except Rejected as err:
            self.verdict(decl, Status.REJECTED, err.message, line)
        except KernelLimitError as err:
            self.verdict(decl, Status.DECLINED, err.message, line, "kernel limit")
        except KernelError as err:
            self.verdict(decl, Status.REJECTED, err.message, line)

    # -- translation ----------------------------------------------------------------------------

    def translate(self, roots: Iterable[int], own: Iterable[str] = ()) -> list[Expr]:
        """Stage 1 for a declaration's expressions, then the checks on what they mention: a
        dependency that failed skips the declaration, Nat literals need the kernel's ``Nat``."""
        ids = list(roots)
        out = [self.tr.expr(r, self.env) for r in ids]
        flags = 0
        for r in ids:
            flags |= self.tr.flags[r]
        mentioned: set[str] = set()
        for e in out:
            mentioned |= collect_consts(e)
        mentioned -= set(own)
        deps = {self.tr.placeholders[c][0] if is_placeholder(c) else c for c in mentioned}
        for dep in sorted(deps):
            status = self.failed.get(dep)
            if status is not None:
                raise _Skip(f"depends on {status.value} '{dep}'")
        if flags & HAS_NAT_LIT and "Nat" in self.env and not trusted_nat_type(self.env):
            raise Declined("Nat literal", "a Nat literal, but the declared 'Nat' is not the kernel's Nat "
                                          "(literals are only supported for Nat := zero | succ (n : Nat))")
        if flags & HAS_PROJ:
            resolver = ProjectionResolver(self.tr, self.projections, self.env)
            try:
                out = [resolver.resolve(e) for e in out]
            finally:
                self.env = resolver.env  # projection definitions stay, whatever becomes of the declaration
        return out

    # -- constants ------------------------------------------------------------------------------

    def constant(self, decl: AxiomVal | DefinitionVal | TheoremVal | OpaqueVal | QuotVal, line: int) -> None:
        name = self.name(decl.name)
        if isinstance(decl, QuotVal):
            raise Declined("Quot", f"the quotient type's {decl.kind.value} ('{name}'): this kernel has no quotients")
        if isinstance(decl, AxiomVal | OpaqueVal) and decl.is_unsafe:
            raise Declined("unsafe", "an unsafe declaration")
        if isinstance(decl, DefinitionVal) and decl.safety is not Safety.SAFE:
            raise Declined(decl.safety.value, f"a {decl.safety.value} definition")
        lps = tuple(self.name(p) for p in decl.level_params)
        try:
            if isinstance(decl, AxiomVal):
                (ty,) = self.translate([decl.type])
                self.admit(AxiomDecl(name, lps, ty))
            elif isinstance(decl, DefinitionVal):
                ty, value = self.translate([decl.type, decl.value])
                self.admit(DefinitionDecl(name, lps, ty, value, reducibility_of(decl.hints)))
            elif isinstance(decl, TheoremVal):
                ty, value = self.translate([decl.type, decl.value])
                # a theorem whose type is not a proposition is rejected, as by Lean's kernel
                # (``environment::add_theorem`` throws ``theorem_type_is_not_prop``)
                self.admit(TheoremDecl(name, lps, ty, value))
            else:
                ty, value = self.translate([decl.type, decl.value])
                # Lean's opaque constants never unfold: check the value, then declare the constant alone
                add_decl(self.env, DefinitionDecl(name, lps, ty, value, Reducibility.IRREDUCIBLE))
                self.admit(AxiomDecl(name, lps, ty))
        except _Skip as skip:
            self.verdict(decl, Status.SKIPPED, skip.message, line)
            return
        self.verdict(decl, Status.ACCEPTED, line=line)

    def admit(self, decl: Declaration) -> None:
        self.env = add_decl(self.env, decl)

    # -- inductive blocks -----------------------------------------------------------------------

    def inductive_block(self, block: InductiveBlock, line: int) -> None:
        everything: list[ConstantVal] = [*block.types, *block.ctors, *block.recs]
        if not block.types:
            self.all_verdict(everything, Status.REJECTED, "an inductive block without an inductive type", line)
            return
        names = [self.name(t.name) for t in block.types]
        if len(block.types) > 1 or any(len(t.all) > 1 for t in block.types):
            group = sorted({*names, *(self.name(n) for t in block.types for n in t.all)})
            self.all_verdict(everything, Status.DECLINED, f"a mutual inductive block ({', '.join(group)})", line,
                             "mutual inductive")
            return
        ind = block.types[0]
        name = names[0]
        if ind.num_nested:
            self.all_verdict(everything, Status.DECLINED, f"'{name}' is a nested inductive type "
                             f"(numNested = {ind.num_nested})", line, "nested inductive")  # fmt: skip
            return
        if ind.is_unsafe or any(c.is_unsafe for c in block.ctors) or any(r.is_unsafe for r in block.recs):
            self.all_verdict(everything, Status.DECLINED, "an unsafe inductive declaration", line, "unsafe")
            return
        try:
            self._inductive(block, ind, name, line)
        except _Skip as skip:
            self.all_verdict(everything, Status.SKIPPED, skip.message, line)
        except Declined as err:
            self.all_verdict(everything, Status.DECLINED, err.message, line, err.feature)
        except KernelLimitError as err:
            self.all_verdict(everything, Status.DECLINED, err.message, line, "kernel limit")
        except (Rejected, KernelError) as err:
            self.verdict(ind, Status.REJECTED, err.message, line)
            self.all_verdict([*block.ctors, *block.recs], Status.SKIPPED, f"part of the rejected inductive '{name}'",
                             line)

    def _inductive(self, block: InductiveBlock, ind: InductiveVal, name: str, line: int) -> None:
        lps = tuple(self.name(p) for p in ind.level_params)
        listed = [self.name(c) for c in ind.ctors]
        given = [self.name(c.name) for c in block.ctors]
        if listed != given:
            raise Rejected(f"its constructors are [{', '.join(listed)}] but the block declares [{', '.join(given)}]")
        for ctor in block.ctors:
            cname = self.name(ctor.name)
            if self.name(ctor.induct) != name:
                raise Rejected(f"constructor '{cname}' names '{self.name(ctor.induct)}' as its inductive type")
            if tuple(self.name(p) for p in ctor.level_params) != lps:
                raise Rejected(f"constructor '{cname}' has universe parameters different from its inductive type's")
        own = [name, *given, *(self.name(r.name) for r in block.recs)]
        ty, *ctor_types = self.translate([ind.type, *(c.type for c in block.ctors)], own)
        nested = nested_occurrence(self.env, name, ctor_types)
        if nested is not None:
            raise Declined("nested inductive", f"'{name}' occurs nested in '{nested}' in a constructor "
                                               "(numNested is 0: a nested inductive type exported as plain)")
        decl = InductiveDecl(name, lps, ty, ind.num_params, tuple(zip(given, ctor_types, strict=True)))
        extended = add_decl(self.env, decl)
        info = extended.find(name)
        assert isinstance(info, InductiveInfo)
        # what Lean derives and the export records must be what the kernel derived
        derived = (("numIndices", ind.num_indices, info.num_indices), ("isRec", ind.is_rec, info.is_recursive),
                   ("isReflexive", ind.is_reflexive, is_reflexive(name, ctor_types)))  # fmt: skip
        for label, exported, expected in derived:
            if exported != expected:
                raise Rejected(f"{label} is {_show(exported)} but the kernel derives {_show(expected)}")
        if tuple(self.name(n) for n in ind.all) != (name,):
            raise Rejected(f"'all' must be [{name}]")
        ctor_problem: tuple[ConstructorVal, str] | None = None
        for i, ctor in enumerate(block.ctors):
            cinfo = extended.find(given[i])
            assert isinstance(cinfo, ConstructorInfo)
            for label, exported_n, expected_n in (("cidx", ctor.cidx, i), ("numParams", ctor.num_params,
                                                  cinfo.num_params), ("numFields", ctor.num_fields, cinfo.num_fields)):
                if exported_n != expected_n and ctor_problem is None:
                    ctor_problem = (ctor, f"{label} is {exported_n} but the kernel derives {expected_n}")
        if ctor_problem is not None:
            bad, reason = ctor_problem
            self.verdict(bad, Status.REJECTED, reason, line)
            block_consts: list[ConstantVal] = [ind, *block.ctors, *block.recs]
            others = [c for c in block_consts if c is not bad]
            self.all_verdict(others, Status.SKIPPED, f"declared with the rejected constructor '{self.name(bad.name)}'",
                             line)
            return
        self.env = extended
        self.verdict(ind, Status.ACCEPTED, line=line)
        for ctor in block.ctors:
            self.verdict(ctor, Status.ACCEPTED, line=line)
        ours = extended.find(name + ".rec")
        assert isinstance(ours, RecursorInfo)
        for rec in block.recs:
            self.recursor(rec, ours, own, line)

    def recursor(self, rec: RecursorVal, ours: RecursorInfo, own: list[str], line: int) -> None:
        try:
            rec_type, *rhss = self.translate([rec.type, *(r.rhs for r in rec.rules)], own)
            theirs = ExportedRecursor(
                self.name(rec.name), tuple(self.name(p) for p in rec.level_params), rec_type,
                tuple(self.name(n) for n in rec.all), rec.num_params, rec.num_indices, rec.num_motives,
                rec.num_minors,
                tuple(ExportedRule(self.name(r.ctor), r.nfields, rhs) for r, rhs in zip(rec.rules, rhss, strict=True)),
                rec.k,
            )
            problem = compare_recursor(ours, theirs, identity_annotations(self.env))
        except _Skip as skip:
            self.verdict(rec, Status.SKIPPED, skip.message, line)
            return
        except (Rejected, Declined, KernelError) as err:
            problem = err.message
        if problem is None:
            self.verdict(rec, Status.ACCEPTED, line=line)
        else:
            self.verdict(rec, Status.REJECTED, f"not the recursor the kernel generates: {problem}", line)


class _Skip(TacticMeshError):
    """The declaration mentions a constant that was not admitted."""


def _show(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
