"""The layers: every import of the product code, walked with ast.

Lowest first: certtrack (the shell) <- employees <- courses <- assessments <- spreadsheets, devdata
<- bench (STYLE.md, "In certtrack"). Besides its own modules, an app imports only apps of the layers
below it, at the top of its modules, and only their public names. A lower layer that must trigger an
upper one's side effect in its own transaction (the readiness mark, the audit writer) calls the one
hook module, HOOK, and nothing else of the upper layer. The shell imports no app: it names apps
only in strings (urls.py's include(), settings, celery.py's SCHEDULE_MODULES). devdata (demo and
scale data) is imported by no product code.

Like the permission matrix, the walk covers what exists: every module of the product apps, their
migrations included (none needs an exception), is checked as soon as it is added; a new top-level
app needs a line in LAYERS.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each app's layer: an app may import from apps of a lower number, never of a higher or the same one.
LAYERS: dict[str, int] = {
    "certtrack": 0,
    "employees": 1,
    "courses": 2,
    "webhooks": 3,
    "assessments": 4,
    "gate": 5,
    "planning": 5,
    "spreadsheets": 5,
    "sso": 5,
    "api": 6,
    "notifications": 6,
    "devdata": 7,
    "bench": 8,
}
SHELL = "certtrack"
DEV_DATA = "devdata"
PRODUCT = [
    "certtrack",
    "employees",
    "courses",
    "webhooks",
    "assessments",
    "gate",
    "planning",
    "spreadsheets",
    "sso",
    "api",
    "notifications",
    "devdata",
]
# The one module lower layers may import from an upper one (at the top of the module, public names only).
HOOK = "assessments.hooks"

SHELL_RULE = "the shell (certtrack/) imports no app"
DEV_DATA_RULE = "product code never imports devdata"
CHAIN = " <- ".join(", ".join(app for app in LAYERS if LAYERS[app] == n) for n in sorted(set(LAYERS.values())))
UPWARD_RULE = f"imports go down the layers ({CHAIN}); the only way up is {HOOK}"
PRIVATE_RULE = "an app imports no _private name of another app"
FUNCTION_RULE = "cross-app imports sit at the top of the module, not inside a function"


@dataclass(frozen=True)
class Import:
    path: str  # relative to the repository root
    line: int
    app: str  # the importing app
    module: str  # the imported module, dotted
    names: tuple[str, ...]  # the names taken from it (empty for `import module`)
    in_function: bool

    @property
    def target(self) -> str:
        return self.module.split(".")[0]

    def __str__(self) -> str:
        if self.names:
            return f"from {self.module} import {', '.join(self.names)}"
        return f"import {self.module}"


def imports_of(path: str, source: str) -> list[Import]:
    """Every absolute import in a module, with whether it sits inside a function."""
    app = path.split("/")[0]
    found: list[Import] = []

    def visit(node: ast.AST, *, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(path, child.lineno, app, alias.name, (), in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = tuple(alias.name for alias in child.names)
                found.append(Import(path, child.lineno, app, child.module, names, in_function))
            visit(child, in_function=in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(source, filename=path), in_function=False)
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def private_attributes(path: str, source: str) -> list[tuple[int, str]]:
    """`module._name` where `module` is another app's module (`from assessments import validity`)."""
    app = path.split("/")[0]
    tree = ast.parse(source, filename=path)
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in LAYERS and node.module.split(".")[0] != app:
                modules.update(
                    alias.asname or alias.name for alias in node.names if _is_module(f"{node.module}.{alias.name}")
                )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LAYERS and alias.name.split(".")[0] != app:
                    modules.add(alias.asname or alias.name.split(".")[0])
    return [
        (node.lineno, f"{node.value.id}.{node.attr}")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
        and _is_private(node.attr)
    ]


def problems_of(path: str, source: str) -> list[str]:
    """What breaks the layers in one module: one line per broken rule, as `file:line: rule: import`."""
    problems = []
    for imp in imports_of(path, source):
        if imp.target not in LAYERS or imp.target == imp.app:
            continue
        where = f"{imp.path}:{imp.line}"
        if imp.app == SHELL:
            problems.append(f"{where}: {SHELL_RULE}: {imp}")
        elif imp.target == DEV_DATA and imp.app in PRODUCT:
            problems.append(f"{where}: {DEV_DATA_RULE}: {imp}")
        elif LAYERS[imp.target] >= LAYERS[imp.app] and imp.module != HOOK:
            problems.append(
                f"{where}: {UPWARD_RULE}: {imp} ({imp.app} is layer {LAYERS[imp.app]}, "
                f"{imp.target} layer {LAYERS[imp.target]})"
            )
        if any(_is_private(part) for part in imp.module.split(".")[1:]) or any(map(_is_private, imp.names)):
            problems.append(f"{where}: {PRIVATE_RULE}: {imp}")
        if imp.in_function:
            problems.append(f"{where}: {FUNCTION_RULE}: {imp}")
    problems.extend(
        f"{path}:{line}: {PRIVATE_RULE}: {attribute}" for line, attribute in private_attributes(path, source)
    )
    return problems


def product_modules() -> list[Path]:
    return sorted(module for app in PRODUCT for module in (ROOT / app).rglob("*.py"))


def test_it_walks_every_app_of_the_product():
    folders = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert folders <= set(LAYERS), f"give each app a layer in LAYERS: {sorted(folders - set(LAYERS))}"
    assert len(product_modules()) > 100


def test_it_keeps_the_layers():
    problems = [
        problem
        for module in product_modules()
        for problem in problems_of(module.relative_to(ROOT).as_posix(), module.read_text(encoding="utf-8"))
    ]
    assert not problems, "imports that break the layers (tests/test_layers.py):\n" + "\n".join(problems)


def test_it_finds_the_hook():
    hook = ROOT / (HOOK.replace(".", "/") + ".py")
    assert hook.exists(), f"{HOOK} is named as the one upward hook but {hook.relative_to(ROOT)} is missing"


# Each rule, on a module written for the test: the walk sees what it is meant to see.
@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        ("certtrack/views.py", "from employees.access import can\n", SHELL_RULE),
        ("certtrack/views.py", "import courses.models\n", SHELL_RULE),
        ("employees/views.py", "from assessments.selectors.certifications import qualifications\n", UPWARD_RULE),
        ("courses/services.py", "from assessments.readiness.outbox import readiness_mark\n", UPWARD_RULE),
        ("spreadsheets/views.py", "from devdata.history import simulate\n", DEV_DATA_RULE),
        ("devdata/history.py", "from bench.harness import judge\n", UPWARD_RULE),
        ("gate/services.py", "from spreadsheets.models import SpreadsheetJob\n", UPWARD_RULE),
        ("webhooks/services.py", "from assessments.models import Assessment\n", UPWARD_RULE),
        ("spreadsheets/importers/employees.py", "from employees.imports import _role_from\n", PRIVATE_RULE),
        ("spreadsheets/importers/employees.py", "from employees._imports import role_from\n", PRIVATE_RULE),
        ("spreadsheets/views.py", "from assessments import validity\nvalidity._months(1)\n", PRIVATE_RULE),
        ("assessments/audit_messages.py", "def f():\n    from certtrack.models import JobKind\n", FUNCTION_RULE),
        ("courses/services.py", "def f():\n    from assessments.hooks import readiness_mark\n", FUNCTION_RULE),
    ],
)
def test_it_finds_a_broken_rule(path: str, source: str, rule: str):
    problems = problems_of(path, source)
    assert [p for p in problems if f": {rule}: " in p], problems
    assert problems[0].startswith(f"{path}:"), problems


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("courses/services.py", "from assessments.hooks import readiness_mark\n"),
        (
            "assessments/services/results.py",
            "from courses.models import Course\nfrom certtrack.queue import enqueue_on_commit\n",
        ),
        ("assessments/services/results.py", "def f():\n    from assessments.models import Assessment\n"),  # its own app
        ("certtrack/urls.py", "from django.urls import include\nurls = include('employees.urls')\n"),
        ("devdata/demo/services.py", "from assessments.readiness import recompute\nrecompute.plant_recompute()\n"),
    ],
)
def test_it_lets_a_good_import_pass(path: str, source: str):
    assert problems_of(path, source) == []
