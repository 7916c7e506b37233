"""The package's shape: folders that show the pipeline, imports that point one way.

Every import statement in src/handouts counts, wherever it stands (inside a function or
under `if TYPE_CHECKING:` too): an import hidden in a function is still a dependency.
"""

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "handouts"

# Bottom to top: a module may import its own layer (without a cycle) or a lower one, never a higher one.
LAYERS = [
    {"handouts", "handouts.errors", "handouts.atomic", "handouts.kept", "handouts.log", "handouts.sandbox"},
    {"handouts.source"},  # the files a project is made of: YAML, schema, handout and blocks, texts, languages, fonts
    {"handouts.i18n"},  # catalogs, their checks, extraction, sign-off
    {"handouts.model"},  # a project on disk: folders, the library overlay, loading clinics and handouts
    {"handouts.render"},  # one job's HTML page, and the print variants that change it
    {"handouts.output"},  # page -> file: formats, PDF/UA, print-safe area, packets
    {"handouts.pipeline"},  # jobs, output paths, the one render path, the gate, manifest, build, executors
    {"handouts.commands"},  # one module per command besides build
    {"handouts.cli", "handouts.__main__"},
]
SUBPACKAGES = {member for members in LAYERS[1:-1] for member in members}
MAX_TOP_LEVEL_MODULES = 12
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if "library" not in path.relative_to(PACKAGE).parts
}


def imported_modules(name: str, path: Path) -> set[str]:
    """The handouts modules one file imports; `from pkg import mod` counts as importing mod."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imported_modules(name, path) for name, path in MODULES.items()}


def layer_of(module: str) -> int:
    for level, members in enumerate(LAYERS):
        # A subpackage holds all its modules; a top-level module is only itself.
        if any(module == member or (member in SUBPACKAGES and module.startswith(member + ".")) for member in members):
            return level
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS or move it into a subpackage")


def test_the_import_graph_has_no_cycle():
    try:
        tuple(graphlib.TopologicalSorter(GRAPH).static_order())
    except graphlib.CycleError as error:
        pytest.fail("import cycle: " + " -> ".join(error.args[1]))


def test_no_import_points_up_a_layer():
    upward = [
        f"{module} imports {imported}"
        for module, imports in sorted(GRAPH.items())
        for imported in sorted(imports)
        if layer_of(imported) > layer_of(module)
    ]
    assert upward == []


def test_few_modules_at_the_top_of_the_package():
    top_level = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top_level) <= MAX_TOP_LEVEL_MODULES, top_level


def test_no_module_is_long():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_the_checker_sees_imports_inside_functions():
    assert "handouts.commands.check" in GRAPH["handouts.cli"]


def test_error_and_warning_lines_are_formatted_in_one_place():
    """Every "error: …" and "warning: …" line comes from log.py's formatter, never a hand-written prefix."""
    prefixes = ("error: ", "warning: ")
    hand_written = []
    for name, path in MODULES.items():
        if name == "handouts.log":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            first = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else node
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith(prefixes):
                hand_written.append(f"{name}:{node.lineno}")
    assert hand_written == []


# What writes to the terminal without the logger: print(), click.echo/secho, sys.stdout/sys.stderr.
DIRECT_OUTPUT = {("builtins", "print"), ("click", "echo"), ("click", "secho"), ("sys", "stdout"), ("sys", "stderr")}


def direct_output(tree: ast.AST) -> list[int]:
    """The lines that print around the logger: a call of print, a use of click.echo or sys.stdout, or
    an import of one of them by name."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and ("builtins", node.id) in DIRECT_OUTPUT:
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in DIRECT_OUTPUT:
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and any((node.module, a.name) in DIRECT_OUTPUT for a in node.names):
            lines.append(node.lineno)
    return lines


def test_every_line_goes_through_the_output_module():
    """log.py alone writes to stdout and stderr: results and diagnostics each go where the policy says."""
    printing = [
        f"{name}:{line}"
        for name, path in MODULES.items()
        if name != "handouts.log"
        for line in direct_output(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert printing == []


@pytest.mark.parametrize(
    "source",
    ["print('x')", "import click\nclick.echo('x')", "import sys\nsys.stderr.write('x')", "from sys import stdout"],
)
def test_the_output_check_sees_each_way_of_printing(source: str):
    assert direct_output(ast.parse(source)) == [source.count("\n") + 1]
