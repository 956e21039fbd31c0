// Types for ruvllm-client: the JSON of `ruvllm serve` (include/ruvllm/serve/service.h and
// include/ruvllm/router/router.h), field for field.

/** Any JSON value (a request's "id" is echoed back as sent). */
export type JsonValue =
    | string
    | number
    | boolean
    | null
    | JsonValue[]
    | { [key: string]: JsonValue };

/** Model tiers, cheapest first. */
export type Tier = "haiku" | "sonnet" | "opus";
/** Routing modes: "sparse" only on a model with a sparse stage (GET /v1/agents lists it then). */
export type Mode = "hybrid" | "keyword" | "embedding" | "sparse";
/** The stage that made a decision. */
export type Stage = "keyword" | "embedding" | "blend" | "sparse";
export type Complexity = "Simple" | "Moderate" | "Complex";

/** Per-request options, each overriding the service's default (its command-line flags). */
export interface RouteOptions {
    mode?: Mode;
    /** Alternatives listed in `top`: 0 to the number of agents. */
    top?: number;
    /** Abstain (agent null) below this confidence, 0 to 1. */
    min_confidence?: number;
    /** Shifts the model tier: < 0 cheaper, > 0 stronger. */
    tier_bias?: number;
    /** Budget ceiling for the model tier. */
    max_tier?: Tier;
}

export interface TaskFields {
    /** Routed before the task ("<context> <task>"). */
    context?: string;
    /** Any JSON value, echoed as the decision's first field. */
    id?: JsonValue;
}

/** A batch item: a task, or a task with its context and id. */
export type BatchItem = string | ({ task: string } & TaskFields);

interface DecisionCommon {
    /** Present when the request (or batch item) had an id. */
    id?: JsonValue;
    /**
     * The agent, or null: the router abstained (confidence below min_confidence) or, in keyword
     * mode, no rule decided.
     */
    agent: string | null;
    /** 0 to 1, rounded to 4 decimals. Keyword stage: the best precision of the matched rules. */
    confidence: number;
    /** [agent, score] pairs, best first (cosines, or blended / sparse probabilities). */
    top: Array<[agent: string, score: number]>;
    /** Time spent routing this task, in microseconds. */
    latency_us: number;
}

interface KeywordStage {
    stage: "keyword";
    /** The phrases of the matched keyword rules (empty when no rule decided). */
    keywords: string[];
}

interface ScoredStage {
    stage: "embedding" | "blend" | "sparse";
    keywords?: undefined;
}

/** The heads' fields, present together on models that have heads (GET /v1/health: heads). */
interface WithHeads {
    /** The model tier to run the agent on (after tier_bias and max_tier). */
    model: Tier;
    complexity: Complexity;
    /** Predicted quality, 0 to 1, rounded to 3 decimals. */
    quality: number;
}

interface WithoutHeads {
    model?: undefined;
    complexity?: undefined;
    quality?: undefined;
}

/** One routing decision, as POST /v1/route returns it. */
export type Decision = DecisionCommon & (KeywordStage | ScoredStage) & (WithHeads | WithoutHeads);

export interface BatchResult {
    /** In the order of the items. */
    decisions: Decision[];
    /** Time spent on the whole batch, in microseconds. */
    latency_us: number;
}

export interface Health {
    status: "ok";
    version: string;
    /** The model file the service loaded. */
    model: string;
    /** Number of agents. */
    labels: number;
    keyword_rules: number;
    /** Whether decisions carry model, complexity and quality. */
    heads: boolean;
    /** Requests answered before this one. */
    requests: number;
    /** Of those, the ones answered with an error. */
    errors: number;
    uptime_s: number;
}

export interface Agents {
    agents: string[];
    tiers: Tier[];
    modes: Mode[];
}

export interface Version {
    version: string;
}

export interface ClientOptions {
    /** Default "http://127.0.0.1:8080"; the /v1/... paths are appended. */
    baseUrl?: string;
    /** Bounds a whole call, retries included (default 5000). */
    timeoutMs?: number;
    /** Retries after a network error or a 503 (default 2). */
    retries?: number;
}

/** The server's error codes, then the client's own. */
export type ErrorCode =
    | "invalid_json"
    | "invalid_request"
    | "not_found"
    | "method_not_allowed"
    | "too_large"
    | "model_error"
    | "internal"
    /** No connection, or it failed (status 0). */
    | "network"
    /** No answer within timeoutMs (status 0). */
    | "timeout"
    /** An error answer without the server's JSON error body (a proxy's, say). */
    | "http_error"
    /** A 2xx answer that is not JSON. */
    | "invalid_response";

export class RuvllmError extends Error {
    constructor(message: string, details?: { status?: number; code?: string; cause?: unknown });
    readonly name: "RuvllmError";
    /** The HTTP status; 0 when no answer came (network, timeout). */
    status: number;
    /** The server's error code, or one of the client's. */
    code: ErrorCode | (string & {});
}

export class RuvllmClient {
    constructor(options?: ClientOptions);
    readonly baseUrl: string;
    readonly timeoutMs: number;
    readonly retries: number;
    route(task: string, options?: RouteOptions & TaskFields): Promise<Decision>;
    routeBatch(items: Iterable<BatchItem>, options?: RouteOptions): Promise<BatchResult>;
    health(): Promise<Health>;
    agents(): Promise<Agents>;
    version(): Promise<Version>;
}
