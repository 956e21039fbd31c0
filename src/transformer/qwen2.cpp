// qwen2.cpp: the Qwen2 forward pass and the embeddings (qwen2.h); reading the model is
// qwen2_loader.cpp's. Shape letters: T tokens, E embedding size, F feed-forward size, H query
// heads, K kv heads, D head size, R rows / C cols of a matrix.
#include <algorithm>
#include <string>
#include <vector>

#include <ruvllm/core/team.h>
#include <ruvllm/transformer/qmatmul.h>
#include <ruvllm/transformer/qwen2.h>
#include <ruvllm/transformer/qwen2_ops.h>

#include "transformer/qwen2_internal.h"

namespace ruvllm {

namespace ops = qwen2_ops;

namespace {

// out (T, R) = x (T, C) W^T + bias, then += s B (A x) for W's LoRA (as llama.cpp applies an
// adapter: at run time, in F32).
void matmul(const Qwen2Mat& w, qmm::Activations& x, const float* bias, float* out, Team& team) {
    qmm::matmul(w.m, x, bias, out, &team);
    if (w.lora == nullptr) {
        return;
    }
    const LoraTensor& t = *w.lora;
    std::vector<float> u(static_cast<size_t>(x.rows()) * t.rank);
    ops::lora_forward(out,
                      u.data(),
                      x.f32(),
                      t.a.data(),
                      t.b.data(),
                      x.rows(),
                      x.cols(),
                      w.m.rows,
                      t.rank,
                      w.lora_scale,
                      &team);
}

}  // namespace

void rope_neox(float* v, int d, int pos, float base) {
    std::vector<float> c(static_cast<size_t>(d / 2)), s(static_cast<size_t>(d / 2));
    ops::rope_table(c.data(), s.data(), &pos, 1, d, base);
    ops::rope_forward(v, c.data(), s.data(), 1, 1, d);
}

std::vector<int32_t> Qwen2Model::tokenize(std::string_view text) const {
    std::vector<int32_t> ids = tok_->encode(text, true, false);
    size_t limit = static_cast<size_t>(cfg_.n_ctx);
    if (opts_.max_tokens > 0) {
        limit = std::min(limit, static_cast<size_t>(opts_.max_tokens));
    }
    if (ids.size() > limit) {
        ids.resize(limit);
    }
    return ids;
}

Result<std::vector<float>> Qwen2Model::forward(std::span<const int32_t> ids) const {
    Result<std::vector<float>> x = forward_layers(ids, cfg_.n_layer);
    if (!x) {
        return x;
    }
    const int T = static_cast<int>(ids.size());
    std::vector<float> n(x->size());
    ops::rmsnorm_forward(
        n.data(), nullptr, x->data(), w_->output_norm.data(), T, cfg_.n_embd, cfg_.rms_eps);
    return n;
}

Result<std::vector<float>> Qwen2Model::forward_layers(std::span<const int32_t> ids,
                                                      int n_layers) const {
    const std::vector<int> starts(ids.size(), 0);
    return forward_packed(ids, starts, n_layers);
}

Result<std::vector<float>> Qwen2Model::forward_packed(std::span<const int32_t> ids,
                                                      std::span<const int> seq_start,
                                                      int n_layers) const {
    const int T = static_cast<int>(ids.size());
    RUVLLM_ASSERT(seq_start.size() == ids.size());
    const int E = cfg_.n_embd, F = cfg_.n_ff, H = cfg_.n_head, K = cfg_.n_head_kv;
    const int D = cfg_.head_dim();
    const int KD = K * D;
    if (n_layers < 0 || n_layers > cfg_.n_layer) {
        return make_error(Errc::invalid_argument,
                          "qwen2: " + std::to_string(n_layers) + " layers, expected 0 to " +
                              std::to_string(cfg_.n_layer));
    }
    for (int t = 0; t < T; t++) {
        const int st = seq_start[static_cast<size_t>(t)];
        if (st < 0 || st > t || t - st >= cfg_.n_ctx) {
            return make_error(Errc::invalid_argument,
                              "qwen2: a sequence longer than context_length " +
                                  std::to_string(cfg_.n_ctx) + " tokens, or a bad packing");
        }
    }
    const size_t TE = static_cast<size_t>(T) * E;
    std::vector<float> x(TE);
    for (int t = 0; t < T; t++) {
        const int32_t id = ids[static_cast<size_t>(t)];
        if (id < 0 || id >= cfg_.n_vocab) {
            return make_error(Errc::invalid_argument,
                              "qwen2: token id " + std::to_string(id) + " at " + std::to_string(t) +
                                  ", expected 0 to " + std::to_string(cfg_.n_vocab - 1));
        }
        const uint8_t* row = w_->token_embd_bytes.data() + w_->token_row_bytes * id;
        Status s = quant::dequantize(w_->token_embd.type, row, x.data() + size_t(t) * E, E);
        RUVLLM_ASSERT(s.ok());
    }
    // RoPE's angles at each token's position in its sequence, computed once for every layer
    // and head.
    std::vector<int> pos(static_cast<size_t>(T));
    for (int t = 0; t < T; t++) {
        pos[static_cast<size_t>(t)] = t - seq_start[static_cast<size_t>(t)];
    }
    std::vector<float> rope_cos(size_t(T) * D / 2), rope_sin(size_t(T) * D / 2);
    ops::rope_table(rope_cos.data(), rope_sin.data(), pos.data(), T, D, cfg_.rope_base);
    // This call's threads, reused by every product (none to start for an empty input).
    Team team(T > 0 && n_layers > 0 ? opts_.n_threads : 1);
    qmm::Activations act;
    std::vector<float> n(TE), q(TE), k(size_t(T) * KD), v(size_t(T) * KD), a(TE), o(TE);
    std::vector<float> g(size_t(T) * F), u(size_t(T) * F);
    for (int il = 0; il < n_layers; il++) {
        const Qwen2Layer& L = w_->layers[static_cast<size_t>(il)];
        ops::rmsnorm_forward(n.data(), nullptr, x.data(), L.attn_norm.data(), T, E, cfg_.rms_eps);
        act.reset(n.data(), T, E);
        matmul(L.wq, act, L.bq.data(), q.data(), team);
        matmul(L.wk, act, L.bk.data(), k.data(), team);
        matmul(L.wv, act, L.bv.data(), v.data(), team);
        ops::rope_forward(q.data(), rope_cos.data(), rope_sin.data(), T, H, D);
        ops::rope_forward(k.data(), rope_cos.data(), rope_sin.data(), T, K, D);
        team.run([&](int i) {  // heads split over the team (each head is one thread's)
            ops::attention_forward(a.data(),
                                   q.data(),
                                   k.data(),
                                   v.data(),
                                   seq_start.data(),
                                   T,
                                   H,
                                   K,
                                   D,
                                   i,
                                   team.size());
        });
        act.reset(a.data(), T, E);
        matmul(L.wo, act, nullptr, o.data(), team);
        for (size_t i = 0; i < TE; i++) {
            x[i] += o[i];
        }
        ops::rmsnorm_forward(n.data(), nullptr, x.data(), L.ffn_norm.data(), T, E, cfg_.rms_eps);
        act.reset(n.data(), T, E);
        matmul(L.gate, act, nullptr, g.data(), team);
        matmul(L.up, act, nullptr, u.data(), team);
        team.run([&](int i) {
            const size_t n_team = static_cast<size_t>(team.size());
            const size_t i0 = g.size() * i / n_team, i1 = g.size() * (i + 1) / n_team;
            ops::swiglu_forward(g.data() + i0, g.data() + i0, u.data() + i0, i1 - i0);
        });
        act.reset(g.data(), T, F);
        matmul(L.down, act, nullptr, o.data(), team);
        for (size_t i = 0; i < TE; i++) {
            x[i] += o[i];
        }
    }
    return x;
}

void Qwen2Model::pool(std::span<const float> hidden, float* out) const {
    const int E = cfg_.n_embd;
    const auto T = static_cast<int>(hidden.size() / static_cast<size_t>(E));
    ops::pool_forward(out, nullptr, hidden.data(), T, E, opts_.pooling, opts_.normalize);
}

void Qwen2Model::embed_many(const std::vector<std::string>& texts,
                            float* out,
                            int max_pass_tokens) const {
    const size_t E = static_cast<size_t>(cfg_.n_embd);
    size_t i = 0;
    while (i < texts.size()) {
        // Pack texts i..j-1 into one pass of at most max_pass_tokens tokens (at least one text).
        std::vector<int32_t> ids;
        std::vector<int> starts;
        std::vector<size_t> bounds = {0};
        size_t j = i;
        while (j < texts.size()) {
            std::vector<int32_t> t = tokenize(texts[j]);
            if (j > i && ids.size() + t.size() > static_cast<size_t>(max_pass_tokens)) {
                break;
            }
            const int st = static_cast<int>(ids.size());
            ids.insert(ids.end(), t.begin(), t.end());
            starts.insert(starts.end(), t.size(), st);
            bounds.push_back(ids.size());
            j++;
        }
        Result<std::vector<float>> x = forward_packed(ids, starts, cfg_.n_layer);
        RUVLLM_ASSERT(x.ok());  // tokenize() keeps ids in range and each text within n_ctx
        std::vector<float> h(x->size());
        ops::rmsnorm_forward(h.data(),
                             nullptr,
                             x->data(),
                             w_->output_norm.data(),
                             static_cast<int>(ids.size()),
                             cfg_.n_embd,
                             cfg_.rms_eps);
        for (size_t k = i; k < j; k++) {
            const size_t b0 = bounds[k - i], b1 = bounds[k - i + 1];
            pool(std::span<const float>(h.data() + b0 * E, (b1 - b0) * E), out + k * E);
        }
        i = j;
    }
}

void Qwen2Model::embed(std::string_view text, float* out) const {
    const std::vector<int32_t> ids = tokenize(text);
    Result<std::vector<float>> h = forward(ids);
    RUVLLM_ASSERT(h.ok());  // tokenize() keeps ids in range and within n_ctx
    pool(*h, out);
}

}  // namespace ruvllm
