// cmd_hard_negatives.cpp: `ruvllm hard-negatives`: ask the LLM for tasks between confusing
// agent pairs, validate them and write seed-format triplets (hard_negatives.h).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <ruvllm/core/io.h>
#include <ruvllm/dataset/library.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/llm/llm.h>
#include <ruvllm/train/hard_negatives.h>
#include <ruvllm/train/train.h>
#include <ruvllm/train/triplets.h>

#include "cli.h"

namespace ruvllm::cli {

namespace {

namespace fs = std::filesystem;

// "~/x" -> "$HOME/x"; other paths unchanged.
Result<fs::path> expand_home(const std::string& path) {
    if (path != "~" && path.rfind("~/", 0) != 0) {
        return fs::path(path);
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: " + path +
                              ": HOME is not set, expected a home "
                              "directory to expand '~'");
    }
    return fs::path(home) / path.substr(path.size() > 1 ? 2 : 1);
}

Status make_parent_dirs(const fs::path& path) {
    const fs::path parent = path.parent_path();
    if (parent.empty()) {
        return ok();
    }
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec || !fs::is_directory(parent)) {
        return make_error(Errc::io,
                          parent.string() + ": cannot create output directory (" + ec.message() +
                              "), expected a writable directory");
    }
    return ok();
}

// The texts of a labelled file (dataset JSONL, triplets, CSV, fastText); none when path is "".
Result<std::vector<std::string>> load_texts(const std::string& path) {
    std::vector<std::string> texts;
    if (path.empty()) {
        return texts;
    }
    Result<LabeledSet> set = load_labeled(path, DataOptions{});
    if (!set) {
        return set.error();
    }
    texts.reserve(set->rows.size());
    for (LabeledExample& ex : set->rows) {
        texts.push_back(std::move(ex.text));
    }
    return texts;
}

// Agent descriptions for the prompt from the agent library. The shipped library is optional
// (an installed binary may not have it); an explicit --library must load.
Result<std::vector<std::pair<std::string, std::string>>> load_descriptions(const std::string& dir) {
    std::vector<std::pair<std::string, std::string>> out;
    Result<Library> lib = load_library(dir.empty() ? default_library_dir() : fs::path(dir));
    if (!lib) {
        if (dir.empty()) {
            return out;
        }
        return lib.error();
    }
    for (const Agent& a : lib->agents) {
        out.emplace_back(a.name, a.description);
    }
    return out;
}

std::string reject_list(const RejectCounts& counts) {
    std::string s;
    for (size_t i = 0; i < counts.size(); i++) {
        if (counts[i] == 0) {
            continue;
        }
        s += s.empty() ? "" : ", ";
        s += std::string(reject_name(static_cast<HardNegativeReject>(i))) + " " +
             std::to_string(counts[i]);
    }
    return s.empty() ? "none" : s;
}

size_t total(const RejectCounts& counts) {
    size_t n = 0;
    for (size_t c : counts) {
        n += c;
    }
    return n;
}

void print_pair(size_t i, size_t n, const PairReport& p) {
    if (!p.requested) {
        std::fprintf(stderr,
                     "hard-negatives: [%zu/%zu] %s: skipped, the token budget is spent\n",
                     i + 1,
                     n,
                     p.pair.name().c_str());
        return;
    }
    std::fprintf(stderr,
                 "hard-negatives: [%zu/%zu] %s: %zu of %zu lines accepted (%s %zu, %s %zu), "
                 "rejected: %s%s%s\n",
                 i + 1,
                 n,
                 p.pair.name().c_str(),
                 p.accepted,
                 p.lines,
                 p.pair.a.c_str(),
                 p.accepted_a,
                 p.pair.b.c_str(),
                 p.accepted_b,
                 reject_list(p.rejected).c_str(),
                 p.stop_reason == "max_tokens" ? " [reply cut at max_tokens]" : "",
                 p.from_cache ? " [cache]" : "");
}

void print_report(const HardNegativeReport& r, const fs::path& out) {
    std::fprintf(stderr,
                 "hard-negatives: %zu triplets from %zu lines over %zu pairs -> %s\n"
                 "  rejected %zu: %s\n"
                 "  llm %s: %lld requests (%lld retries), %lld cache hits, %lld tokens used\n",
                 r.accepted,
                 r.lines,
                 r.pairs.size(),
                 out.string().c_str(),
                 total(r.rejected),
                 reject_list(r.rejected).c_str(),
                 r.model.c_str(),
                 static_cast<long long>(r.llm.requests_sent),
                 static_cast<long long>(r.llm.retries),
                 static_cast<long long>(r.llm.cache_hits),
                 static_cast<long long>(r.llm.tokens_used));
    if (r.truncated > 0) {
        std::fprintf(stderr, "  %zu replies stopped at max_tokens\n", r.truncated);
    }
}

}  // namespace

CLI::App* add_hard_negatives(CLI::App& app, HardNegativesOptions& opt) {
    const LlmOptions llm_defaults;
    opt.api_base = llm_defaults.api_base;
    opt.llm_model = llm_defaults.model;
    CLI::App* cmd = app.add_subcommand(
        "hard-negatives", "ask Claude for hard-negative triplets between confusing agent pairs");
    cmd->footer(
        "Needs ANTHROPIC_API_KEY. One request per pair asks for --count tasks that suit both\n"
        "agents but one of them better (about half each way); each reply line is one JSON\n"
        "object, parsed and validated: known agents, the pair asked, non-empty, not too long,\n"
        "not in --test, not a near-duplicate of --data (or of --test with --model), not a\n"
        "duplicate. Replies are cached in --cache-dir: a rerun pays only for what is missing.\n"
        "Output: the seed's triplet JSONL (anchor, positive, negative, isHard, reason).");
    cmd->add_option("-n,--count", opt.count, "tasks asked for per pair")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("-o,--out", opt.out, "output triplets JSONL (parent directories are created)")
        ->capture_default_str();
    cmd->add_option("-i,--data", opt.data, "training data: tasks equal to these are rejected");
    cmd->add_option("--test", opt.test, "test split: tasks equal to these are rejected");
    cmd->add_option("--model",
                    opt.model,
                    "router or base model (GGUF): also reject tasks whose embedding is close to "
                    "a --data or --test text");
    cmd->add_option("--near-duplicate", opt.near_duplicate, "cosine threshold of --model")
        ->check(CLI::Range(0.000001f, 1.0f))
        ->capture_default_str();
    cmd->add_option("--max-task-bytes", opt.max_task_bytes, "longer tasks are rejected")
        ->check(CLI::Range(size_t{1}, size_t{1} << 20))
        ->capture_default_str();
    cmd->add_option("--pairs",
                    opt.pairs,
                    "subset of pairs, e.g. \"coder/refactorer,reviewer/tester\" (default: the 10 "
                    "confusing pairs)");
    cmd->add_option("--library", opt.library, "agent library for the prompt's descriptions");
    cmd->add_option("--api-base", opt.api_base, "Messages API base URL")->capture_default_str();
    cmd->add_option("--llm-model", opt.llm_model, "model id")->capture_default_str();
    cmd->add_option("--max-tokens-total", opt.max_tokens_total, "token budget, -1 = none")
        ->check(CLI::Range(int64_t{-1}, INT64_MAX))
        ->capture_default_str();
    cmd->add_option("--cache-dir", opt.cache_dir, "reply cache directory, \"\" = no cache")
        ->capture_default_str();
    cmd->add_option("--max-retries", opt.max_retries, "retries on 429/5xx/transport errors")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
    cmd->add_option("--timeout", opt.timeout, "seconds per HTTP request")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--report", opt.report, "also write the report as JSON");
    cmd->add_option("--seed", opt.seed, "seed of the retry jitter")->capture_default_str();
    cmd->add_flag(
        "-q,--quiet", opt.quiet, "no per-pair progress on stderr (the report is still printed)");
    return cmd;
}

Status run_hard_negatives(const HardNegativesOptions& opt) {
    // Before anything else: no file, no directory, no request without a key.
    if (const char* key = std::getenv("ANTHROPIC_API_KEY"); key == nullptr || *key == '\0') {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: ANTHROPIC_API_KEY is not set, expected an Anthropic "
                          "API key in the environment");
    }
    Result<fs::path> out = expand_home(opt.out);
    if (!out) {
        return out.error();
    }
    HardNegativeConfig cfg;
    cfg.count = opt.count;
    if (!opt.pairs.empty()) {
        Result<std::vector<AgentPair>> pairs = parse_agent_pairs(opt.pairs);
        if (!pairs) {
            return pairs.error();
        }
        cfg.pairs = std::move(*pairs);
    }
    if (!opt.model.empty() && opt.data.empty() && opt.test.empty()) {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: --model compares with --data / --test, expected one "
                          "of them");
    }
    Result<std::vector<std::string>> train = load_texts(opt.data);
    if (!train) {
        return train.error();
    }
    Result<std::vector<std::string>> test = load_texts(opt.test);
    if (!test) {
        return test.error();
    }
    std::optional<SubwordBase> embedder;
    if (!opt.model.empty()) {
        Result<SubwordBase> e = SubwordBase::load(opt.model);
        if (!e) {
            return e.error();
        }
        embedder.emplace(std::move(*e));
    }
    Result<std::vector<std::pair<std::string, std::string>>> desc = load_descriptions(opt.library);
    if (!desc) {
        return desc.error();
    }
    cfg.descriptions = std::move(*desc);
    Result<HardNegativeFilter> filter = HardNegativeFilter::create(
        *train, *test, embedder ? &*embedder : nullptr, {opt.max_task_bytes, opt.near_duplicate});
    if (!filter) {
        return filter.error();
    }

    LlmOptions lo;
    lo.api_base = opt.api_base;
    lo.model = opt.llm_model;
    lo.timeout_s = opt.timeout;
    lo.max_retries = opt.max_retries;
    lo.max_tokens_total = opt.max_tokens_total;
    lo.cache_dir = opt.cache_dir;
    lo.seed = opt.seed;
    Result<LlmClient> client = LlmClient::create(std::move(lo));
    if (!client) {
        return client.error();
    }
    if (Status s = make_parent_dirs(*out); !s) {
        return s;
    }
    PairCallback progress;
    if (!opt.quiet) {
        progress = print_pair;
    }
    Result<HardNegativeResult> res = generate_hard_negatives(*client, *filter, cfg, progress);
    if (!res) {
        return res.error();
    }
    if (Status s = write_triplets(*out, res->triplets); !s) {
        return s;
    }
    if (!opt.report.empty()) {
        if (Status s = make_parent_dirs(opt.report); !s) {
            return s;
        }
        if (Status s = write_file_atomic(opt.report, hard_negative_report_json(res->report)); !s) {
            return s;
        }
    }
    print_report(res->report, *out);
    if (res->report.pairs_skipped > 0) {
        return make_error(Errc::exhausted,
                          "hard-negatives: " + std::to_string(res->report.pairs_skipped) + " of " +
                              std::to_string(res->report.pairs.size()) +
                              " pairs skipped, the token budget (--max-tokens-total " +
                              std::to_string(opt.max_tokens_total) +
                              ") is spent; the other pairs' triplets were written to " +
                              out->string() +
                              ", a rerun with a larger budget asks only for the skipped pairs");
    }
    return ok();
}

}  // namespace ruvllm::cli
