// The client against the real `ruvllm serve`: every method, the server's errors, a batch with
// ids and context, and the client's own failures (closed port, no answer, 503 retries) against
// local sockets. The binary and the router model come from RUVLLM_BIN and RUVLLM_MODEL (set by
// CTest: tests/client_cli.sh).
//   RUVLLM_BIN=build/bin/ruvllm RUVLLM_MODEL=router.gguf node --test clients/node/test/*.js
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";

import { RuvllmClient, RuvllmError } from "../index.js";

const bin = process.env.RUVLLM_BIN;
const model = process.env.RUVLLM_MODEL;
const TIERS = ["haiku", "sonnet", "opus"];
const STAGES = ["keyword", "embedding", "blend", "sparse"];
// The fields index.d.ts declares: a field the server adds must be typed too.
const DECISION_FIELDS = ["id", "agent", "confidence", "stage", "keywords", "top", "model",
    "complexity", "quality", "latency_us"];
const HEALTH_FIELDS = ["status", "version", "model", "labels", "keyword_rules", "heads",
    "requests", "errors", "uptime_s"];

// Starts `ruvllm serve --port 0` and resolves with its base URL, read from the stderr line
// "listening on http://127.0.0.1:PORT".
async function startServer() {
    assert.ok(bin && model, "set RUVLLM_BIN and RUVLLM_MODEL (tests/client_cli.sh does)");
    const proc = spawn(bin, ["serve", "-m", model, "--port", "0", "--threads", "2"], {
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error(`no 'listening on' line in 10 s:\n${stderr}`)),
            10000,
        );
        proc.stderr.setEncoding("utf8");
        proc.stderr.on("data", (chunk) => {
            stderr += chunk;
            const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
            if (m) {
                clearTimeout(timer);
                resolve(m[1]);
            }
        });
        proc.on("error", reject);
        // "close": after the exit and the last of stderr.
        proc.on("close", (code) => reject(new Error(`serve exited early (${code}):\n${stderr}`)));
    });
    return { proc, url };
}

async function stopServer(proc) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
        return;
    }
    const exited = once(proc, "exit");
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
}

// Resolves with a RuvllmError from `promise`, failing the test if it settles otherwise.
async function failure(promise) {
    try {
        await promise;
    } catch (e) {
        assert.ok(e instanceof RuvllmError, `expected a RuvllmError, got ${e}`);
        return e;
    }
    assert.fail("expected the call to fail");
}

function checkDecision(d, agents) {
    for (const key of Object.keys(d)) {
        assert.ok(DECISION_FIELDS.includes(key), `decision field "${key}" is not in index.d.ts`);
    }
    assert.ok(d.agent === null || agents.includes(d.agent), `agent ${d.agent}`);
    assert.ok(d.confidence >= 0 && d.confidence <= 1, `confidence ${d.confidence}`);
    assert.ok(STAGES.includes(d.stage), `stage ${d.stage}`);
    assert.equal(Array.isArray(d.keywords), d.stage === "keyword");
    for (const [agent, score] of d.top) {
        assert.ok(agents.includes(agent));
        assert.equal(typeof score, "number");
    }
    assert.ok(d.model === undefined || TIERS.includes(d.model), `model ${d.model}`);
    assert.ok(d.latency_us >= 0);
}

describe("against ruvllm serve", () => {
    let server, client, agents;

    before(async () => {
        server = await startServer();
        client = new RuvllmClient({ baseUrl: `${server.url}/`, timeoutMs: 5000 });
        agents = (await client.agents()).agents;
    });
    after(() => stopServer(server?.proc));

    test("health, agents and version", async () => {
        const h = await client.health();
        assert.deepEqual(Object.keys(h), HEALTH_FIELDS);
        assert.equal(h.status, "ok");
        assert.equal(h.model, model);
        assert.equal(h.labels, agents.length);
        assert.equal(typeof h.heads, "boolean");
        assert.ok(h.requests >= 1 && h.errors >= 0 && h.uptime_s >= 0);
        const a = await client.agents();
        assert.deepEqual(Object.keys(a), ["agents", "tiers", "modes"]);
        assert.ok(a.agents.length >= 2);
        assert.deepEqual(a.tiers, TIERS);
        assert.deepEqual(a.modes.slice(0, 3), ["hybrid", "keyword", "embedding"]);
        const v = await client.version();
        assert.match(v.version, /^\d+\.\d+\.\d+/);
        assert.equal(v.version, h.version);
    });

    test("route: a decision, the id first", async () => {
        const d = await client.route("fix the ci pipeline", { id: "job-7" });
        checkDecision(d, agents);
        assert.ok(d.agent !== null);
        assert.equal(Object.keys(d)[0], "id");
        assert.equal(d.id, "job-7");
        assert.equal(d.top.length, Math.min(3, agents.length));
        assert.equal(d.top[0][0], d.agent);
        assert.ok(TIERS.includes(d.model) && d.quality >= 0 && d.complexity);
    });

    test("route: context is routed before the task", async () => {
        const context = "the parser crashes on empty input";
        const withContext = await client.route("and add a test", { context });
        const joined = await client.route("the parser crashes on empty input and add a test");
        assert.equal(withContext.agent, joined.agent);
        assert.equal(withContext.confidence, joined.confidence);
        assert.deepEqual(withContext.top, joined.top);
        assert.equal("id" in withContext, false);
    });

    test("route: per-request options", async () => {
        const d = await client.route("design a distributed system", { max_tier: "haiku", top: 0 });
        assert.equal(d.model, "haiku");
        assert.deepEqual(d.top, []);
        const abstained = await client.route("deploy it", { mode: "embedding", min_confidence: 1 });
        assert.equal(abstained.agent, null);
        assert.equal(abstained.stage, "embedding");
        const keyword = await client.route("zzz qqq", { mode: "keyword", context: undefined });
        assert.equal(keyword.stage, "keyword");
        assert.deepEqual(keyword.keywords, []);
    });

    test("routeBatch: ids and context, in order", async () => {
        const r = await client.routeBatch(
            [
                "deploy it",
                { task: "write docs", id: 1 },
                { task: "and add a test", context: "the parser crashes", id: { n: 2 } },
            ],
            { top: 1 },
        );
        assert.equal(r.decisions.length, 3);
        assert.ok(r.latency_us >= 0);
        for (const d of r.decisions) {
            checkDecision(d, agents);
            assert.equal(d.top.length, 1);
        }
        assert.equal("id" in r.decisions[0], false);
        assert.equal(r.decisions[1].id, 1);
        assert.deepEqual(r.decisions[2].id, { n: 2 });
        const alone = await client.route("and add a test", {
            context: "the parser crashes",
            top: 1,
        });
        assert.equal(r.decisions[2].agent, alone.agent);
        assert.equal(r.decisions[2].confidence, alone.confidence);
    });

    test("errors: the server's status, code and message, not retried", async () => {
        const before = await client.health();
        const e = await failure(client.route(""));
        assert.equal(e.status, 400);
        assert.equal(e.code, "invalid_request");
        assert.match(e.message, /empty task/);
        const after = await client.health();
        assert.equal(after.requests - before.requests, 2, "a 400 is sent once");
        assert.equal(after.errors - before.errors, 1);

        const typo = await failure(client.route("x", { max_teir: "opus" }));
        assert.equal(typo.status, 400);
        assert.match(typo.message, /unknown field "max_teir"/);
        const tier = await failure(client.route("x", { max_tier: "gpt" }));
        assert.match(tier.message, /max_tier/);
        const item = await failure(client.routeBatch(["ok", ""]));
        assert.match(item.message, /^tasks\[1\]: empty task/);
        const empty = await failure(client.routeBatch([]));
        assert.equal(empty.code, "invalid_request");
        assert.throws(() => client.route("x", { task: "y" }), TypeError);
        assert.throws(() => client.routeBatch("deploy it"), TypeError);
    });
});

describe("client-side failures", () => {
    test("a closed port: code network after the retries", async () => {
        const probe = net.createServer();
        await once(probe.listen(0, "127.0.0.1"), "listening");
        const port = probe.address().port;
        probe.close();
        await once(probe, "close");
        const client = new RuvllmClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 1 });
        const t0 = Date.now();
        const e = await failure(client.health());
        assert.equal(e.code, "network");
        assert.equal(e.status, 0);
        assert.match(e.message, /ECONNREFUSED/);
        assert.ok(Date.now() - t0 >= 100, "one retry after 100 ms");
    });

    test("no answer: code timeout within timeoutMs", async () => {
        const sockets = new Set();
        const silent = net.createServer((s) => sockets.add(s));
        await once(silent.listen(0, "127.0.0.1"), "listening");
        try {
            const baseUrl = `http://127.0.0.1:${silent.address().port}`;
            const client = new RuvllmClient({ baseUrl, timeoutMs: 300 });
            const t0 = Date.now();
            const e = await failure(client.route("deploy it"));
            assert.equal(e.code, "timeout");
            assert.equal(e.status, 0);
            const took = Date.now() - t0;
            assert.ok(took >= 250 && took < 2000, `took ${took} ms`);
        } finally {
            for (const s of sockets) {
                s.destroy();
            }
            silent.close();
        }
    });

    test("503 is retried, then its error is reported", async () => {
        let hits = 0;
        const busy = http.createServer((req, res) => {
            hits++;
            const ok = req.url === "/v1/version" && hits === 3;
            res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
            const busy = '{"error":{"code":"unavailable","message":"busy"}}';
            res.end(ok ? '{"version":"9.9.9"}' : busy);
        });
        await once(busy.listen(0, "127.0.0.1"), "listening");
        try {
            const url = `http://127.0.0.1:${busy.address().port}`;
            const v = await new RuvllmClient({ baseUrl: url }).version();
            assert.deepEqual(v, { version: "9.9.9" });
            assert.equal(hits, 3);
            hits = 0;
            const e = await failure(new RuvllmClient({ baseUrl: url, retries: 1 }).health());
            assert.equal(hits, 2);
            assert.equal(e.status, 503);
            assert.equal(e.code, "unavailable");
            assert.equal(e.message, "busy");
        } finally {
            busy.closeAllConnections();
            busy.close();
        }
    });

    test("an error answer that is not JSON", async () => {
        const proxy = http.createServer((req, res) => {
            res.writeHead(502, { "content-type": "text/html" });
            res.end("<html>bad gateway</html>");
        });
        await once(proxy.listen(0, "127.0.0.1"), "listening");
        try {
            const baseUrl = `http://127.0.0.1:${proxy.address().port}`;
            const client = new RuvllmClient({ baseUrl });
            const e = await failure(client.agents());
            assert.equal(e.status, 502);
            assert.equal(e.code, "http_error");
            assert.match(e.message, /^HTTP 502: <html>bad gateway/);
        } finally {
            proxy.closeAllConnections();
            proxy.close();
        }
    });

    test("bad options are refused up front", () => {
        assert.throws(() => new RuvllmClient({ timeoutMs: 0 }), RangeError);
        assert.throws(() => new RuvllmClient({ retries: -1 }), RangeError);
    });
});
