"""Server choice across several trace servers, and a bounded load test (no lost results)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from studio.comfy_client import ComfyClient, NoHealthyServerError
from studio.scheduler import pick_server, server_urls, survey
from tests.support.comfy_trace import TraceServer
from tests.support.comfy_trace.traces import load_trace

PROMPT = next(iter(load_trace("success").history_reply.values()))["prompt"][2]


@pytest.fixture
def start_server():
    servers = []

    def start(scenario: str = "success", **knobs) -> TraceServer:
        server = TraceServer(scenario, **knobs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def dead_url(start_server) -> str:
    server = start_server()
    server.stop()
    return server.url


def test_pick_server_prefers_shortest_queue_and_skips_dead(start_server):
    busy, idle = start_server(), start_server()
    for server in (busy, idle):
        server.pause()  # jobs stay pending, so queue lengths are what we queue
    busy_client, idle_client = ComfyClient(busy.url, timeout=2.0), ComfyClient(idle.url, timeout=2.0)
    for _ in range(2):
        busy_client.queue_prompt(PROMPT)
    idle_client.queue_prompt(PROMPT)
    dead_client = ComfyClient(dead_url(start_server), timeout=2.0)

    assert [entry.load for entry in survey([dead_client, busy_client, idle_client])] == [None, 2, 1]
    assert pick_server([dead_client, busy_client, idle_client]) is idle_client
    idle_client.queue_prompt(PROMPT)
    idle_client.queue_prompt(PROMPT)  # now 3 against 2
    assert pick_server([dead_client, busy_client, idle_client]) is busy_client


def test_no_healthy_server_names_them(start_server):
    url = dead_url(start_server)
    with pytest.raises(NoHealthyServerError, match=url):
        pick_server([ComfyClient(url, timeout=2.0)])
    with pytest.raises(NoHealthyServerError, match="ATELIER_COMFYUI_URLS"):
        pick_server([])


def test_server_urls_from_env(monkeypatch):
    monkeypatch.setenv("ATELIER_COMFYUI_URLS", "http://a:8188/, ,http://b:8188")
    assert server_urls() == ["http://a:8188", "http://b:8188"]


SESSIONS, JOBS_PER_SESSION, SHARED_CLIENTS = 20, 5, 5
EXPECTED = {"success": "success", "cached_rerun": "success", "execution_error": "error"}


def test_load_20_sessions_lose_no_result(start_server):
    """20 concurrent sessions x 5 jobs, 4 sessions per shared client, three scenarios interleaved,
    and one prompt per session queued without a client_id, whose frames ComfyUI sends to every socket."""
    server = start_server("success", frame_delay_s=0.0)
    clients = [ComfyClient(server.url, timeout=10.0, job_timeout_s=120.0, idle_poll_s=1000.0)
               for _ in range(SHARED_CLIENTS)]
    scenarios = list(EXPECTED)

    def session(index: int) -> list[tuple[str, object, set]]:
        client = clients[index % SHARED_CLIENTS]
        done = []
        for job in range(JOBS_PER_SESSION):
            if job == 2:
                anonymous = httpx.post(f"{server.url}/prompt", json={"prompt": PROMPT}, timeout=10.0)
                assert anonymous.status_code == 200
            scenario = scenarios[(index + job) % len(scenarios)]
            seen_ids: set = set()
            result = client.run(PROMPT, extra_data={"trace_scenario": scenario},
                                on_event=lambda kind, data, ids=seen_ids: ids.add(data.get("prompt_id")))
            done.append((scenario, result, seen_ids))
        return done

    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        futures = [pool.submit(session, i) for i in range(SESSIONS)]
        results = [item for future in futures for item in future.result(timeout=300)]

    assert len(results) == SESSIONS * JOBS_PER_SESSION
    assert len(server.records) == SESSIONS * (JOBS_PER_SESSION + 1)
    assert len({result.prompt_id for _, result, _ in results}) == len(results)
    for scenario, result, seen_ids in results:  # each result is its own job's, not a neighbour's
        assert server.records[result.prompt_id].scenario == scenario
        assert result.status == EXPECTED[scenario]
        assert result.outputs == load_trace(scenario).history_outputs()
        assert result.events[-1] == "executing"
        assert seen_ids <= {None, result.prompt_id}  # no event of another prompt reached on_event
