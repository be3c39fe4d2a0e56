"""``tactic-mesh fmt``: the canonical layout of tactic text, never at the cost of a character of it.

Two kinds of files:

* ``.tm`` — every ``by`` block (the proof of a ``theorem``, found by the file parser as the
  checker finds it) is re-printed by ``print_tactics``: ``by`` ends its line, one tactic per line
  two columns right of the declaration, blocks indented by 2, tactic arguments verbatim.  Nothing
  else of the file changes: the declaration header, the text between declarations and the blank
  lines and comments after a block's last tactic (they belong to what follows) are kept as they
  are.  A comment line inside a block stays before the tactic it precedes (re-indented), a
  comment after ``by`` stays there.  A block whose comments cannot be kept that way (a comment
  between calc steps, after a ``;``, inside a bracketed tactic sequence, a ``/- … -/`` comment) is
  left as it is, with a message saying why.
* ``.tac`` — a DSL program (``codecs/dsl.py``), parsed and re-printed by ``print_program``.  The
  DSL printer does not keep comments, so a file with comments is left as it is, with a message.

Every change is checked before it is made: the formatted text must read back as the same tactic
trees (up to source positions), with the same comments, the same declarations, the same program.
"""

from __future__ import annotations

import bisect
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from tactic_mesh.calculus.tactic_syntax import (
    TacticCall,
    TacticError,
    TacticPrinter,
    chunk_spans,
    erase_positions,
    is_block,
    render_lines,
    same_tactics,
    split_tactics,
    text_position,
    text_positions,
)
from tactic_mesh.codecs.dsl import parse_program, print_program, program_comments
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.kernel.syntax import ByBlock, parse_file

__all__ = ["EXTENSIONS", "FormatError", "Formatted", "format_paths", "format_source", "format_text"]

EXTENSIONS = (".tm", ".tac")
BLOCK_INDENT = 2  # tactic lines start this many columns right of their declaration


class FormatError(TacticMeshError):
    """The file cannot be formatted (it does not parse, or formatting would lose text)."""


@attrs.frozen
class Formatted:
    text: str  # the formatted text
    problems: tuple[str, ...] = ()  # blocks left as they were, and why (``file:line:col: …``)


class _Refused(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def format_source(text: str, filename: str) -> Formatted:
    """Format ``text`` (the kind of file is told by ``filename``'s extension).  Blocks that cannot
    be formatted safely are left unchanged and listed in ``problems``; ``FormatError`` when the
    file as a whole cannot be formatted."""
    if "\r" in text:
        raise FormatError("carriage returns (CRLF line endings) are not supported by fmt", Location(filename, 1, 1))
    if filename.endswith(".tm"):
        return _format_tm(text, filename)
    if filename.endswith(".tac"):
        return Formatted(_format_tac(text, filename))
    raise FormatError(f"fmt formats {' and '.join(EXTENSIONS)} files only", Location(filename, 1, 1))


def format_text(text: str, filename: str) -> str:
    """The formatted text (blocks that cannot be formatted safely left as written, see
    ``format_source``); ``FormatError`` when the file as a whole cannot be formatted."""
    return format_source(text, filename).text


# ---------------------------------------------------------------------------------------------
# .tm files
# ---------------------------------------------------------------------------------------------


def _format_tm(text: str, filename: str) -> Formatted:
    try:
        commands = parse_file(text, filename)
    except TacticMeshError as err:
        raise FormatError(f"cannot format a file that does not parse: {err.message}", err.loc) from None
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
    pieces: list[str] = []
    problems: list[str] = []
    done = 0
    for cmd in commands:
        block = getattr(cmd, "value", None)
        if not isinstance(block, ByBlock):
            continue
        line, col = block.pos.line, block.pos.col
        offset = line_starts[line - 1] + col - 1
        if text[offset : offset + len(block.text)] != block.text:  # pragma: no cover - parser positions
            problems.append(f"{filename}:{line}:{col}: cannot find the by block in the text; left unchanged")
            continue
        decl_line = text[line_starts[cmd.pos.line - 1] :].split("\n", 1)[0] if cmd.pos.line else ""
        indent = len(decl_line) - len(decl_line.lstrip(" ")) + BLOCK_INDENT
        try:
            new = _format_block(block.text, line, col, indent)
        except _Refused as refused:
            problems.append(f"{filename}:{refused.line}:{refused.col}: {refused.message}; by block left unchanged")
            continue
        pieces += [text[done:offset], new]
        done = offset + len(block.text)
    pieces.append(text[done:])
    out = "".join(pieces)
    if out != text:
        _check_same_file(text, out, filename)
    return Formatted(out, tuple(problems))


def _comments(text: str) -> list[str]:
    """Every ``--`` to the end of its line (inside strings too, as the tactic splitter sees it)."""
    return [c.rstrip() for c in re.findall(r"--[^\n]*", text)]


def _format_block(text: str, line: int, col: int, indent: int) -> str:
    """The canonical text of the by block ``text`` (``by …`` starting at ``line:col``), its
    tactic lines at column ``indent`` (0-based)."""
    def where(offset: int) -> tuple[int, int]:
        return text_position(text, offset, line, col)  # (for messages: one position)

    try:
        calls = split_tactics(text, line, col, 2)
    except TacticError as err:
        at = err.loc
        raise _Refused(err.message, at.line, at.col) if at is not None else _Refused(err.message, line, col) from None
    except RecursionError:
        raise _Refused("tactics nested too deeply", line, col) from None
    if not calls:
        return text
    spans = chunk_spans(text, 2)
    tactic_spans = [(b, e) for b, e in spans if not text.startswith("--", b)]
    last_end = tactic_spans[-1][1]
    if "/-" in text[:last_end]:
        raise _Refused("a `/- … -/` comment inside the block", *where(text.index("/-")))
    newline = text.find("\n", last_end)
    rest_of_line = text[last_end : len(text) if newline < 0 else newline]
    if rest_of_line.strip(" \t;"):
        skipped = len(rest_of_line) - len(rest_of_line.lstrip(" \t;"))
        raise _Refused("a comment after `;` on a tactic line", *where(last_end + skipped))
    trailer = "" if newline < 0 else text[newline:]  # blank lines and comments before what follows

    span_position = dict(zip(
        [b for b, _ in spans], text_positions(text, [b for b, _ in spans], line, col), strict=True
    ))
    at_position: dict[tuple[int, int], TacticCall] = {}
    stack = list(reversed(calls))
    while stack:  # outermost first: a block and its first tactic may start at the same place
        call = stack.pop()
        at_position.setdefault((call.line, call.col), call)
        stack.extend(reversed(call.children))
    notes: dict[int, str] = {}  # `· -- note`, `case c => -- note`: a comment ends a block's first line
    for begin, end in tactic_spans:
        opener = at_position.get(span_position[begin])
        chunk = text[begin:end]
        if opener is not None and is_block(opener) and "--" in chunk and (
            not opener.children or opener.children[0].line != opener.line
        ):
            notes[id(opener)] = chunk[chunk.index("--") :].rstrip()
    comments: dict[int, list[str]] = {}
    tactic_begins = [b for b, _ in tactic_spans]
    head = "by"
    for begin, end in spans:
        if begin >= last_end or not text.startswith("--", begin):
            continue
        comment = text[begin:end].rstrip()
        line_start = text.rfind("\n", 0, begin) + 1
        before = text[line_start:begin]
        if line_start == 0 and before.strip() == "by":  # `by -- comment`
            head = f"by {comment}"
            continue
        if before.strip():
            raise _Refused("a comment after `;` on a tactic line", *where(begin))
        following = tactic_begins[bisect.bisect_right(tactic_begins, begin)]  # a tactic follows: begin < last_end
        target = at_position.get(span_position[following])
        if target is None:  # e.g. between the steps of a calc
            raise _Refused("a comment that is not before a tactic", *where(begin))
        comments.setdefault(id(target), []).append(comment)

    printer = TacticPrinter(comments, notes)
    new = head + "\n" + render_lines(printer.seq(calls, indent)) + trailer
    try:
        same = same_tactics(split_tactics(new, line, col, 2), calls)
    except (TacticError, RecursionError):
        same = False
    if not same:
        raise _Refused("the canonical text would not read back as the same tactics", line, col)
    old_comments, new_comments = _comments(text), _comments(new)
    if old_comments != new_comments:
        lost = next((c for c in old_comments if c not in new_comments), None)
        place = where(text.index(lost)) if lost is not None else (line, col)
        raise _Refused("a comment fmt cannot place (inside a bracketed tactic sequence?)", *place)
    return new


def _tree(block: ByBlock) -> object:
    """The tactic tree of a by block without positions, or its error message."""
    try:
        return erase_positions(split_tactics(block.text, block.pos.line, block.pos.col, 2))
    except TacticError as err:
        return err.message
    except RecursionError:
        return "too deep"


def _check_same_file(old: str, new: str, filename: str) -> None:
    """The formatted file has the same declarations, the same tactic trees and comments."""
    def blank(cmd: object) -> object:
        value = getattr(cmd, "value", None)
        return attrs.evolve(cmd, value=ByBlock("")) if isinstance(value, ByBlock) else cmd  # type: ignore[misc]

    try:
        before, after = parse_file(old, filename), parse_file(new, filename)
        ok = len(before) == len(after) and Counter(_comments(old)) == Counter(_comments(new))
    except TacticMeshError:
        before, after, ok = [], [], False
    for a, b in zip(before, after, strict=False):
        if not ok:
            break
        ok = blank(a) == blank(b)
        va, vb = getattr(a, "value", None), getattr(b, "value", None)
        if ok and isinstance(va, ByBlock) and isinstance(vb, ByBlock):
            ok = _tree(va) == _tree(vb)
    if not ok:  # pragma: no cover - each block is checked already
        raise FormatError(
            "formatting would change the file's declarations; file left unchanged", Location(filename, 1, 1)
        )


# ---------------------------------------------------------------------------------------------
# .tac files
# ---------------------------------------------------------------------------------------------


def _format_tac(text: str, filename: str) -> str:
    term = parse_program(text, filename)  # DslError is a TacticMeshError: reported as is
    out = print_program(term) + "\n"
    lost = Counter(program_comments(text)) - Counter(program_comments(out))
    if lost:
        first = next(c for c in program_comments(text) if c in lost)
        offset = text.find(first)
        line = text.count("\n", 0, offset) + 1
        col = offset - text.rfind("\n", 0, offset)
        raise FormatError(
            "the program has comments, which the DSL printer does not keep; file left unchanged",
            Location(filename, line, col),
        )
    if parse_program(out, filename) != term:  # pragma: no cover - parse(print(t)) == t
        raise FormatError("the printed program would not read back; file left unchanged", Location(filename, 1, 1))
    return out


# ---------------------------------------------------------------------------------------------
# files and directories
# ---------------------------------------------------------------------------------------------


def _files(paths: Iterable[str | os.PathLike[str]], missing: list[tuple[str, bool, str | None]]) -> Iterator[Path]:
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = [
                p for ext in EXTENSIONS for p in path.rglob(f"*{ext}")
                if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                           for part in p.relative_to(path).parts)
            ]
            yield from sorted(found)
        elif path.is_file():
            yield path
        else:
            missing.append((str(path), False, "no such file or directory"))


def format_paths(
    paths: Iterable[str | os.PathLike[str]], check: bool = False
) -> list[tuple[str, bool, str | None]]:
    """Format the given files and the ``.tm``/``.tac`` files under the given directories.  One
    ``(path, changed, error)`` per file: ``changed`` — the file is not in canonical form (with
    ``check`` it is left as it is, else it is rewritten); ``error`` — why it, or some of its
    blocks, could not be formatted (``None`` when all is well)."""
    results: list[tuple[str, bool, str | None]] = []
    for path in _files(paths, results):
        try:
            with open(path, encoding="utf-8", newline="") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as err:
            results.append((str(path), False, f"{path}: cannot read file: {err}"))
            continue
        try:
            formatted = format_source(text, str(path))
        except TacticMeshError as err:
            results.append((str(path), False, str(err)))
            continue
        changed = formatted.text != text
        error = "\n".join(formatted.problems) or None
        if changed and not check:
            try:
                _write(path, formatted.text)
            except OSError as err:
                error = f"{path}: cannot write file: {err}"
        results.append((str(path), changed, error))
    return results


def _write(path: Path, text: str) -> None:
    """Replace the file's content at once (a crash leaves the old file or the new one)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fmt", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
