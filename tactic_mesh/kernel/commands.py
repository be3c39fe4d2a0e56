"""Processing ``.tm`` files: declarations are elaborated, then admitted by the kernel.

Each command yields a ``CommandResult`` (ok or error with ``file:line:col``); an error in one
declaration does not stop the following ones.  ``sorry`` is rejected unless explicitly allowed, and
every theorem's axioms are computed so that ``--forbid-axioms`` can reject smuggled ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tactic_mesh.kernel.declarations import (
    SORRY,
    CommandResult,
    Options,
    PosSyntax,
    axioms_of,
    used_levels,
)
from tactic_mesh.kernel.elab_core import (
    EXT_INSTANCES,
    classes,
    instances,
)
from tactic_mesh.kernel.environment import (
    AxiomDecl,
    Declaration,
    DefinitionDecl,
    Reducibility,
    TheoremDecl,
)
from tactic_mesh.kernel.errors import ElabError, Location, TacticMeshError
from tactic_mesh.kernel.expr import (
    Expr,
    Lam,
    Pi,
    const_name,
    get_app_fn_args,
)
from tactic_mesh.kernel.printer import Printer
from tactic_mesh.kernel.reduce import normalize
from tactic_mesh.kernel.structures import InductiveCommands
from tactic_mesh.kernel.syntax import (
    AxiomCmd,
    ByBlock,
    CheckCmd,
    Command,
    DefCmd,
    Ident,
    InductiveCmd,
    InstanceCmd,
    PrintAxiomsCmd,
    ReduceCmd,
    StructureCmd,
    TheoremCmd,
    UniverseCmd,
    parse_file,
)


class FileChecker(InductiveCommands):
    """Checks the commands of one or more files against a growing environment."""

    def check_text(
        self, text: str, filename: str, on_parsed: Callable[[int], None] | None = None,
        on_result: Callable[[CommandResult], None] | None = None,
    ) -> list[CommandResult]:
        """Check every command of ``text``; ``on_parsed(n)`` and ``on_result(r)`` report progress."""
        try:
            commands = parse_file(text, filename)
        except TacticMeshError as err:
            loc = err.loc or Location(filename, 1, 1)
            return [CommandResult("syntax", "", False, err.message, loc)]
        if on_parsed is not None:
            on_parsed(len(commands))
        results: list[CommandResult] = []
        for cmd in commands:
            results.append(self.run(cmd, filename))
            if on_result is not None:
                on_result(results[-1])
        return results

    def check_file(
        self, path: str | Path, on_parsed: Callable[[int], None] | None = None,
        on_result: Callable[[CommandResult], None] | None = None,
    ) -> list[CommandResult]:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            return [CommandResult("file", str(p), False, f"cannot read file: {err}", Location(str(p), 1, 1))]
        return self.check_text(text, str(p), on_parsed, on_result)

    def run(self, cmd: Command, filename: str) -> CommandResult:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        kind, name = _describe(cmd)
        saved_env, saved_universes = self.env, list(self.universes)
        failure: CommandResult | None = None
        try:
            axioms, output = self._run(cmd, filename)
        except TacticMeshError as err:
            failure = CommandResult(kind, name, False, err.message, err.loc or loc)
        except RecursionError:
            failure = CommandResult(kind, name, False, "term nested too deeply for the checker", loc)
        except MemoryError:
            failure = CommandResult(kind, name, False, "out of memory while checking this command", loc)
        except Exception as err:  # a bug of ours: report it at the command, never as a traceback
            if os.environ.get("TACTIC_MESH_DEBUG"):
                raise
            message = f"internal error ({type(err).__name__}: {err}); set TACTIC_MESH_DEBUG=1 for a traceback"
            failure = CommandResult(kind, name, False, message, loc)
        if failure is not None:
            # a command is atomic: nothing of a failed one stays in the environment
            self.env, self.universes = saved_env, saved_universes
            return failure
        return CommandResult(kind, name, True, "ok", loc, axioms, output)

    def _run(self, cmd: Command, filename: str) -> tuple[tuple[str, ...], str]:
        if isinstance(cmd, UniverseCmd):
            self.universes.extend(n for n in cmd.names if n not in self.universes)
            return (), ""
        if isinstance(cmd, CheckCmd):
            term = cmd.term
            if isinstance(term, Ident) and term.levels is None and term.name in self.env:
                # a constant: show its declared type with its universe parameters (like Lean)
                info = self.env.find(term.name)
                assert info is not None
                params = f".{{{', '.join(info.level_params)}}}" if info.level_params else ""
                printer = Printer(self.env)
                return (), f"{info.name}{params} : {printer.print(info.type)}"
            el = self.elaborator(filename)
            e = el.elab(cmd.term, None)
            el.synthesize_pending()
            ty = el.infer(e)
            return (), f"{el.show(e)} : {el.show(ty)}"
        if isinstance(cmd, ReduceCmd):
            el = self.elaborator(filename)
            e = el.elab(cmd.term, None)
            el.synthesize_pending()
            e = el.instantiate(e)
            if e.has_mvar:
                raise el.error("cannot reduce a term with unsolved holes", cmd.term.pos)
            return (), el.show(normalize(self.env, e))
        if isinstance(cmd, PrintAxiomsCmd):
            if cmd.name not in self.env:
                raise ElabError(f"unknown constant '{cmd.name}'", Location(filename, cmd.pos.line, cmd.pos.col))
            axioms = axioms_of(self.env, cmd.name)
            return axioms, f"'{cmd.name}' depends on axioms: [{', '.join(axioms)}]"
        if isinstance(cmd, (TheoremCmd, DefCmd, AxiomCmd)):
            return self.declaration(cmd, filename)
        if isinstance(cmd, InductiveCmd):
            self.inductive(cmd, filename)
            return (), ""
        if isinstance(cmd, StructureCmd):
            self.structure(cmd, filename)
            return (), ""
        if isinstance(cmd, InstanceCmd):
            return self.instance(cmd, filename)
        raise ElabError(f"unsupported command {type(cmd).__name__}")  # pragma: no cover

    def declaration(self, cmd: TheoremCmd | DefCmd | AxiomCmd, filename: str) -> tuple[tuple[str, ...], str]:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        name = cmd.header.name
        self.declaring = name  # for a tactic runner that wants to know which declaration it proves
        env_before = self.env
        if name in self.env:
            raise ElabError(f"'{name}' has already been declared", loc)
        el = self.elaborator(filename)
        xs = self.header(el, cmd.header)
        type_stx = cmd.type
        value: Expr | None = None
        if type_stx is not None:
            ty = el.elab_type(type_stx)
        else:
            ty = None
        by_block = cmd.value if not isinstance(cmd, AxiomCmd) and isinstance(cmd.value, ByBlock) else None
        if not isinstance(cmd, AxiomCmd) and by_block is None:
            value = el.elab(cmd.value, ty)
            if ty is None:
                ty = el.infer(value)
        if ty is None:
            raise ElabError(f"'{name}': a tactic proof needs a stated type", loc)
        full_type = self.finish(
            el, el.close(Pi, xs, ty), "the statement", type_stx if type_stx is not None else PosSyntax(loc)
        )
        if isinstance(cmd, AxiomCmd):
            self.admit(AxiomDecl(name, used_levels(el, [full_type]), full_type), loc)
            return (), ""
        if by_block is not None:
            if self.tactic_runner is None:
                raise ElabError("tactic proofs (`by`) need the tactic calculus, which is not plugged in", loc)
            statement_levels = used_levels(el, [full_type])
            full_value = self.tactic_runner(
                self.env, full_type, statement_levels, [x[0] for x in xs], by_block.text,
                by_block.pos.line, by_block.pos.col, filename,
            )
        else:
            assert value is not None
            full_value = self.finish(el, el.close(Lam, xs, value), "the proof" if isinstance(cmd, TheoremCmd)
                                     else "the definition", cmd.value)
        levels = used_levels(el, [full_type, full_value])
        decl: Declaration
        if isinstance(cmd, TheoremCmd):
            decl = TheoremDecl(name, levels, full_type, full_value)
        else:
            reducibility = Reducibility.ABBREV if cmd.abbrev else Reducibility.REGULAR
            if "reducible" in cmd.header.attributes:
                reducibility = Reducibility.ABBREV
            if "irreducible" in cmd.header.attributes:
                reducibility = Reducibility.IRREDUCIBLE
            decl = DefinitionDecl(name, levels, full_type, full_value, reducibility)
        self.admit(decl, loc)
        axioms = axioms_of(self.env, name)
        if isinstance(cmd, TheoremCmd):
            self.check_axioms(name, axioms, loc)
            if self.theorem_hook is not None and isinstance(decl, TheoremDecl):
                self.theorem_hook(name, env_before, decl, by_block is not None, loc)
        self.record_attributes(name, cmd.header.attributes)
        return axioms, ""

    def instance(self, cmd: InstanceCmd, filename: str) -> tuple[tuple[str, ...], str]:
        loc = Location(filename, cmd.pos.line, cmd.pos.col)
        el = self.elaborator(filename)
        xs = el.elab_binders(cmd.binders)
        ty = el.elab_type(cmd.type)
        cls = const_name(el.whnf(ty))
        if cls is None or cls not in classes(self.env):
            raise el.error(f"instance type {el.show(ty)} is not a class", cmd.type.pos)
        value = el.elab(cmd.value, ty)
        name = cmd.name or _instance_name(cls, el.instantiate(ty))
        if name in self.env:
            raise ElabError(f"'{name}' has already been declared", loc)
        full_type = self.finish(el, el.close(Pi, xs, ty), "the instance type", cmd.type)
        full_value = self.finish(el, el.close(Lam, xs, value), "the instance", cmd.value)
        levels = used_levels(el, [full_type, full_value])
        decl = DefinitionDecl(name, levels, full_type, full_value, Reducibility.ABBREV)
        self.admit(decl, loc)
        self.env = self.env.with_extension(EXT_INSTANCES, (*instances(self.env), (name, cls)))
        return axioms_of(self.env, name), ""




def _instance_name(cls: str, ty: Expr) -> str:
    parts = [cls.replace(".", "")]
    for arg in get_app_fn_args(ty)[1]:
        head = const_name(arg)
        if head is not None:
            parts.append(head.replace(".", ""))
    return "inst" + "".join(parts)


def _describe(cmd: Command) -> tuple[str, str]:
    if isinstance(cmd, TheoremCmd):
        return "theorem", cmd.header.name
    if isinstance(cmd, DefCmd):
        return ("abbrev" if cmd.abbrev else "def"), cmd.header.name
    if isinstance(cmd, AxiomCmd):
        return "axiom", cmd.header.name
    if isinstance(cmd, InductiveCmd):
        return "inductive", cmd.header.name
    if isinstance(cmd, StructureCmd):
        return ("class" if cmd.is_class else "structure"), cmd.header.name
    if isinstance(cmd, InstanceCmd):
        return "instance", cmd.name or ""
    if isinstance(cmd, CheckCmd):
        return "#check", ""
    if isinstance(cmd, ReduceCmd):
        return "#reduce", ""
    if isinstance(cmd, PrintAxiomsCmd):
        return "#print axioms", cmd.name
    if isinstance(cmd, UniverseCmd):
        return "universe", " ".join(cmd.names)
    return type(cmd).__name__, ""


__all__ = ["SORRY", "CommandResult", "FileChecker", "Options", "axioms_of"]
