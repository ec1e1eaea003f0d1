"""The attack list runs as one command against its own server and finds nothing (issue 19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_attack_run_holds(tmp_path, hanoi_dir):
    out = tmp_path / "attack.json"
    env = os.environ | {"ASSISTANT_SHARED_DIR": str(hanoi_dir.parents[1]), "HF_HUB_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-m", "evals.attack", "--out", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    result = json.loads(out.read_text(encoding="utf-8"))
    findings = [r for r in result["results"] if not r["held"]]
    assert run.returncode == 0 and not findings, (run.stdout[-3000:], findings)
    assert result["attempts"] >= 250
    assert {"routes", "jwt", "injection", "input", "dos", "pii", "xff", "leak", "oracle", "cors"} <= set(
        result["by_category"])
    assert run.stdout.count("held    | ") == result["held"]  # one printed line per attempt
