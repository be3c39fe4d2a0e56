"""The Lean-like tactic layer as a tree: ``by`` blocks split into ``TacticCall`` nodes.

A block is a sequence of tactics separated by newlines or ``;`` outside brackets (a term that
spans lines must be inside brackets).  Each tactic is a name and its argument text; tacticals and
blocks carry their tactics as ``children``:

* blocks: ``· t…``, ``focus t…``, ``case tag x… => t…``, ``next x… => t…`` — the rest of the
  line and the lines indented further; ``induction x with`` / ``cases x with`` — its alternatives
  ``| c x… => t…`` (which may sit at its own column, as in Lean);
* tacticals over one sequence: ``try``, ``repeat``, ``once``, ``all_goals``, ``any_goals`` — the
  argument, brackets optional (``try (simp; rfl)``);
* tacticals over alternatives: ``first | t | u``, ``solve | …``, ``interleave | …``, ``t <|> u``,
  ``t orelse u``, ``t <;> u`` — one ``|`` child (with an empty argument) per alternative.

The tree is what the compiler (``tactic_block``), the typing judgment and the DSL printer share.
"""

from __future__ import annotations

import attrs

from tactic_mesh.kernel.errors import Location, TacticMeshError

SEQUENCE_TACTICALS = ("try", "repeat", "once", "all_goals", "any_goals")
ALTERNATIVE_TACTICALS = ("first", "solve", "interleave")
COMBINATORS = ("<;>", "<|>", "orelse")  # infix: `t <;> u`, `t <|> u`, `t orelse u`
BLOCKS = ("·", "focus", "case", "next", "|")


@attrs.frozen
class TacticCall:
    name: str
    arg: str
    line: int  # 1-based, in the file (0: unknown)
    col: int
    children: tuple[TacticCall, ...] = ()  # the tactics of a block, tactical or alternative


class TacticError(TacticMeshError):
    pass


def top_level_split(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside brackets."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i += len(sep)
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def loc(call: TacticCall) -> Location:
    return Location("<tactic>", call.line, call.col)


def _alternative(text: str, line: int, col: int) -> TacticCall:
    return TacticCall("|", "", line, col, tuple(nested_tactics(text, line, col)))


def call_of(text: str, line: int, col: int) -> TacticCall:
    """One tactic (its tacticals parsed into children)."""
    for combinator in COMBINATORS:
        sep = " orelse " if combinator == "orelse" else combinator
        parts = top_level_split(text, sep)
        if len(parts) > 1:
            return TacticCall(combinator, "", line, col, tuple(_alternative(p, line, col) for p in parts))
    name, _, arg = text.partition(" ")
    arg = arg.strip()
    inner_col = col + len(name) + 1
    if name in SEQUENCE_TACTICALS:
        return TacticCall(name, "", line, col, tuple(nested_tactics(arg, line, inner_col, name)))
    if name in ALTERNATIVE_TACTICALS:
        alternatives = [a for a in top_level_split(f" {arg}", " |") if a]
        if not alternatives or not arg.startswith("|"):
            raise TacticError(f"{name}: expected `{name} | t₁ | t₂ …`", Location("<tactic>", line, col))
        return TacticCall(name, "", line, col, tuple(_alternative(a, line, inner_col) for a in alternatives))
    return TacticCall(name, arg, line, col)


def _merge_calc_steps(calls: list[TacticCall]) -> list[TacticCall]:
    """``_ = c := p`` lines continue the preceding ``calc``."""
    out: list[TacticCall] = []
    for call in calls:
        if call.name == "_" and out and out[-1].name == "calc":
            out[-1] = attrs.evolve(out[-1], arg=f"{out[-1].arg} ; _ {call.arg}")
        else:
            out.append(call)
    return out


def is_elim_with(call: TacticCall) -> bool:
    return call.name in ("induction", "cases") and (call.arg == "with" or call.arg.endswith(" with"))


def _opens_block(call: TacticCall) -> bool:
    """Tactics whose body is the rest of their line and the lines indented below them."""
    return (call.name in BLOCKS and not call.children) or is_elim_with(call)


def _head_and_rest(call: TacticCall) -> tuple[str, str, int]:
    """``case succ m ih => t``: the header (``succ m ih``), the first tactic of the body (``t``)
    and that tactic's column."""
    if call.name in ("·", "focus"):
        return "", call.arg, call.col + len(call.name) + 1
    if is_elim_with(call):
        return call.arg, "", call.col
    head, arrow, rest = call.arg.partition("=>")
    if not arrow:
        raise TacticError(f"{call.name}: expected `=>`", loc(call))
    offset = len(call.name) + 1 + len(head) + 2
    return head.strip(), rest.strip(), call.col + offset + (len(rest) - len(rest.lstrip()))


def _belongs(opener: TacticCall, call: TacticCall, alternative: TacticCall | None) -> bool:
    """Is ``call`` part of ``opener``'s body?  ``alternative``: the last ``| c =>`` of a ``with``."""
    if call.line == opener.line or call.col > opener.col:
        return True
    if is_elim_with(opener):  # its alternatives, and the lines indented under them
        return call.name == "|" or (alternative is not None and call.col > alternative.col)
    return False


def _group_blocks(calls: list[TacticCall]) -> list[TacticCall]:
    """Attach to each block opener the tactics of its body."""
    calls = _merge_calc_steps(calls)
    out: list[TacticCall] = []
    i = 0
    while i < len(calls):
        call = calls[i]
        if not _opens_block(call):
            out.append(call)
            i += 1
            continue
        head, rest, rest_col = _head_and_rest(call)
        body: list[TacticCall] = []
        if rest:
            body.append(call_of(rest, call.line, rest_col))
        j = i + 1
        alternative: TacticCall | None = None
        while j < len(calls) and _belongs(call, calls[j], alternative):
            if calls[j].name == "|":
                alternative = calls[j]
            body.append(calls[j])
            j += 1
        out.append(attrs.evolve(call, arg=head, children=tuple(_group_blocks(body))))
        i = j
    return out


def split_block(text: str, line: int, col: int) -> list[TacticCall]:
    """Split ``by …`` text (starting at ``line:col`` of the file) into tactic calls."""
    return split_tactics(text, line, col, text.index("by") + 2)


def split_tactics(text: str, line: int, col: int, start: int = 0) -> list[TacticCall]:
    """Tactic calls of ``text[start:]`` (``text`` starts at ``line:col`` of the file)."""
    calls: list[TacticCall] = []
    depth = 0

    def flush(end: int) -> None:
        chunk = text[start:end]
        stripped = chunk.strip()
        if not stripped or stripped.startswith("--"):
            return
        before = text[: start + len(chunk) - len(chunk.lstrip())]
        ln = line + before.count("\n")
        cl = len(before) - before.rfind("\n") if "\n" in before else col + len(before)
        calls.append(call_of(stripped, ln, cl))

    skip_to = -1
    for i, ch in enumerate(text):
        if i < start or i < skip_to:
            continue
        if ch == "-" and text.startswith("--", i):  # a comment runs to the end of the line
            end = text.find("\n", i)
            skip_to = len(text) if end < 0 else end
            continue
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth <= 0 and ch in "\n;":
            if ch == ";" and text[i - 1 : i] == "<" and text[i + 1 : i + 2] == ">":
                continue  # the `<;>` combinator, not a separator
            flush(i)
            start = i + 1
    flush(len(text))
    return _group_blocks(calls)


def _wrapped(text: str) -> bool:
    """``(…)`` where the first bracket closes at the end."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False


def nested_tactics(text: str, line: int, col: int, name: str = "") -> list[TacticCall]:
    """The tactic sequence given as an argument (``try (simp; rfl)``): brackets are optional."""
    body = text.strip()
    while _wrapped(body):
        body = body[1:-1].strip()
    calls = split_tactics(body, line, col)
    if not calls:
        raise TacticError(f"{name or 'tactical'}: a tactic is expected", Location("<tactic>", line, col))
    return calls
