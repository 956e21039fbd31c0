// paths_test.cpp: core/paths.h: the compiled-in folders, and the environment overriding them.
#include <cstdlib>

#include <gtest/gtest.h>

#include <ruvllm/core/paths.h>

TEST(Paths, EnvironmentOverridesTheCompiledInFolders) {
    ::unsetenv("RUVLLM_CACHE_DIR");
    ::unsetenv("RUVLLM_DATA_DIR");
    const std::filesystem::path built_cache = ruvllm::cache_dir();
    EXPECT_EQ(built_cache.filename(), ".cache");
    EXPECT_TRUE(std::filesystem::exists(ruvllm::data_dir() / "library"));
    ::setenv("RUVLLM_CACHE_DIR", "/tmp/elsewhere", 1);
    ::setenv("RUVLLM_DATA_DIR", "/opt/ruvllm/data", 1);
    EXPECT_EQ(ruvllm::cache_dir(), "/tmp/elsewhere");
    EXPECT_EQ(ruvllm::default_base_path(), "/tmp/elsewhere/base/default.gguf");
    EXPECT_EQ(ruvllm::default_corpus_path(), "/tmp/elsewhere/corpus/debian-translation-en.txt");
    EXPECT_EQ(ruvllm::data_dir(), "/opt/ruvllm/data");
    // Set but empty: the compiled-in folder.
    ::setenv("RUVLLM_CACHE_DIR", "", 1);
    EXPECT_EQ(ruvllm::cache_dir(), built_cache);
    ::unsetenv("RUVLLM_CACHE_DIR");
    ::unsetenv("RUVLLM_DATA_DIR");
}
