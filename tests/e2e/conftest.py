from __future__ import annotations

import json

import pytest

from imgengine_gui.cli.main import main


@pytest.fixture
def cli(capsys):
    """Run `imgengine ARGS` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def photos_json(cli):
    def read(catalog, *extra: str) -> list[dict]:
        code, out, err = cli("photos", "--catalog", catalog, "--json", *extra)
        assert code == 0, err
        return json.loads(out)

    return read
