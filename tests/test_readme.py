"""The README is the operator's manual: every setting of the code in its configuration table, every
route of the app in its routes table."""

from __future__ import annotations

import re

from starlette.routing import Route

from assistant.api.app import create_app
from assistant.api.auth import api_routes
from assistant.settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _table_after(heading: str, first_column: str) -> str:
    """The lines of the first Markdown table whose header starts with ``first_column`` after ``heading``."""
    section = README[README.index(heading):]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_column} |"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return "\n".join(table)


def _first_cells(table: str) -> list[str]:
    return [line.split("|")[1] for line in table.splitlines()[2:]]


def test_every_setting_is_in_the_configuration_table():
    table = _table_after("## Configuration", "variable")
    documented = set(re.findall(r"`(ASSISTANT_[A-Z0-9_]+)`", "\n".join(_first_cells(table))))
    expected = {f"ASSISTANT_{name.upper()}" for name in Settings.model_fields}
    missing = sorted(expected - documented)
    assert not missing, f"settings missing from the README's configuration table: {missing}"
    assert not documented - expected, f"README documents settings that do not exist: {sorted(documented - expected)}"


def test_every_route_is_in_the_routes_table(tmp_path):
    table = _table_after("## Service", "route")
    documented = set()
    for cell in _first_cells(table):
        for method, path in re.findall(r"`([A-Z]+) (/[^`?\s]*)", cell):
            documented.add((method, path))
    app = create_app(Settings(data_dir=tmp_path / "data"))
    routes = [*api_routes(app.routes), *(r for r in app.routes if isinstance(r, Route))]
    registered = set()
    for route in routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)  # {ref:path} → {ref}
        for method in route.methods - {"HEAD", "OPTIONS"}:
            registered.add((method, path))
    assert len(registered) > 15
    missing = sorted(registered - documented)
    assert not missing, f"routes missing from the README's routes table: {missing}"
    assert not documented - registered, f"README documents routes that do not exist: {sorted(documented - registered)}"


def test_readme_says_status_needs_admin_and_readyz_none():
    table = _table_after("## Service", "route")
    rows = {cells[1].strip(): cells[2].strip() for cells in (line.split("|") for line in table.splitlines()[2:])}
    assert rows["`GET /api/status`"] == "admin"
    assert rows["`GET /readyz`"] == "anyone"
