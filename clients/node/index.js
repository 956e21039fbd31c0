// ruvllm-client: a client for `ruvllm serve`, the task router's HTTP JSON API (/v1/...).
// Zero dependencies: the global fetch of Node 18+. Types: index.d.ts.
//
//   import { RuvllmClient, RuvllmError } from "ruvllm-client";
//   const client = new RuvllmClient({ baseUrl: "http://127.0.0.1:8080" });
//   const d = await client.route("Fix the race condition in checkout", { max_tier: "sonnet" });
//   // d.agent: "coder" (null when the router abstains), d.model: "sonnet", d.confidence: 0.93
//
// Every failure is a RuvllmError: the server's {"error": {"code", "message"}} with its HTTP
// status, or a client-side code with status 0 ("network", "timeout"). Network errors and 503
// are retried (routing has no side effects); 4xx and other 5xx are not. `timeoutMs` bounds a
// whole call, retries and their backoff included.

const BACKOFF_MS = 100;  // before retry k (1-based): BACKOFF_MS * 2^(k-1)

export class RuvllmError extends Error {
    /**
     * @param {string} message
     * @param {{status?: number, code?: string, cause?: unknown}} [details]
     */
    constructor(message, { status = 0, code = "network", cause } = {}) {
        super(message, cause === undefined ? undefined : { cause });
        this.name = "RuvllmError";
        this.status = status;
        this.code = code;
    }
}

// A copy of `obj` without its undefined and null values: an option left out keeps the
// service's default (as in the Python client, where None means "left out").
function defined(obj) {
    const out = {};
    for (const [k, v] of Object.entries(obj ?? {})) {
        if (v !== undefined && v !== null) {
            out[k] = v;
        }
    }
    return out;
}

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// The RuvllmError for an answer that is not a 2xx: the server's error body when it has one.
function httpError(status, text) {
    try {
        const e = JSON.parse(text).error;
        if (e && typeof e.code === "string" && typeof e.message === "string") {
            return new RuvllmError(e.message, { status, code: e.code });
        }
    } catch {
        // not JSON (a proxy's page, say): reported below with the start of the body
    }
    const start = text.length > 200 ? `${text.slice(0, 200)}...` : text;
    return new RuvllmError(`HTTP ${status}${start ? `: ${start}` : ""}`, {
        status,
        code: "http_error",
    });
}

export class RuvllmClient {
    /**
     * @param {{baseUrl?: string, timeoutMs?: number, retries?: number}} [options]
     */
    constructor({ baseUrl = "http://127.0.0.1:8080", timeoutMs = 5000, retries = 2 } = {}) {
        if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
            throw new RangeError(`timeoutMs ${timeoutMs}, expected a positive number`);
        }
        if (!(Number.isInteger(retries) && retries >= 0)) {
            throw new RangeError(`retries ${retries}, expected an integer >= 0`);
        }
        this.baseUrl = String(baseUrl).replace(/\/+$/, "");
        this.timeoutMs = timeoutMs;
        this.retries = retries;
    }

    /** Routes one task: POST /v1/route. */
    route(task, options) {
        const opts = defined(options);
        if ("task" in opts) {
            throw new TypeError("route(task, options): pass the task as the first argument");
        }
        return this.#request("POST", "/v1/route", { task, ...opts });
    }

    /** Routes tasks in one request, decisions in the order of `items`: POST /v1/route/batch. */
    routeBatch(items, options) {
        const opts = defined(options);
        if ("tasks" in opts || typeof items === "string") {
            throw new TypeError("routeBatch(items, options): items is an array of tasks");
        }
        const tasks = Array.from(items, (x) => (typeof x === "string" ? x : defined(x)));
        return this.#request("POST", "/v1/route/batch", { tasks, ...opts });
    }

    /** The service's state and counters: GET /v1/health. */
    health() {
        return this.#request("GET", "/v1/health");
    }

    /** The agents the model routes to, the tiers and the modes: GET /v1/agents. */
    agents() {
        return this.#request("GET", "/v1/agents");
    }

    /** The server's ruvllm version: GET /v1/version. */
    version() {
        return this.#request("GET", "/v1/version");
    }

    async #request(method, path, body) {
        const deadline = Date.now() + this.timeoutMs;
        const init = { method, headers: { accept: "application/json" } };
        if (body !== undefined) {
            init.headers["content-type"] = "application/json";
            init.body = JSON.stringify(body);
        }
        for (let attempt = 0; ; attempt++) {
            try {
                return await this.#attempt(path, init, deadline);
            } catch (e) {
                const retryable = e.code === "network" || e.status === 503;
                const wait = BACKOFF_MS * 2 ** attempt;
                // No retry left, or no time for one: the last failure is the answer.
                if (!retryable || attempt >= this.retries || Date.now() + wait >= deadline) {
                    throw e;
                }
                await sleep(wait);
            }
        }
    }

    async #attempt(path, init, deadline) {
        const left = deadline - Date.now();
        if (left <= 0) {
            throw this.#timeout(path);
        }
        let res, text;
        try {
            res = await fetch(this.baseUrl + path, { ...init, signal: AbortSignal.timeout(left) });
            text = await res.text();
        } catch (e) {
            if (e?.name === "TimeoutError" || e?.name === "AbortError") {
                throw this.#timeout(path, e);
            }
            const why = e?.cause?.message ?? e?.message ?? String(e);
            throw new RuvllmError(`${init.method} ${this.baseUrl}${path}: ${why}`, {
                code: "network",
                cause: e,
            });
        }
        if (!res.ok) {
            throw httpError(res.status, text);
        }
        try {
            return JSON.parse(text);
        } catch (e) {
            throw new RuvllmError(`${path}: the answer is not JSON`, {
                status: res.status,
                code: "invalid_response",
                cause: e,
            });
        }
    }

    #timeout(path, cause) {
        return new RuvllmError(`${this.baseUrl}${path}: no answer within ${this.timeoutMs} ms`, {
            code: "timeout",
            cause,
        });
    }
}
