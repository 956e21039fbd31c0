// knn_probe.cpp: an experiment behind #15's table of tried steps, kept so that its figures can
// be reproduced: would k-nearest neighbours over the training examples' routing embeddings do
// better than (or add to) the label prototypes?
//
//   knn_probe ROUTER TRAIN VAL EVAL
//
// Embeds every text of TRAIN, VAL and EVAL with ROUTER (z, its cosines to the prototypes and
// its sparse stage's logits), then prints the accuracy on VAL and EVAL of the prototypes, the
// sparse stage and their blend (the router's alpha and temperature; no keyword stage), and for
// k in {5, 10, 20, 50} and a temperature t in {0.02, 0.05, 0.1}: kNN alone (label score
// log sum over the k nearest training examples of exp((cos - 1) / t)) and a three-way blend
// whose kNN share w (0, 0.2, ..., 1 of the embedding's weight) is chosen on VAL; EVAL is only
// reported. Brute force, one thread: about a minute for make run's data.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include <ruvllm/dataset/labeled.h>
#include <ruvllm/router/model.h>
#include <ruvllm/router/sparse.h>

namespace {

using ruvllm::LabeledSet;
using ruvllm::RouterModel;

struct Embedded {
    size_t n = 0;
    std::vector<float> z, cos, logits;  // (n, E) unit rows, (n, A), (n, A)
    std::vector<int32_t> y;
};

Embedded embed_all(const RouterModel& m, const LabeledSet& s) {
    const auto E = static_cast<size_t>(m.E), A = static_cast<size_t>(m.A());
    Embedded e;
    e.n = s.rows.size();
    e.z.resize(e.n * E);
    e.cos.resize(e.n * A);
    e.logits.resize(e.n * A);
    for (size_t i = 0; i < e.n; i++) {
        float* z = e.z.data() + i * E;
        m.embed(s.rows[i].text, z);
        m.scores_from_z(z, e.cos.data() + i * A);
        m.sparse.logits(s.rows[i].text, e.logits.data() + i * A);
        double norm = 0;
        for (size_t d = 0; d < E; d++) {
            norm += static_cast<double>(z[d]) * z[d];
        }
        const double inv = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
        for (size_t d = 0; d < E; d++) {
            z[d] = static_cast<float>(z[d] * inv);
        }
        e.y.push_back(s.rows[i].label);
    }
    return e;
}

// Log-probabilities (n, A) of the k nearest training examples' labels.
std::vector<double> knn_logp(
    const Embedded& train, const Embedded& q, int E, int A, int k, double t) {
    std::vector<double> out(q.n * static_cast<size_t>(A));
    std::vector<std::pair<float, int32_t>> c(train.n);
    const auto kk = static_cast<size_t>(std::min<size_t>(static_cast<size_t>(k), train.n));
    for (size_t i = 0; i < q.n; i++) {
        const float* zi = q.z.data() + i * static_cast<size_t>(E);
        for (size_t j = 0; j < train.n; j++) {
            const float* zj = train.z.data() + j * static_cast<size_t>(E);
            float d = 0;
            for (int e = 0; e < E; e++) {
                d += zi[e] * zj[e];
            }
            c[j] = {d, train.y[j]};
        }
        std::partial_sort(c.begin(),
                          c.begin() + static_cast<std::ptrdiff_t>(kk),
                          c.end(),
                          [](const auto& a, const auto& b) { return a.first > b.first; });
        std::vector<double> s(static_cast<size_t>(A), 1e-6);
        for (size_t r = 0; r < kk; r++) {
            s[static_cast<size_t>(c[r].second)] += std::exp((c[r].first - 1.0) / t);
        }
        double z = 0;
        for (double v : s) {
            z += v;
        }
        for (int a = 0; a < A; a++) {
            out[i * static_cast<size_t>(A) + static_cast<size_t>(a)] =
                std::log(s[static_cast<size_t>(a)] / z);
        }
    }
    return out;
}

void log_softmax(const float* x, double t, int A, double* out) {
    double top = -1e300;
    for (int a = 0; a < A; a++) {
        top = std::max(top, x[a] / t);
    }
    double z = 0;
    for (int a = 0; a < A; a++) {
        z += std::exp(x[a] / t - top);
    }
    for (int a = 0; a < A; a++) {
        out[a] = x[a] / t - top - std::log(z);
    }
}

// Accuracy of argmax(wp log p_proto + wk log p_knn + ws log p_sparse).
double accuracy(const Embedded& q,
                const std::vector<double>& knn,
                int A,
                double tau,
                double temp,
                double wp,
                double wk,
                double ws) {
    size_t ok = 0;
    std::vector<double> p(static_cast<size_t>(A)), s(static_cast<size_t>(A));
    for (size_t i = 0; i < q.n; i++) {
        const size_t o = i * static_cast<size_t>(A);
        log_softmax(q.cos.data() + o, tau, A, p.data());
        log_softmax(q.logits.data() + o, temp, A, s.data());
        int best = 0;
        double best_v = -1e300;
        for (int a = 0; a < A; a++) {
            const auto ua = static_cast<size_t>(a);
            const double v = wp * p[ua] + ws * s[ua] + (knn.empty() ? 0.0 : wk * knn[o + ua]);
            if (v > best_v) {
                best_v = v;
                best = a;
            }
        }
        ok += best == q.y[i] ? 1 : 0;
    }
    return q.n == 0 ? 0.0 : static_cast<double>(ok) / static_cast<double>(q.n);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: knn_probe ROUTER TRAIN VAL EVAL\n");
        return 1;
    }
    ruvllm::Result<RouterModel> m = RouterModel::load(argv[1]);
    if (!m) {
        std::fprintf(stderr, "knn_probe: %s\n", m.error().message.c_str());
        return 1;
    }
    if (m->sparse.empty()) {
        std::fprintf(
            stderr, "knn_probe: %s has no sparse stage, expected make run's router\n", argv[1]);
        return 1;
    }
    ruvllm::DataOptions opt;
    std::vector<Embedded> sets;
    for (int i = 2; i < 5; i++) {
        ruvllm::Result<LabeledSet> s = ruvllm::load_labeled(argv[i], opt, m->labels, true);
        if (!s) {
            std::fprintf(stderr, "knn_probe: %s\n", s.error().message.c_str());
            return 1;
        }
        sets.push_back(embed_all(*m, *s));
    }
    const Embedded &train = sets[0], &val = sets[1], &ev = sets[2];
    const int E = m->E, A = m->A();
    const double tau = m->tau, temp = m->sparse.temperature(), al = m->sparse.alpha();
    std::printf(
        "knn_probe: %zu training, %zu validation, %zu evaluated texts; tau %.4f, alpha %.2f, T "
        "%.2f\n",
        train.n,
        val.n,
        ev.n,
        tau,
        al,
        temp);
    const std::vector<double> none;
    std::printf(
        "prototypes: val %.4f eval %.4f | sparse: val %.4f eval %.4f | blend: val %.4f eval %.4f\n",
        accuracy(val, none, A, tau, temp, 1, 0, 0),
        accuracy(ev, none, A, tau, temp, 1, 0, 0),
        accuracy(val, none, A, tau, temp, 0, 0, 1),
        accuracy(ev, none, A, tau, temp, 0, 0, 1),
        accuracy(val, none, A, tau, temp, al, 0, 1 - al),
        accuracy(ev, none, A, tau, temp, al, 0, 1 - al));
    for (int k : {5, 10, 20, 50}) {
        for (double t : {0.02, 0.05, 0.1}) {
            const std::vector<double> kv = knn_logp(train, val, E, A, k, t);
            const std::vector<double> ke = knn_logp(train, ev, E, A, k, t);
            double best_val = -1, best_w = 0;
            for (double w : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
                const double a = accuracy(val, kv, A, tau, temp, al * (1 - w), al * w, 1 - al);
                if (a > best_val) {
                    best_val = a;
                    best_w = w;
                }
            }
            std::printf(
                "k %2d t %.2f: kNN val %.4f eval %.4f | blend with kNN share %.1f (chosen on val): "
                "val %.4f eval %.4f\n",
                k,
                t,
                accuracy(val, kv, A, tau, temp, 0, 1, 0),
                accuracy(ev, ke, A, tau, temp, 0, 1, 0),
                best_w,
                best_val,
                accuracy(ev, ke, A, tau, temp, al * (1 - best_w), al * best_w, 1 - al));
            std::fflush(stdout);
        }
    }
    return 0;
}
