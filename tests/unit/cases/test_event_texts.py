"""Timeline entries are written in the reader's language from the event's kind and data (issue 23): every kind the
code records has its own sentence in templates/cases/_event_text.html, so the stored summary (in the language of
whoever acted) is never what another reader sees. Read from the sources, so a new kind without a sentence fails."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "templates" / "cases" / "_event_text.html"
# Kinds the code builds from a value, and the kinds they can be.
BUILT = {"promise_{status}": {"promise_kept", "promise_broken"}, "conversation_{side}": {"conversation_creditor", "conversation_agency"}}


def literal(node: ast.AST, assigned: dict[str, list[ast.AST]]) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return literal(node.body, assigned) | literal(node.orelse, assigned)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}" for v in node.values)
        assert pattern in BUILT, f"an event kind built as {pattern!r}: list what it can be in BUILT"
        return BUILT[pattern]
    if isinstance(node, ast.Name) and node.id in assigned:
        return set().union(*(literal(v, assigned) for v in assigned[node.id]))
    raise AssertionError(f"an event kind this test cannot read: {ast.unparse(node)}")


def recorded_kinds() -> dict[str, str]:
    """kind -> where it is recorded, from every call to events.record / event_row."""
    kinds: dict[str, str] = {}
    for package in ("agency", "cases", "legal"):
        for path in (ROOT / package).rglob("*.py"):
            if "piccolo_migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                assigned: dict[str, list[ast.AST]] = {}
                for node in ast.walk(function):
                    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                        assigned.setdefault(node.targets[0].id, []).append(node.value)
                for node in ast.walk(function):
                    if not isinstance(node, ast.Call) or len(node.args) < 2:
                        continue
                    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    if name in ("record", "event_row"):
                        for kind in literal(node.args[1], assigned):
                            kinds.setdefault(kind, f"{path.relative_to(ROOT)}:{node.lineno}")
    return kinds


def written_kinds() -> set[str]:
    text = TEMPLATE.read_text(encoding="utf-8")
    return set(re.findall(r'e\.kind == "([a-z_]+)"', text))


def test_the_sources_record_events():
    kinds = recorded_kinds()
    assert {"payment", "stage_changed", "contact", "filing"} <= set(kinds)


def test_every_recorded_kind_is_written_in_the_readers_language():
    missing = {kind: where for kind, where in recorded_kinds().items() if kind not in written_kinds()}
    assert not missing, f"event kinds with no sentence in {TEMPLATE.name}: {missing}"
