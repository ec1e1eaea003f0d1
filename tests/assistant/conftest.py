from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path: Path) -> Settings:
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        return Settings(data_dir=tmp_path, database_url=url)
    return Settings(data_dir=tmp_path)
