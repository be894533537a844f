"""The zh-CN message catalog covers every English msgid in the code and templates, placeholders intact.

Msgids are found the way ``babel.cfg`` says: its keyword map names the calls whose argument is a msgid.
Templates are read with Babel's Jinja2 extractor. Python is read with :mod:`ast` using the same keyword map,
because Babel's token-based Python extractor misses calls inside f-strings (before Python 3.12) and loses the
outer message when a keyword call is nested in another (``InvalidInput("...", errors=[FieldError(...)])``).
Msgids that are not literal call arguments are imported from the code (role labels, error titles, navigation,
standards messages) or listed here (audit words).
"""

from __future__ import annotations

import ast
import string
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tongban import i18n
from tongban.identity.policy import ROLE_LABELS
from tongban.standards import MESSAGES_EN, MESSAGES_ZH
from tongban.web.errors import _TITLES
from tongban.catalog.workbook import IMPORT_MESSAGES_ZH
from tongban.web.render import FIELD_LABELS, NAV

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "tongban"
CATALOG = SRC / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"

# Words stored in audit records and shown through ``_(r.outcome)``, ``_(r.actor_kind)``, ``_(problem.kind)``.
AUDIT_WORDS = {
    "allowed", "denied", "failed",  # outcomes
    "user", "client", "system", "anonymous",  # actor kinds
    "altered", "deleted", "inserted", "reordered",  # chain break kinds
}


@cache
def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict]]:
    with (ROOT / "babel.cfg").open() as fh:
        return parse_mapping_cfg(fh, "babel.cfg")


def _python_keywords() -> dict[str, int]:
    """Call name → 1-based position of the msgid argument, from babel.cfg's python section."""
    method_map, options_map = _mapping()
    pattern = next(p for p, method in method_map if method == "python")
    positions = {}
    for name, spec in options_map[pattern]["keywords"].items():
        if spec is None:
            positions[name] = 1
        else:
            specs = spec if isinstance(spec, tuple) else (spec,)
            positions[name] = next(s for s in specs if isinstance(s, int))
    return positions


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _strings_assigned(scope: ast.AST) -> dict[str, set[str]]:
    """Local name → string literals assigned to it (``reason = "..."`` then ``Unauthenticated(reason)``)."""
    assigned: dict[str, set[str]] = {}
    for node in ast.walk(scope):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, set()).add(node.value.value)
    return assigned


def _python_msgids(path: Path, keywords: dict[str, int]) -> dict[str, str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: dict[str, str] = {}
    scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for scope in scopes:
        assigned = _strings_assigned(scope) if scope is not tree else {}
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call) or _call_name(node) not in keywords:
                continue
            position = keywords[_call_name(node)]
            if len(node.args) < position:
                continue
            arg = node.args[position - 1]
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, where)
            elif isinstance(arg, ast.Name):
                for value in assigned.get(arg.id, ()):
                    found.setdefault(value, where)
    return found


def _weakness_msgids() -> dict[str, str]:
    """The reasons ``passwords.weakness()`` returns."""
    path = SRC / "identity" / "passwords.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "weakness")
    return {n.value.value: f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(func)
            if isinstance(n, ast.Return) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}


@cache
def source_msgids() -> dict[str, str]:
    """Every msgid the code and templates use → where one use is."""
    method_map, options_map = _mapping()
    found: dict[str, str] = {}
    keywords = _python_keywords()
    for path in sorted(SRC.rglob("*.py")):
        for msgid, where in _python_msgids(path, keywords).items():
            found.setdefault(msgid, where)
    templates = [(p, m) for p, m in method_map if m != "python"]
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), templates, options_map, keywords={}
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{filename}:{lineno}")
    found.update({m: where for m, where in _weakness_msgids().items() if m not in found})
    indirect = {
        "ROLE_LABELS": ROLE_LABELS.values(), "web.errors._TITLES": _TITLES.values(),
        "web.render.NAV": [text for item in NAV for text in (item.label, item.description) if text],
        "web.render.FIELD_LABELS": FIELD_LABELS.values(), "standards.MESSAGES_EN": MESSAGES_EN.values(),
        "catalog.workbook.IMPORT_MESSAGES_ZH": IMPORT_MESSAGES_ZH.keys(),
        "audit words": AUDIT_WORDS,
    }
    for where, msgids in indirect.items():
        for msgid in msgids:
            found.setdefault(msgid, where)
    found.pop("", None)
    return found


@cache
def catalog() -> dict[str, object]:
    merged: dict[str, object] = {}
    for path in sorted(CATALOG.parent.glob("*.po")):  # one file per context: messages.po, catalog.po, ...
        with path.open("rb") as fh:
            merged.update({m.id: m for m in read_po(fh, locale="zh_CN") if m.id})
    return merged


def _placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field is not None}


def test_the_extraction_finds_messages_in_python_templates_and_indirect_sources() -> None:
    found = source_msgids()
    assert "Log in" in found  # template
    assert "Tongban is running at" in found  # rt._ inside an f-string
    assert "{field} is required" in found and "is required" in found  # nested InvalidInput / FieldError
    assert "The API token has expired" in found  # a local variable passed to Unauthenticated
    assert "is too common or too simple" in found  # weakness()
    assert "Window clerk" in found and "reordered" in found


def test_every_source_msgid_has_a_non_empty_non_fuzzy_chinese_translation() -> None:
    messages = catalog()
    missing = sorted(
        f"{msgid!r} ({where})" for msgid, where in source_msgids().items()
        if msgid not in messages or not messages[msgid].string or messages[msgid].fuzzy
    )
    assert not missing, "msgids without a zh_CN translation:\n" + "\n".join(missing)


def test_every_translation_keeps_exactly_the_placeholders_of_its_msgid() -> None:
    wrong = sorted(
        f"{msgid!r}: {sorted(_placeholders(msgid))} vs {message.string!r}: {sorted(_placeholders(message.string))}"
        for msgid, message in catalog().items()
        if message.string and _placeholders(msgid) != _placeholders(message.string)
    )
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_catalog_header_declares_simplified_chinese_in_utf8() -> None:
    with CATALOG.open("rb") as fh:
        parsed = read_po(fh)
    assert dict(parsed.mime_headers)["Language"] == "zh_CN"
    assert parsed.charset.lower() == "utf-8"


def test_chinese_is_looked_up_and_english_falls_back_to_the_msgid() -> None:
    assert i18n.gettext("zh-CN", "Log in") == "登录"
    assert i18n.gettext("en", "Log in") == "Log in"
    assert i18n.gettext("en", "Welcome, {name}", name="Li Lei") == "Welcome, Li Lei"
    assert i18n.gettext("zh-CN", "Welcome, {name}", name="李雷").count("李雷") == 1
    assert i18n.gettext("zh-CN", "A msgid nobody translated") == "A msgid nobody translated"


def test_standards_messages_translate_to_the_chinese_given_by_the_standards_module() -> None:
    messages = catalog()
    wrong = sorted(
        f"{rule}: catalog has {messages[en].string if en in messages else None!r}, MESSAGES_ZH has {MESSAGES_ZH[rule]!r}"
        for rule, en in MESSAGES_EN.items()
        if en not in messages or messages[en].string != MESSAGES_ZH[rule]
    )
    assert not wrong, ("the catalog must match MESSAGES_ZH (rules sharing an English template need the same "
                       "Chinese):\n" + "\n".join(wrong))
