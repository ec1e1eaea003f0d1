"""/metrics: one app's own registry in one process; the whole service under `assistant serve --workers 2`."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from assistant.api.app import create_app
from assistant.settings import Settings


def healthz_total(families) -> float:  # noqa: ANN001 - prometheus metric families
    return sum(s.value for f in families for s in f.samples
               if s.name == "assistant_http_requests_total" and s.labels.get("route") == "/healthz")


def scrape(base: str) -> tuple[float, str]:
    """The /healthz total of a scrape of the service and the pid of the worker that answered it."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    assert text.count("# HELP assistant_http_requests_total ") == 1  # summed once, not also per worker
    families = list(text_string_to_metric_families(text))
    pid = next(s.labels["pid"] for f in families for s in f.samples if s.name == "assistant_worker_info")
    return healthz_total(families), pid


def test_one_process_apps_keep_their_own_registries(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, metrics_open=True)
    with TestClient(create_app(settings)) as a, TestClient(create_app(settings)) as b:
        for _ in range(3):
            assert a.get("/healthz").status_code == 200
        assert b.get("/healthz").status_code == 200
        for client, expected in ((a, 3), (b, 1)):
            text = client.get("/metrics").text
            assert healthz_total(text_string_to_metric_families(text)) == expected
            assert 'assistant_degraded_total{component="vectors"} 0.0' in text
            assert "assistant_worker_info" not in text  # only workers of `serve --workers N` say who they are


def test_two_workers_report_the_whole_service(hanoi_settings: Settings, tmp_path: Path) -> None:
    from evals.bench_load import assistant_server, service_env

    # TMPDIR: the metrics directory `serve` makes is then found (and its removal checked) here.
    env = service_env(data_dir=str(hanoi_settings.data_dir), metrics_open="true") | {"TMPDIR": str(tmp_path)}
    with assistant_server(env, 2, tmp_path / "serve.log") as base:
        # A worker serves once it has warmed up: scrape until both have answered.
        pids: set[str] = set()
        deadline = time.monotonic() + 40
        while len(pids) < 2 and time.monotonic() < deadline:
            pids.add(scrape(base)[1])
            time.sleep(0.1)
        assert len(pids) == 2, pids
        before = scrape(base)[0]  # the start-up checks of assistant_server count too

        with ThreadPoolExecutor(8) as pool:  # new connections, spread over the workers by the kernel
            statuses = list(pool.map(lambda _: httpx.get(f"{base}/healthz", timeout=10).status_code, range(20)))
        assert statuses == [200] * 20

        # Every scrape, whichever worker answers it, counts all 20.
        answered: set[str] = set()
        deadline = time.monotonic() + 15
        while len(answered) < 2 and time.monotonic() < deadline:
            with ThreadPoolExecutor(4) as pool:
                for total, pid in pool.map(lambda _: scrape(base), range(8)):
                    assert total == before + 20, (total, before)
                    answered.add(pid)
        assert answered == pids

        # Each worker's own share, from its file in the shared directory: the shares add up to the total
        # (how the kernel spread the 20 is not asserted: usually about half each).
        (metrics_dir,) = tmp_path.glob("assistant-serve-*/metrics")
        shares = {f.stem.removeprefix("counter_"): healthz_total(MultiProcessCollector.merge([str(f)]))
                  for f in metrics_dir.glob("counter_*.db")}
        assert set(shares) == pids and sum(shares.values()) == before + 20, shares
    assert not list(tmp_path.glob("assistant-serve-*"))  # removed when the service stopped
