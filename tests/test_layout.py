"""The shape of the code, read from its imports: the domains in the order data flows through
them, each importing only from those before it; shared modules that import no domain; no
import inside a function or half-way down a module hiding a cycle; no module too long to read.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "training"
#: the domains in the order data flows through them (README, Layout)
DOMAINS = ["units", "people", "curricula", "courses", "attendance", "certificates", "surveys", "reports"]
#: modules that stand after every domain: the app factory and what it wires together
APPLICATION = {"__init__", "cli", "demo", "demo_scale", "main", "privacy"}
#: auth's modules that import no domain, so that every domain may use them: the login wall and
#: @public, the permission helpers, the password rules; the rest of auth is the sign-in, which
#: loads users and so stands after people
AUTH_SHARED = {"__init__", "permissions", "passwords"}
AUTH_SIGN_IN_AFTER = "people"
#: the imports inside a function that stay, and why: the factory imports the blueprints once the
#: configuration is read (Flask's application-factory pattern)
FUNCTION_LEVEL_ALLOWED = {"training/__init__.py"}
MAX_LINES = 450


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def name_of(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _is_module(parts: tuple[str, ...]) -> bool:
    """Whether training's tree holds these dotted parts as a module or a package."""
    place = PACKAGE.parent.joinpath(*parts)
    return place.with_suffix(".py").is_file() or (place / "__init__.py").is_file()


def imported_modules(path: Path, tree: ast.Module) -> set[tuple[str, ...]]:
    """Every module this file imports, as dotted parts ("training", "courses", "views"): for
    `from X import name`, X.name where that is a module, else X; relative imports resolved
    (a package's __init__ counts as a module in it)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(tuple(alias.name.split(".")) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = parts[: len(parts) - node.level] if node.level else ()
            source = base + tuple(node.module.split(".") if node.module else ())
            for alias in node.names:
                found.add(source + (alias.name,) if _is_module(source + (alias.name,)) else source)
    return found


def imported_packages(path: Path, tree: ast.Module) -> set[str]:
    """The first part below `training` of every module this file imports."""
    return {module[1] for module in imported_modules(path, tree) if module[0] == "training" and len(module) > 1}


def owner(path: Path) -> str:
    """The domain or shared package a module belongs to; a top-level module is its own name."""
    relative = path.relative_to(PACKAGE).with_suffix("").parts
    return relative[0]


def allowed_domains(path: Path) -> set[str] | None:
    """The domains a module may import; None for the application modules, which may import any."""
    top = owner(path)
    if top in APPLICATION and len(path.relative_to(PACKAGE).parts) == 1:
        return None
    if top in DOMAINS:
        return set(DOMAINS[: DOMAINS.index(top) + 1])
    if top == "auth" and path.stem not in AUTH_SHARED:
        return set(DOMAINS[: DOMAINS.index(AUTH_SIGN_IN_AFTER) + 1])
    return set()  # shared: extensions, clock, audit, stamps, pdf, forms, web, auth's shared part…


def auth_modules(path: Path, tree: ast.Module) -> set[str]:
    """The modules of training.auth this file imports ("__init__" for the package itself)."""
    return {
        module[2] if len(module) > 2 else "__init__"
        for module in imported_modules(path, tree)
        if module[:2] == ("training", "auth")
    }


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_a_module_imports_only_the_domains_before_its_own(path):
    allowed = allowed_domains(path)
    if allowed is None:
        return
    tree = ast.parse(path.read_text())
    imported = imported_packages(path, tree) & set(DOMAINS)
    assert not imported - allowed, f"{name_of(path)} imports {sorted(imported - allowed)}, after it in {DOMAINS}"
    after_people = set(DOMAINS[DOMAINS.index(AUTH_SIGN_IN_AFTER) + 1 :])
    if not allowed & after_people and not (owner(path) == "auth" and path.stem not in AUTH_SHARED):
        sign_in = auth_modules(path, tree) - AUTH_SHARED
        assert not sign_in, f"{name_of(path)} uses auth's sign-in ({sorted(sign_in)}), which stands after people"


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_no_import_hides_inside_a_function_or_half_way_down(path):
    tree = ast.parse(path.read_text())
    if name_of(path) not in FUNCTION_LEVEL_ALLOWED:
        inner = [
            node.lineno
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(function)
            if isinstance(node, ast.Import | ast.ImportFrom)
        ]
        assert not inner, f"{name_of(path)}: imports inside a function at lines {inner}"
    seen_code = False
    for node in tree.body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if isinstance(node, ast.Import | ast.ImportFrom):
            assert not seen_code or _registers_views(path, node), (
                f"{name_of(path)}:{node.lineno}: an import half-way down the module"
            )
        elif not is_docstring:
            seen_code = True


def _registers_views(path: Path, node: ast.ImportFrom) -> bool:
    """The one import that may come after code: a domain package's __init__ creates its
    blueprint, then imports its own view modules, which add their routes to it (STYLE.md)."""
    return (
        path.name == "__init__.py"
        and isinstance(node, ast.ImportFrom)
        and node.level == 1
        and node.module is None
        and all(alias.name.endswith("views") for alias in node.names)
    )


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_no_module_is_too_long_to_read(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{name_of(path)} has {lines} lines (at most {MAX_LINES})"


def test_the_reader_sees_a_lower_domain_imported_by_a_higher_one_and_the_reverse():
    """The checks above read real import statements: a reversed arrow is found, a forward one is not."""
    units_view = PACKAGE / "units" / "views.py"
    reports_view = PACKAGE / "reports" / "views.py"
    back = ast.parse("from ..reports.services import build_report\nfrom training.people import models\n")
    forward = ast.parse("from ..units.models import Unit\n")
    assert imported_packages(units_view, back) == {"reports", "people"}
    assert imported_packages(reports_view, forward) == {"units"}
    assert imported_packages(PACKAGE / "people" / "__init__.py", ast.parse("from .. import auth\n")) == {"auth"}
    people_form = PACKAGE / "people" / "forms.py"
    assert auth_modules(people_form, ast.parse("from ..auth.views import bp\nfrom ..auth import public\n")) == {
        "views",
        "__init__",
    }
