"""ruvllm_client: a client for `ruvllm serve`, the task router's HTTP JSON API (/v1/...).

Standard library only (urllib, json), Python 3.9+.

    from ruvllm_client import RuvllmClient, RuvllmError

    client = RuvllmClient("http://127.0.0.1:8080")
    d = client.route("Fix the race condition in checkout", max_tier="sonnet")
    # d["agent"]: "coder" (None when the router abstains), d["model"]: "sonnet"

Every failure is a RuvllmError: the server's {"error": {"code", "message"}} with its HTTP
status, or a client-side code with status 0 ("network", "timeout"). Network errors and 503 are
retried (routing has no side effects); 4xx and other 5xx are not. `timeout` bounds a whole call:
each attempt gets the seconds that are left, and no attempt starts after it. Environment proxy
settings are not used (the service is usually on loopback; Node's fetch ignores them too).
"""

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Dict, Iterable, List, Literal, Optional, TypedDict, Union

__all__ = [
    "RuvllmClient",
    "RuvllmError",
    "Decision",
    "BatchResult",
    "Health",
    "Agents",
    "Version",
    "BatchItem",
    "TaskItem",
]

BACKOFF_S = 0.1  # before retry k (1-based): BACKOFF_S * 2 ** (k - 1)

Tier = Literal["haiku", "sonnet", "opus"]
Mode = Literal["hybrid", "keyword", "embedding", "sparse"]
Stage = Literal["keyword", "embedding", "blend", "sparse"]
Complexity = Literal["Simple", "Moderate", "Complex"]


class _DecisionFields(TypedDict):
    agent: Optional[str]  # None: the router abstained, or no keyword rule decided (keyword mode)
    confidence: float  # 0 to 1, rounded to 4 decimals
    stage: Stage
    top: List[List[Union[str, float]]]  # [agent, score] pairs, best first
    latency_us: float


class Decision(_DecisionFields, total=False):
    """One routing decision, as POST /v1/route returns it (router.h's decision_json)."""

    id: Any  # the request's (or batch item's) id, when it had one: the first field
    keywords: List[str]  # stage "keyword" only: the phrases of the matched rules
    model: Tier  # model, complexity, quality: models with heads (Health["heads"]) only
    complexity: Complexity
    quality: float  # 0 to 1, rounded to 3 decimals


class BatchResult(TypedDict):
    decisions: List[Decision]  # in the order of the items
    latency_us: float


class Health(TypedDict):
    status: Literal["ok"]
    version: str
    model: str  # the model file the service loaded
    labels: int  # number of agents
    keyword_rules: int
    heads: bool  # whether decisions carry model, complexity and quality
    requests: int  # requests answered before this one
    errors: int
    uptime_s: float


class Agents(TypedDict):
    agents: List[str]
    tiers: List[Tier]
    modes: List[Mode]


class Version(TypedDict):
    version: str


class _ItemFields(TypedDict):
    task: str


class TaskItem(_ItemFields, total=False):
    context: str  # routed before the task ("<context> <task>")
    id: Any  # echoed as the decision's first field


BatchItem = Union[str, TaskItem]


class RuvllmError(Exception):
    """A failed call.

    status: the HTTP status, 0 when no answer came.
    code: the server's error code ("invalid_json", "invalid_request", "not_found",
        "method_not_allowed", "too_large", "model_error", "internal") or the client's:
        "network" (no connection, or it failed), "timeout" (no answer in time), "http_error"
        (an error answer without the server's JSON body) or "invalid_response" (a 2xx answer
        that is not JSON).
    message: the server's message, or what the client saw.
    """

    def __init__(self, message: str, status: int = 0, code: str = "network") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __repr__(self) -> str:
        return f"RuvllmError(status={self.status}, code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> Any:  # pickled whole (a process pool's worker raising it)
        return (type(self), (self.message, self.status, self.code))


def _defined(fields: Dict[str, Any]) -> Dict[str, Any]:
    """The fields that are not None (an option left out keeps the service's default)."""
    return {k: v for k, v in fields.items() if v is not None}


def _http_error(status: int, text: str) -> RuvllmError:
    """The RuvllmError for an answer that is not a 2xx: the server's error body when it has one."""
    try:
        err = json.loads(text).get("error")
        if isinstance(err.get("code"), str) and isinstance(err.get("message"), str):
            return RuvllmError(err["message"], status, err["code"])
    except (ValueError, AttributeError):
        pass  # not the server's JSON (a proxy's page, say): reported with the start of the body
    start = text[:200] + "..." if len(text) > 200 else text
    message = f"HTTP {status}: {start}" if start else f"HTTP {status}"
    return RuvllmError(message, status, "http_error")


class RuvllmClient:
    """A client for one `ruvllm serve` (a new HTTP connection per request)."""

    def __init__(
        self, base_url: str = "http://127.0.0.1:8080", timeout: float = 5.0, retries: int = 2
    ) -> None:
        """base_url: the service, without /v1. timeout: seconds for a whole call, retries
        included. retries: further attempts after a network error or a 503."""
        if not timeout > 0:
            raise ValueError(f"timeout {timeout}, expected a positive number of seconds")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries {retries}, expected an integer >= 0")
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.retries = retries
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def route(
        self,
        task: str,
        *,
        context: Optional[str] = None,
        id: Any = None,  # noqa: A002 (the field's name in the API)
        mode: Optional[Mode] = None,
        top: Optional[int] = None,
        min_confidence: Optional[float] = None,
        tier_bias: Optional[float] = None,
        max_tier: Optional[Tier] = None,
    ) -> Decision:
        """Routes one task (POST /v1/route). Options left at None keep the service's defaults:
        mode, top (alternatives listed, 0 to the number of agents), min_confidence (abstain
        below, 0 to 1), tier_bias (< 0 cheaper, > 0 stronger), max_tier (budget ceiling)."""
        body = _defined(
            {
                "task": task,
                "context": context,
                "id": id,
                "mode": mode,
                "top": top,
                "min_confidence": min_confidence,
                "tier_bias": tier_bias,
                "max_tier": max_tier,
            }
        )
        return self._request("POST", "/v1/route", body)

    def route_batch(
        self,
        items: Iterable[BatchItem],
        *,
        mode: Optional[Mode] = None,
        top: Optional[int] = None,
        min_confidence: Optional[float] = None,
        tier_bias: Optional[float] = None,
        max_tier: Optional[Tier] = None,
    ) -> BatchResult:
        """Routes tasks in one request (POST /v1/route/batch): items are task strings or
        {"task", "context"?, "id"?}; the decisions keep their order. Options as route()'s."""
        if isinstance(items, str):
            raise TypeError("route_batch(items): items is a list of tasks, not one task")
        tasks = [item if isinstance(item, str) else _defined(dict(item)) for item in items]
        body = _defined(
            {
                "tasks": tasks,
                "mode": mode,
                "top": top,
                "min_confidence": min_confidence,
                "tier_bias": tier_bias,
                "max_tier": max_tier,
            }
        )
        return self._request("POST", "/v1/route/batch", body)

    def health(self) -> Health:
        """The service's state and counters (GET /v1/health)."""
        return self._request("GET", "/v1/health")

    def agents(self) -> Agents:
        """The agents the model routes to, the tiers and the modes (GET /v1/agents)."""
        return self._request("GET", "/v1/agents")

    def version(self) -> Version:
        """The server's ruvllm version (GET /v1/version)."""
        return self._request("GET", "/v1/version")

    def _request(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        deadline = time.monotonic() + self.timeout
        data = None if body is None else json.dumps(body).encode("utf-8")
        attempt = 0
        while True:
            try:
                return self._attempt(method, path, data, deadline)
            except RuvllmError as e:
                retryable = e.code == "network" or e.status == 503
                wait = BACKOFF_S * 2**attempt
                # No retry left, or no time for one: the last failure is the answer.
                if not retryable or attempt >= self.retries or time.monotonic() + wait >= deadline:
                    raise
                time.sleep(wait)
                attempt += 1

    def _attempt(self, method: str, path: str, data: Optional[bytes], deadline: float) -> Any:
        url = self.base_url + path
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._timeout(path)
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(req, timeout=left) as res:
                status, raw = res.status, res.read()
        except urllib.error.HTTPError as e:
            try:
                text = e.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                text = ""  # the status alone, then
            finally:
                e.close()
            raise _http_error(e.code, text) from None
        except (socket.timeout, TimeoutError) as e:
            raise self._timeout(path) from e
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise self._timeout(path) from e
            raise RuvllmError(f"{method} {url}: {e.reason}") from e
        except (OSError, http.client.HTTPException) as e:
            raise RuvllmError(f"{method} {url}: {e!r}") from e
        try:
            return json.loads(raw)
        except ValueError as e:
            raise RuvllmError(f"{path}: the answer is not JSON", status, "invalid_response") from e

    def _timeout(self, path: str) -> RuvllmError:
        return RuvllmError(
            f"{self.base_url}{path}: no answer within {self.timeout:g} s", code="timeout"
        )
