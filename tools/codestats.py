"""Print issue 19's table figures over shared/src and services, shared-dev/src apart (tests, migrations out).

Figures: functions over 40 lines (listed), the share of public functions with a docstring in the
`continuum` runtime package, and the median / p90 of file lengths. Lines are non-blank lines.
The runtime package is shared/src/continuum minus the tooling paths in RUNTIME_EXCLUDED.
Usage: .venv/bin/python tools/codestats.py [--repo DIR]
"""

from __future__ import annotations

import argparse
import ast
import statistics
from pathlib import Path

ROOTS = ("shared/src", "services")
DEV_ROOTS = ("shared-dev/src",)
LEFT_OUT_PARTS = {"tests", "migrations", "platform_migrations", "__pycache__"}
RUNTIME = Path("shared/src/continuum")
RUNTIME_EXCLUDED = ("demo", "infra", "testing", "stack.py", "cli.py")
LONG_FUNCTION = 40


def python_files(repo: Path, roots: tuple[str, ...]) -> list[Path]:
    """Every measured .py file below the roots, tests and migrations left out."""
    found = []
    for root in roots:
        for path in sorted((repo / root).rglob("*.py")):
            parts = set(path.relative_to(repo).parts)
            if not parts & LEFT_OUT_PARTS:
                found.append(path)
    return found


def non_blank(lines: list[str]) -> int:
    """How many of the lines hold something other than whitespace."""
    return sum(1 for line in lines if line.strip())


def functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function and method of a module, nested ones included."""
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    return [node for node in ast.walk(tree) if isinstance(node, kinds)]


def long_functions(repo: Path, files: list[Path]) -> list[tuple[str, int]]:
    """(place, non-blank lines) of each function longer than LONG_FUNCTION lines."""
    found = []
    for path in files:
        source = path.read_text().splitlines()
        for node in functions(ast.parse("\n".join(source))):
            length = non_blank(source[node.lineno - 1 : node.end_lineno])
            if length > LONG_FUNCTION:
                found.append((f"{path.relative_to(repo)}:{node.lineno} {node.name}", length))
    return found


def is_runtime(repo: Path, path: Path) -> bool:
    """Whether a file belongs to the `continuum` runtime (tooling paths left out)."""
    relative = path.relative_to(repo)
    if not relative.is_relative_to(RUNTIME):
        return False
    inside = relative.relative_to(RUNTIME)
    return inside.parts[0] not in RUNTIME_EXCLUDED


def public_functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level functions and methods of module-level classes whose names are public."""
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    found = [node for node in tree.body if isinstance(node, kinds)]
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        if not cls.name.startswith("_"):
            found += [node for node in cls.body if isinstance(node, kinds)]
    return [node for node in found if not node.name.startswith("_")]


def docstring_share(repo: Path, files: list[Path]) -> tuple[int, int]:
    """(with a docstring, public functions) over the runtime package."""
    documented = total = 0
    for path in (p for p in files if is_runtime(repo, p)):
        for node in public_functions(ast.parse(path.read_text())):
            total += 1
            documented += ast.get_docstring(node) is not None
    return documented, total


def print_sizes(repo: Path, files: list[Path]) -> None:
    """Print the long functions and the median / p90 of file lengths of some files."""
    long = long_functions(repo, files)
    print(f"functions over {LONG_FUNCTION} lines: {len(long)}")
    for place, length in sorted(long, key=lambda item: -item[1]):
        print(f"  {length:4d}  {place}")
    sizes = sorted(non_blank(path.read_text().splitlines()) for path in files)
    p90 = statistics.quantiles(sizes, n=10, method="inclusive")[-1]
    print(f"file lines median / p90: {statistics.median(sizes):.0f} / {p90:.0f} over {len(sizes)} files")


def main() -> None:
    """Print the figures: shared/src and services, then shared-dev/src on its own."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    repo = parser.parse_args().repo.resolve()
    files = python_files(repo, ROOTS)
    print(f"== {', '.join(ROOTS)}")
    print_sizes(repo, files)
    documented, total = docstring_share(repo, files)
    share = 100 * documented / total if total else 0.0
    print(f"public functions with a docstring, continuum runtime: {documented}/{total} = {share:.0f} %")
    print(f"  (runtime = shared/src/continuum without {', '.join(RUNTIME_EXCLUDED)})")
    dev_files = python_files(repo, DEV_ROOTS)
    if dev_files:
        print(f"== {', '.join(DEV_ROOTS)} (tooling, reported apart)")
        print_sizes(repo, dev_files)


if __name__ == "__main__":
    main()
