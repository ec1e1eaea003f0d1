"""What an operator meets at the terminal: the data directory wherever a command is run from, the
first start without keys, `keys list` on 80 columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from assistant.index.store import Index
from assistant.security.keys import KeyStore, utcnow
from assistant.settings import PROJECT_ROOT, Settings


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    clean.update(env, PYTHONPATH=str(PROJECT_ROOT), COLUMNS="80")
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=cwd, env=clean, capture_output=True,
                          text=True, timeout=120)


def test_project_root_is_this_checkout():
    assert (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "assistant" / "settings.py").is_file()


def test_data_dir_does_not_depend_on_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSISTANT_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().data_dir == PROJECT_ROOT / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", "data-2")
    assert Settings().data_dir == PROJECT_ROOT / "data-2"
    assert Settings(data_dir=tmp_path / "x").data_dir == tmp_path / "x"  # absolute paths stay as they are


def test_keys_list_from_another_folder_opens_the_services_index(tmp_path):
    data = tmp_path / "service-data"
    settings = Settings(data_dir=data)
    key = KeyStore(Index(settings).sessions).create("staff", "Sở Nội vụ")
    elsewhere = tmp_path / "home" / "canbo"
    elsewhere.mkdir(parents=True)
    # The service's setting, relative as in a .env file: from the project folder, not from the shell's.
    relative = os.path.relpath(data, PROJECT_ROOT)
    listed = _cli("keys", "list", "--json", cwd=elsewhere, ASSISTANT_DATA_DIR=relative)
    assert listed.returncode == 0, listed.stderr
    assert [k["id"] for k in json.loads(listed.stdout)] == [key.id]
    assert list(elsewhere.iterdir()) == []  # nothing created where the command ran


def test_reading_commands_never_create_an_empty_index(tmp_path):
    missing = tmp_path / "khong-co"
    for args in (("keys", "list"), ("docs", "list"), ("status",)):
        out = _cli(*args, cwd=tmp_path, ASSISTANT_DATA_DIR=str(missing))
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert "Không có chỉ mục tại" in out.stderr and "khong-co" in out.stderr
    assert not missing.exists()


def test_keys_list_fits_80_columns(tmp_path):
    data = tmp_path / "data"
    store = KeyStore(Index(Settings(data_dir=data)).sessions)
    keys = [
        store.create("staff", "Phần mềm một cửa của Sở Tài nguyên và Môi trường thành phố Hà Nội",
                     scopes=["internal", "dept:stnmt"], expires_at=utcnow() + timedelta(days=90)),
        store.create("widget", "Cổng thông tin nội bộ", origins=["https://noibo.hanoi.gov.vn"]),
        store.create("admin", "Quản trị"),
    ]
    store.revoke(keys[1].id)
    out = _cli("keys", "list", cwd=tmp_path, ASSISTANT_DATA_DIR=str(data))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, out.stdout
    for key in keys:  # one line per key starts with its whole id
        assert sum(line.lstrip().startswith(key.id) for line in lines) == 1, out.stdout
    assert "thu hồi" in out.stdout and "hiệu lực" in out.stdout and "đến" in out.stdout


def test_first_start_says_how_to_get_a_key_and_offers_one_once(tmp_path, capsys):
    from assistant.cli import first_start_keys

    settings = Settings(data_dir=tmp_path / "data")
    store = KeyStore(Index(settings).sessions)
    questions: list[str] = []

    def yes(prompt: str, default: bool = True) -> bool:
        questions.append(prompt)
        return True

    first_start_keys(settings, store, ask=None)  # not a terminal: the hint only
    out = capsys.readouterr().out
    assert "keys create --role admin" in out and not store.list()
    first_start_keys(settings, store, ask=yes)
    out = capsys.readouterr().out
    admins = [k for k in store.list() if k.role == "admin"]
    assert len(questions) == 1 and len(admins) == 1
    assert f"tlcv_{admins[0].id}_" in out  # the plaintext, shown this once
    first_start_keys(settings, store, ask=yes)  # the next start: a key exists, nothing asked or printed
    assert len(questions) == 1 and capsys.readouterr().out == ""
    store.revoke(admins[0].id)
    first_start_keys(settings, store, ask=yes)  # no admin key again: the hint, but the offer was made once
    assert len(questions) == 1 and "keys create --role admin" in capsys.readouterr().out


def test_progress_columns_speak_vietnamese_with_rate_and_time_left():
    from assistant.cli import RateColumn, TimesColumn, _progress

    now = [0.0]
    progress = _progress(get_time=lambda: now[0])
    task_id = progress.add_task("Đọc và phân tích văn bản", total=40, unit="tệp")
    progress.start_task(task_id)
    assert RateColumn().render(progress.tasks[0]).plain == "— tệp/giây"
    assert TimesColumn().render(progress.tasks[0]).plain == "đã chạy 0:00 · còn —"
    for step in range(1, 11):  # ten files in 25 s: 0,4 file a second, 75 s left
        now[0] = step * 2.5
        progress.update(task_id, completed=step)
    task = progress.tasks[0]
    assert RateColumn().render(task).plain == "0,4 tệp/giây"
    assert TimesColumn().render(task).plain == "đã chạy 0:25 · còn 1:15"
    now[0] = 100.0
    progress.update(task_id, completed=40)
    assert TimesColumn().render(progress.tasks[0]).plain == "xong sau 1:40"


def test_background_embedding_progress_lines_are_vietnamese():
    from assistant.indexing import progress_line

    assert progress_line(0, 1640, 0.0, 0) == "Tính vector: 0/1640 đoạn (0 %)"
    assert progress_line(480, 1640, 38.4, 480) == (
        "Tính vector: 480/1640 đoạn (29 %), 12,5 đoạn/giây, còn khoảng 1 phút 33 giây")
    assert progress_line(1640, 1640, 3725.0, 1640) == (
        "Tính vector: 1640/1640 đoạn (100 %), xong sau 1 giờ 2 phút 5 giây")
    assert progress_line(0, 0, 0.0, 0) == "Tính vector: không có đoạn nào cần tính."


def _wait_healthy(base: str, proc: subprocess.Popen, limit: float = 120) -> None:
    import time

    import httpx

    deadline = time.time() + limit
    while time.time() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("service did not start")


def test_make_run_stops_cleanly_on_ctrl_c(tmp_path):
    """`make run` in a terminal, then Ctrl-C: SIGINT reaches make and the service (one process group)."""
    import shutil
    import signal

    from tests.conftest import free_port

    venv = Path(sys.executable).parent.parent
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(tmp_path / "data"), ASSISTANT_PORT=str(port), PYTHONPATH=str(PROJECT_ROOT))
    assert shutil.which("make")
    # -o: the shared .venv counts as set up (this checkout's pyproject.toml may be newer than it).
    proc = subprocess.Popen(["make", "-s", "-o", f"{venv}/.installed", "run", f"VENV={venv}", f"CORPUS={corpus}"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc)
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    # make itself dies of the SIGINT (-2) as any program does on Ctrl-C: it prints nothing as long as
    # the service exits 0 ("make: *** [run] Error 130" or "Interrupt" otherwise).
    assert proc.returncode in (0, -signal.SIGINT), out
    assert "Đã dừng dịch vụ." in out
    for noise in ("make: ***", "Error 1", "Traceback", "Aborted", "KeyboardInterrupt"):
        assert noise not in out, out


def test_serve_stops_cleanly_on_sigterm(tmp_path):
    import signal

    from tests.conftest import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(PROJECT_ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "Đã dừng dịch vụ." in out and "Traceback" not in out
    assert "keys create --role admin" in out  # first start on an empty data directory: how to get a key

