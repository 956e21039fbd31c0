// generate_dataset.cpp: load the shipped library, generate a small dataset with 13 agent
// labels, print three examples as JSONL and the per-label counts.
//   build/bin/example_generate
#include <cstdio>
#include <map>
#include <string>

#include <ruvllm/dataset/generator.h>
#include <ruvllm/dataset/library.h>

int main() {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::default_library_dir());
    if (!lib) {
        std::fprintf(stderr, "error: %s\n", lib.error().message.c_str());
        return 1;
    }
    ruvllm::GenConfig cfg;
    cfg.per_agent = 20;
    cfg.labels = ruvllm::Labels::agents;
    ruvllm::GenReport report;
    ruvllm::Result<std::vector<ruvllm::Example>> ds = ruvllm::generate(*lib, cfg, &report);
    if (!ds) {
        std::fprintf(stderr, "error: %s\n", ds.error().message.c_str());
        return 1;
    }
    std::string out;
    for (size_t i = 0; i < 3 && i < ds->size(); i++) {
        ruvllm::append_jsonl(out, (*ds)[i]);
    }
    std::fputs(out.c_str(), stdout);
    std::map<std::string, int> per_label;
    for (const ruvllm::Example& e : *ds) {
        per_label[e.output_agent]++;
    }
    for (const auto& [label, n] : per_label) {
        std::printf("%-20s %d\n", label.c_str(), n);
    }
    std::printf(
        "%zu examples (%llu base)\n", ds->size(), static_cast<unsigned long long>(report.base));
    return 0;
}
