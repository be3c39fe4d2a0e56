"""Parsers from cached grammar tables parse exactly as freshly built ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactic_mesh.kernel import disk_cache
from tactic_mesh.kernel.lark_cache import cached_lark

GRAMMAR = r"""
start: sum
sum: atom (OP atom)*
atom: NUMBER | "(" sum ")"
OP: "+" | "*"
%import common.NUMBER
%import common.WS
%ignore WS
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TACTIC_MESH_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TACTIC_MESH_NO_CACHE", raising=False)
    return tmp_path


def test_cached_parser_parses_the_same(cache: Path) -> None:
    from lark import Transformer

    class Count(Transformer):  # type: ignore[type-arg]
        def atom(self, c: list[object]) -> str:
            return "a"

    fresh = cached_lark("g", GRAMMAR, propagate_positions=True, transformer=Count())
    assert (cache / "g.cache").exists()
    loaded = cached_lark("g", GRAMMAR, propagate_positions=True, transformer=Count())
    assert loaded is not fresh
    for text in ("1", "1 + (2 * 3)", "((4))+5*6"):
        assert loaded.parse(text) == fresh.parse(text)
    from lark.exceptions import UnexpectedInput

    for bad in ("1 +", "(", "x"):
        with pytest.raises(UnexpectedInput) as a:
            fresh.parse(bad)
        with pytest.raises(UnexpectedInput) as b:
            loaded.parse(bad)
        assert (a.value.line, a.value.column) == (b.value.line, b.value.column)


def test_grammar_and_options_key_the_entry(cache: Path) -> None:
    cached_lark("g", GRAMMAR)
    other = cached_lark("g", GRAMMAR.replace('"*"', '"-"'))  # same name, another grammar: rebuilt
    assert other.parse("1 - 2") is not None


def test_damaged_entry_falls_back_to_building(cache: Path) -> None:
    cached_lark("g", GRAMMAR)
    entry = cache / "g.cache"
    data = entry.read_bytes()
    entry.write_bytes(data[:-20])
    assert cached_lark("g", GRAMMAR).parse("1 + 2") is not None
    key = data.split(b'"key": "')[1].split(b'"')[0].decode()
    assert disk_cache.read("g", key) is not None  # rewritten intact
    disk_cache.write("g", key, b"\x80\x05not a pickle")  # intact digest, unreadable payload
    assert cached_lark("g", GRAMMAR).parse("1 * 2") is not None


def test_term_parser_from_cache_matches_source(cache: Path) -> None:
    from tactic_mesh.kernel import syntax
    from tactic_mesh.kernel.prelude import prelude_text

    text = prelude_text()
    syntax._parser.cache_clear()
    try:
        assert not (cache / "parser-syntax-start.cache").exists()
        built = syntax.parse_file(text, "<prelude>")  # tables built from the grammar, then stored
        assert (cache / "parser-syntax-start.cache").exists()
        syntax._parser.cache_clear()
        loaded = syntax.parse_file(text, "<prelude>")  # tables read back
    finally:
        syntax._parser.cache_clear()  # later tests build theirs in their own cache directory
    assert len(built) > 50 and loaded == built
