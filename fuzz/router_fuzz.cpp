// router_fuzz.cpp: libFuzzer target for whole router files (#16): whatever loads as a router
// must route every kind of task in every mode without crashing (an error is fine: a refused
// task, a non-finite score), give JSON for each decision, and save and load again.
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DRUVLLM_FUZZ=ON
//   cmake --build build-fuzz --target router_fuzz make_router_seeds
//   build-fuzz/bin/make_router_seeds fuzz/router-corpus
//   build-fuzz/bin/router_fuzz -runs=10000000 -rss_limit_mb=2048 fuzz/router-corpus
#include <cstddef>
#include <cstdint>
#include <string>

#include <ruvllm/formats/gguf.h>
#include <ruvllm/router/model.h>
#include <ruvllm/router/router.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ruvllm::Result<ruvllm::gguf::File> f = ruvllm::gguf::read({data, size});
    if (!f) {
        return 0;
    }
    ruvllm::Result<ruvllm::RouterModel> m = ruvllm::RouterModel::from_gguf(*f);
    if (!m) {
        return 0;
    }
    static const char* const tasks[] = {"alpha",
                                        "alpha unit test",
                                        "beta gamma",
                                        "unit test",
                                        "x",
                                        "Fix the race condition in checkout"};
    for (const ruvllm::RouteMode mode : {ruvllm::RouteMode::hybrid,
                                         ruvllm::RouteMode::keyword,
                                         ruvllm::RouteMode::embedding,
                                         ruvllm::RouteMode::sparse}) {
        for (const char* task : tasks) {
            ruvllm::RouteConfig cfg;
            cfg.mode = mode;
            cfg.top = m->A();
            cfg.tier_bias = 0.5f;
            cfg.max_tier = 1;
            ruvllm::Result<ruvllm::Decision> d = ruvllm::route_task(*m, task, cfg);
            if (d) {
                const std::string s = ruvllm::decision_json(*m, *d).dump();
                (void)s;
            }
        }
    }
    // A model that loaded saves, and what it saves loads.
    ruvllm::Result<ruvllm::gguf::File> again = m->to_gguf(ruvllm::TensorType::f32);
    if (!again) {
        return 0;  // a storage the base refuses is a clean error
    }
    ruvllm::Result<ruvllm::RouterModel> back =
        ruvllm::RouterModel::from_gguf(*ruvllm::gguf::read(ruvllm::gguf::write(*again)));
    if (!back) {
        __builtin_trap();
    }
    return 0;
}
