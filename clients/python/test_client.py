"""The client against the real `ruvllm serve`: every method, the server's errors, a batch with
ids and context, and the client's own failures (closed port, no answer, 503 retries) against
local sockets. The binary and the router model come from RUVLLM_BIN and RUVLLM_MODEL (set by
CTest: tests/client_cli.sh).

    RUVLLM_BIN=build/bin/ruvllm RUVLLM_MODEL=router.gguf python3 clients/python/test_client.py
"""

import http.server
import os
import re
import socket
import subprocess
import threading
import time
import unittest
from typing import Any, Callable, List, Optional, Tuple

from ruvllm_client import Agents, Decision, Health, RuvllmClient, RuvllmError

TIERS = ["haiku", "sonnet", "opus"]
STAGES = ["keyword", "embedding", "blend", "sparse"]
# The fields ruvllm_client's TypedDicts declare: a field the server adds must be typed too.
DECISION_FIELDS = set(Decision.__annotations__)


def start_server(binary: str, model: str) -> Tuple[subprocess.Popen, str]:
    """Starts `ruvllm serve --port 0`; returns it and its base URL, read from the stderr line
    "listening on http://127.0.0.1:PORT"."""
    proc = subprocess.Popen(
        [binary, "serve", "-m", model, "--port", "0", "--threads", "2"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: List[str] = []
    found: List[str] = []

    def read() -> None:  # the whole stderr, so that the server never blocks on a full pipe
        for line in proc.stderr:
            lines.append(line)
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if m and not found:
                found.append(m.group(1))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc.reader = reader  # type: ignore[attr-defined]  # joined by stop_server
    t_end = time.monotonic() + 10
    while not found and proc.poll() is None and time.monotonic() < t_end:
        time.sleep(0.02)
    if not found:
        stop_server(proc)  # and the rest of its stderr read
        why = f"exited with code {proc.returncode}" if proc.returncode else "no line in 10 s"
        raise RuntimeError(f"serve did not say 'listening on' ({why}):\n" + "".join(lines))
    return proc, found[0]


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.reader.join(timeout=5)  # type: ignore[attr-defined]  # EOF once the server is gone
    proc.stderr.close()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerTest(unittest.TestCase):
    proc: Optional[subprocess.Popen] = None

    @classmethod
    def setUpClass(cls) -> None:
        binary, model = os.environ.get("RUVLLM_BIN"), os.environ.get("RUVLLM_MODEL")
        if not binary or not model:
            raise RuntimeError("set RUVLLM_BIN and RUVLLM_MODEL (tests/client_cli.sh does)")
        cls.model = model
        cls.proc, url = start_server(binary, model)
        try:
            cls.client = RuvllmClient(url + "/", timeout=5.0)
            cls.labels = cls.client.agents()["agents"]
        except BaseException:
            stop_server(cls.proc)
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        if cls.proc is not None:
            stop_server(cls.proc)

    def check_decision(self, d: Any) -> None:
        self.assertLessEqual(set(d), DECISION_FIELDS)
        self.assertTrue(d["agent"] is None or d["agent"] in self.labels, d)
        self.assertTrue(0 <= d["confidence"] <= 1, d)
        self.assertIn(d["stage"], STAGES)
        self.assertEqual("keywords" in d, d["stage"] == "keyword")
        for agent, score in d["top"]:
            self.assertIn(agent, self.labels)
            self.assertIsInstance(score, (int, float))
        if "model" in d:
            self.assertIn(d["model"], TIERS)
        self.assertGreaterEqual(d["latency_us"], 0)

    def failure(self, call: Callable[[], Any]) -> RuvllmError:
        with self.assertRaises(RuvllmError) as cm:
            call()
        return cm.exception

    def test_health_agents_version(self) -> None:
        h = self.client.health()
        self.assertEqual(list(h), list(Health.__annotations__))
        self.assertEqual(h["status"], "ok")
        self.assertEqual(h["model"], self.model)
        self.assertEqual(h["labels"], len(self.labels))
        self.assertIsInstance(h["heads"], bool)
        a = self.client.agents()
        self.assertEqual(list(a), list(Agents.__annotations__))
        self.assertGreaterEqual(len(a["agents"]), 2)
        self.assertEqual(a["tiers"], TIERS)
        self.assertEqual(a["modes"][:3], ["hybrid", "keyword", "embedding"])
        v = self.client.version()
        self.assertRegex(v["version"], r"^\d+\.\d+\.\d+")
        self.assertEqual(v["version"], h["version"])

    def test_route_with_id(self) -> None:
        d = self.client.route("fix the ci pipeline", id="job-7")
        self.check_decision(d)
        self.assertIsNotNone(d["agent"])
        self.assertEqual(list(d)[0], "id")
        self.assertEqual(d["id"], "job-7")
        self.assertEqual(len(d["top"]), min(3, len(self.labels)))
        self.assertEqual(d["top"][0][0], d["agent"])
        self.assertIn(d["model"], TIERS)

    def test_route_context_before_task(self) -> None:
        context = "the parser crashes on empty input"
        with_context = self.client.route("and add a test", context=context)
        joined = self.client.route("the parser crashes on empty input and add a test")
        for field in ("agent", "confidence", "top"):
            self.assertEqual(with_context[field], joined[field])
        self.assertNotIn("id", with_context)

    def test_route_options(self) -> None:
        d = self.client.route("design a distributed system", max_tier="haiku", top=0)
        self.assertEqual(d["model"], "haiku")
        self.assertEqual(d["top"], [])
        abstained = self.client.route("deploy it", mode="embedding", min_confidence=1.0)
        self.assertIsNone(abstained["agent"])
        self.assertEqual(abstained["stage"], "embedding")
        keyword = self.client.route("zzz qqq", mode="keyword")
        self.assertEqual(keyword["stage"], "keyword")
        self.assertEqual(keyword["keywords"], [])

    def test_route_batch(self) -> None:
        r = self.client.route_batch(
            [
                "deploy it",
                {"task": "write docs", "id": 1},
                {"task": "and add a test", "context": "the parser crashes", "id": {"n": 2}},
            ],
            top=1,
        )
        self.assertEqual(len(r["decisions"]), 3)
        self.assertGreaterEqual(r["latency_us"], 0)
        for d in r["decisions"]:
            self.check_decision(d)
            self.assertEqual(len(d["top"]), 1)
        self.assertNotIn("id", r["decisions"][0])
        self.assertEqual(r["decisions"][1]["id"], 1)
        self.assertEqual(r["decisions"][2]["id"], {"n": 2})
        alone = self.client.route("and add a test", context="the parser crashes", top=1)
        self.assertEqual(r["decisions"][2]["agent"], alone["agent"])
        self.assertEqual(r["decisions"][2]["confidence"], alone["confidence"])

    def test_errors(self) -> None:
        before = self.client.health()
        e = self.failure(lambda: self.client.route(""))
        self.assertEqual((e.status, e.code), (400, "invalid_request"))
        self.assertRegex(e.message, "empty task")
        after = self.client.health()
        self.assertEqual(after["requests"] - before["requests"], 2, "a 400 is sent once")
        self.assertEqual(after["errors"] - before["errors"], 1)

        e = self.failure(lambda: self.client.route("x", max_tier="gpt"))  # type: ignore[arg-type]
        self.assertEqual(e.status, 400)
        self.assertIn("max_tier", e.message)
        e = self.failure(lambda: self.client.route_batch(["ok", ""]))
        self.assertRegex(e.message, r"^tasks\[1\]: empty task")
        typo: Any = [{"task": "x", "ctx": "y"}]
        e = self.failure(lambda: self.client.route_batch(typo))
        self.assertIn('unknown field "ctx"', e.message)
        e = self.failure(lambda: self.client.route_batch([]))
        self.assertEqual(e.code, "invalid_request")
        with self.assertRaises(TypeError):
            self.client.route_batch("deploy it")


class _Canned(http.server.BaseHTTPRequestHandler):
    """Answers from the server's `answers` list, one per request: (status, body)."""

    def do_GET(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's name)
        self.server.hits += 1  # type: ignore[attr-defined]
        status, body = self.server.answers.pop(0)  # type: ignore[attr-defined]
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class ClientFailureTest(unittest.TestCase):
    def canned(self, answers: List[Tuple[int, str]]) -> http.server.HTTPServer:
        server = http.server.HTTPServer(("127.0.0.1", 0), _Canned)
        server.answers, server.hits = list(answers), 0  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server

    def test_closed_port(self) -> None:
        client = RuvllmClient(f"http://127.0.0.1:{free_port()}", retries=1)
        t0 = time.monotonic()
        with self.assertRaises(RuvllmError) as cm:
            client.health()
        self.assertEqual((cm.exception.status, cm.exception.code), (0, "network"))
        self.assertIn("refused", cm.exception.message)
        self.assertGreaterEqual(time.monotonic() - t0, 0.1, "one retry after 0.1 s")

    def test_no_answer_times_out(self) -> None:
        silent = socket.socket()  # listens, never accepts: the connection opens, no answer comes
        self.addCleanup(silent.close)
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        client = RuvllmClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        t0 = time.monotonic()
        with self.assertRaises(RuvllmError) as cm:
            client.route("deploy it")
        took = time.monotonic() - t0
        self.assertEqual((cm.exception.status, cm.exception.code), (0, "timeout"))
        self.assertTrue(0.25 <= took < 2.0, f"took {took:.2f} s")

    def test_503_retried(self) -> None:
        busy = '{"error":{"code":"unavailable","message":"busy"}}'
        server = self.canned([(503, busy), (503, busy), (200, '{"version":"9.9.9"}')])
        url = f"http://127.0.0.1:{server.server_address[1]}"
        self.assertEqual(RuvllmClient(url).version(), {"version": "9.9.9"})
        self.assertEqual(server.hits, 3)  # type: ignore[attr-defined]

        server.answers, server.hits = [(503, busy), (503, busy)], 0  # type: ignore[attr-defined]
        with self.assertRaises(RuvllmError) as cm:
            RuvllmClient(url, retries=1).health()
        self.assertEqual(server.hits, 2)  # type: ignore[attr-defined]
        self.assertEqual((cm.exception.status, cm.exception.code), (503, "unavailable"))
        self.assertEqual(cm.exception.message, "busy")

    def test_error_answer_not_json(self) -> None:
        server = self.canned([(502, "<html>bad gateway</html>")])
        client = RuvllmClient(f"http://127.0.0.1:{server.server_address[1]}")
        with self.assertRaises(RuvllmError) as cm:
            client.agents()
        self.assertEqual((cm.exception.status, cm.exception.code), (502, "http_error"))
        self.assertTrue(cm.exception.message.startswith("HTTP 502: <html>bad gateway"))

    def test_bad_options(self) -> None:
        with self.assertRaises(ValueError):
            RuvllmClient(timeout=0)
        with self.assertRaises(ValueError):
            RuvllmClient(retries=-1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
