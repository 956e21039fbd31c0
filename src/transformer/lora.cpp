// lora.cpp: LoRA adapter GGUF read / write and merging (lora.h). Shape letters: R rank,
// I input size (ggml ne0 of the base weight), O output size (its ne1).
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>

#include <ruvllm/transformer/lora.h>

namespace ruvllm {

namespace {

constexpr std::string_view kSuffixA = ".lora_a";
constexpr std::string_view kSuffixB = ".lora_b";

Error arg_error(std::string msg) {
    return make_error(Errc::invalid_argument, "lora: " + std::move(msg));
}

Error fmt_error(const std::filesystem::path& path, std::string msg) {
    return make_error(Errc::format, path.string() + ": lora: " + std::move(msg));
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool all_finite(const std::vector<float>& v) {
    for (const float x : v) {
        if (!std::isfinite(x)) {
            return false;
        }
    }
    return true;
}

Result<std::string> get_string(const gguf::File& f,
                               const std::filesystem::path& path,
                               const char* key,
                               const char* expected) {
    Result<std::string> v = f.get<std::string>(key);
    if (!v) {
        return fmt_error(path, v.error().message.substr(6) + ", expected " + expected);
    }
    return v;
}

}  // namespace

const LoraTensor* LoraAdapter::find(std::string_view base_name) const {
    for (const LoraTensor& t : tensors) {
        if (t.base_name == base_name) {
            return &t;
        }
    }
    return nullptr;
}

float lora_scale(float alpha, int rank, float user_scale) {
    return alpha > 0 ? user_scale * alpha / static_cast<float>(rank) : user_scale;
}

Status validate_lora(const LoraAdapter& adapter) {
    if (!std::isfinite(adapter.alpha) || !(adapter.alpha > 0)) {
        return arg_error("alpha is " + std::to_string(adapter.alpha) + ", expected > 0");
    }
    if (adapter.architecture.empty()) {
        return arg_error("architecture is empty, expected the base model's (e.g. 'qwen2')");
    }
    std::set<std::string> names;
    for (const LoraTensor& t : adapter.tensors) {
        const std::string where = "tensor '" + t.base_name + "'";
        if (t.base_name.empty() || !names.insert(t.base_name).second) {
            return arg_error(where + " is empty or duplicated, expected unique base names");
        }
        if (t.base_name == "token_embd.weight") {
            return make_error(Errc::unsupported,
                              "lora: token_embd.weight as a LoRA target is not supported");
        }
        if (t.rank <= 0) {
            return arg_error(where + " has rank " + std::to_string(t.rank) + ", expected > 0");
        }
        const auto R = static_cast<size_t>(t.rank);
        if (t.a.empty() || t.a.size() % R != 0 || t.b.empty() || t.b.size() % R != 0) {
            return arg_error(where + " has a of " + std::to_string(t.a.size()) + " and b of " +
                             std::to_string(t.b.size()) + " values, expected multiples of rank " +
                             std::to_string(t.rank));
        }
        if (!all_finite(t.a) || !all_finite(t.b)) {
            return make_error(Errc::numeric, "lora: " + where + " has a non-finite value");
        }
    }
    return ok();
}

void apply_lora(const LoraTensor& t, float s, float* w, int out, int in) {
    const int R = t.rank;
    RUVLLM_ASSERT(t.n_in() == in && t.n_out() == out);
    for (int o = 0; o < out; o++) {
        const float* bo = t.b.data() + static_cast<size_t>(o) * R;
        float* wo = w + static_cast<size_t>(o) * in;
        for (int r = 0; r < R; r++) {
            const float f = s * bo[r];
            const float* ar = t.a.data() + static_cast<size_t>(r) * in;
            for (int i = 0; i < in; i++) {
                wo[i] += f * ar[i];
            }
        }
    }
}

Status add_lora_tensors(gguf::File& f,
                        const LoraAdapter& adapter,
                        std::string_view prefix,
                        TensorType type) {
    for (const LoraTensor& t : adapter.tensors) {
        const auto R = static_cast<uint64_t>(t.rank);
        const auto I = static_cast<uint64_t>(t.n_in());
        const auto O = static_cast<uint64_t>(t.n_out());
        const std::string name = std::string(prefix) + t.base_name;
        Status s = f.add_tensor(name + std::string(kSuffixA), {I, R}, t.a, type);
        if (s) {
            s = f.add_tensor(name + std::string(kSuffixB), {R, O}, t.b, type);
        }
        if (!s) {
            return s;
        }
    }
    return ok();
}

Status write_lora_gguf(const std::filesystem::path& path,
                       const LoraAdapter& adapter,
                       TensorType type) {
    if (type != TensorType::f32 && type != TensorType::f16) {
        return arg_error("tensor type " + std::string(quant::type_info(type).name) +
                         " is not supported, expected F32 or F16");
    }
    Status v = validate_lora(adapter);
    if (!v) {
        return v;
    }
    gguf::File f;
    f.set("general.architecture", adapter.architecture);
    f.set("general.type", std::string("adapter"));
    f.set("adapter.type", std::string("lora"));
    f.set("adapter.lora.alpha", adapter.alpha);
    Status s = add_lora_tensors(f, adapter, "", type);
    if (!s) {
        return s;
    }
    return gguf::write_file(f, path);
}

Status read_lora_tensors(const gguf::File& f,
                         std::string_view prefix,
                         const std::string& where,
                         LoraAdapter& adapter) {
    // Pair the tensors: base name -> (lora_a, lora_b); order of first appearance.
    std::map<std::string, std::pair<const gguf::TensorInfo*, const gguf::TensorInfo*>> pairs;
    std::vector<std::string> order;
    for (const gguf::TensorInfo& t : f.tensors()) {
        if (t.name.compare(0, prefix.size(), prefix) != 0) {
            continue;
        }
        const bool is_a = ends_with(t.name, kSuffixA);
        if (!is_a && !ends_with(t.name, kSuffixB)) {
            return fmt_error(where,
                             "tensor '" + t.name + "' has an unexpected suffix, expected " +
                                 "'.lora_a' or '.lora_b'");
        }
        const std::string base =
            t.name.substr(prefix.size(), t.name.size() - prefix.size() - kSuffixA.size());
        auto [it, added] = pairs.try_emplace(base, nullptr, nullptr);
        if (added) {
            order.push_back(base);
        }
        (is_a ? it->second.first : it->second.second) = &t;
    }
    for (const std::string& base : order) {
        const auto [ta, tb] = pairs[base];
        if (ta == nullptr || tb == nullptr) {
            return fmt_error(
                where, "tensor '" + base + "' lacks its " + (ta == nullptr ? "lora_a" : "lora_b"));
        }
        if (ta->shape.size() != 2 || tb->shape.size() != 2 || ta->shape[1] != tb->shape[0] ||
            ta->shape[1] == 0 || ta->shape[1] > (uint64_t{1} << 20)) {
            return fmt_error(where,
                             "tensor '" + base + "' has lora_a " + gguf::shape_str(ta->shape) +
                                 " and lora_b " + gguf::shape_str(tb->shape) +
                                 ", expected {in, rank} and {rank, out}");
        }
        LoraTensor t;
        t.base_name = base;
        t.rank = static_cast<int>(ta->shape[1]);
        Result<std::vector<float>> a = f.tensor_f32(*ta);
        Result<std::vector<float>> b = a ? f.tensor_f32(*tb) : a;
        if (!a || !b) {
            const Error& e = !a ? a.error() : b.error();
            return with_context(e, where + ": lora: " + base);
        }
        t.a = std::move(*a);
        t.b = std::move(*b);
        adapter.tensors.push_back(std::move(t));
    }
    return ok();
}

Result<LoraAdapter> read_lora_gguf(const std::filesystem::path& path) {
    Result<gguf::File> f = gguf::read_file(path);
    if (!f) {
        return f.error();
    }
    Result<std::string> type = get_string(*f, path, "general.type", "'adapter'");
    if (!type) {
        return type.error();
    }
    Result<std::string> atype = get_string(*f, path, "adapter.type", "'lora'");
    if (!atype) {
        return atype.error();
    }
    if (*type != "adapter" || *atype != "lora") {
        return fmt_error(path,
                         "general.type '" + *type + "' / adapter.type '" + *atype +
                             "', expected 'adapter' / 'lora'");
    }
    Result<std::string> arch = get_string(*f, path, "general.architecture", "a string");
    if (!arch) {
        return arch.error();
    }
    Result<float> alpha = f->get<float>("adapter.lora.alpha");
    if (!alpha) {
        return fmt_error(path, alpha.error().message.substr(6) + ", expected f32 > 0");
    }
    LoraAdapter ad;
    ad.alpha = *alpha;
    ad.architecture = *arch;
    Status s = read_lora_tensors(*f, "", path.string(), ad);
    if (!s) {
        return s.error();
    }
    return ad;
}

Status check_lora_base(const gguf::File& base, const LoraAdapter& adapter) {
    Result<std::string> arch = base.get<std::string>("general.architecture");
    if (!arch || *arch != adapter.architecture) {
        return arg_error("adapter architecture '" + adapter.architecture +
                         "' does not match the base model's '" + (arch ? *arch : "") + "'");
    }
    for (const LoraTensor& t : adapter.tensors) {
        const gguf::TensorInfo* w = base.find_tensor(t.base_name);
        if (w == nullptr) {
            return arg_error("tensor '" + t.base_name + "' not found in the base model");
        }
        const std::vector<uint64_t> want = {static_cast<uint64_t>(t.n_in()),
                                            static_cast<uint64_t>(t.n_out())};
        if (w->shape != want) {
            return arg_error("tensor '" + t.base_name + "' has shape " + gguf::shape_str(w->shape) +
                             " in the base model, the adapter (rank " + std::to_string(t.rank) +
                             ") needs " + gguf::shape_str(want));
        }
    }
    return ok();
}

Result<gguf::File> merge_lora(const gguf::File& base, const LoraAdapter& adapter, float scale) {
    Status s = validate_lora(adapter);
    if (s) {
        s = check_lora_base(base, adapter);
    }
    if (!s) {
        return s.error();
    }
    if (!std::isfinite(scale)) {
        return arg_error("scale is not finite");
    }
    gguf::File out;
    for (const auto& [key, value] : base.metadata()) {
        out.set(key, value);
    }
    for (const gguf::TensorInfo& info : base.tensors()) {
        const LoraTensor* t = adapter.find(info.name);
        if (t == nullptr) {
            s = out.add_tensor_raw(info.name, info.shape, info.type, base.tensor_bytes(info));
        } else if (!quant::can_quantize(info.type)) {
            return make_error(Errc::unsupported,
                              "lora: tensor '" + info.name + "' has type " +
                                  std::string(quant::type_info(info.type).name) +
                                  ", which cannot be re-encoded after merging");
        } else {
            Result<std::vector<float>> w = base.tensor_f32(info);
            if (!w) {
                return w.error();
            }
            apply_lora(
                *t, lora_scale(adapter.alpha, t->rank, scale), w->data(), t->n_out(), t->n_in());
            s = out.add_tensor(info.name, info.shape, *w, info.type);
        }
        if (!s) {
            return s.error();
        }
    }
    return out;
}

Status merge_lora(const gguf::File& base,
                  const LoraAdapter& adapter,
                  float scale,
                  const std::filesystem::path& out) {
    Result<gguf::File> merged = merge_lora(base, adapter, scale);
    if (!merged) {
        return merged.error();
    }
    return gguf::write_file(*merged, out);
}

Result<LoraMergeSummary> lora_merge(const LoraMergeJob& job, const Log& log) {
    Result<LoraAdapter> ad = read_lora_gguf(job.lora);
    if (!ad) {
        return ad.error();
    }
    Result<gguf::File> base = gguf::read_file(job.base);
    if (!base) {
        return base.error();
    }
    Result<gguf::File> merged = merge_lora(*base, *ad, job.scale);
    if (!merged) {
        return with_context(merged.error(), job.base.string());
    }
    if (Status s = gguf::write_file(*merged, job.out); !s) {
        return s.error();
    }
    const LoraMergeSummary sum{ad->tensors.size(), ad->alpha};
    log.say(strformat("lora-merge: %s + %s (%zu tensors, alpha %g, scale %g) -> %s",
                      job.base.string().c_str(),
                      job.lora.string().c_str(),
                      sum.tensors,
                      static_cast<double>(sum.alpha),
                      static_cast<double>(job.scale),
                      job.out.string().c_str()));
    return sum;
}

}  // namespace ruvllm
