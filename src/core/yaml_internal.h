// yaml_internal.h: small helpers around yaml-cpp for the library loaders (not installed).
// yaml-cpp reports errors by throwing; these helpers catch at the boundary and return Result.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <ruvllm/core/error.h>
#include <ruvllm/core/io.h>

namespace ruvllm::yaml {

// "<file>:<line>" for a node (1-based line).
inline std::string where(const std::string& file, const YAML::Node& node) {
    return file + ":" + std::to_string(node.Mark().line + 1);
}

// A key that appears twice in one mapping, anywhere below `n` (yaml-cpp keeps both and answers
// lookups with the first, so the second would be silently ignored): "<file>:<line>: duplicate
// key 'k', expected each key once", or ok.
inline Status no_duplicate_keys(const YAML::Node& n, const std::string& display) {
    if (n.IsMap()) {
        std::set<std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            if (it->first.IsScalar() && !seen.insert(it->first.Scalar()).second) {
                return make_error(Errc::parse,
                                  where(display, it->first) + ": duplicate key '" +
                                      it->first.Scalar() + "', expected each key once");
            }
            if (Status s = no_duplicate_keys(it->second, display); !s) {
                return s;
            }
        }
    } else if (n.IsSequence()) {
        for (const YAML::Node& item : n) {
            if (Status s = no_duplicate_keys(item, display); !s) {
                return s;
            }
        }
    }
    return ok();
}

// Parses a YAML file. `display` is the name used in messages (e.g. "agents/coder.yaml").
// Duplicate keys are an error.
inline Result<YAML::Node> load(const std::filesystem::path& path, const std::string& display) {
    Result<std::string> text = read_file(path);
    if (!text) {
        return text.error();
    }
    try {
        YAML::Node root = YAML::Load(*text);
        if (Status s = no_duplicate_keys(root, display); !s) {
            return s.error();
        }
        return root;
    } catch (const YAML::Exception& e) {
        return make_error(Errc::parse,
                          display + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg +
                              ", expected valid YAML");
    }
}

// Reads a scalar as a string. false if the node is not a scalar.
inline bool scalar(const YAML::Node& n, std::string& out) {
    if (!n.IsScalar()) {
        return false;
    }
    out = n.Scalar();
    return true;
}

// Reads a sequence of scalars. false (and `bad` set to the offending node) if it is not one.
inline bool string_list(const YAML::Node& n, std::vector<std::string>& out, YAML::Node& bad) {
    if (!n.IsSequence()) {
        bad = n;
        return false;
    }
    for (const YAML::Node& item : n) {
        if (!item.IsScalar()) {
            bad = item;
            return false;
        }
        out.push_back(item.Scalar());
    }
    return true;
}

inline bool parse_float(const YAML::Node& n, float& out) {
    if (!n.IsScalar()) {
        return false;
    }
    try {
        out = n.as<float>();
        return true;
    } catch (const YAML::Exception&) {
        return false;
    }
}

}  // namespace ruvllm::yaml
