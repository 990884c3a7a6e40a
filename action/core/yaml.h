// YAML -> JSON (RapidJSON), with YAML 1.2 core-schema scalars as js-yaml and
// PyYAML-in-JSON-mode read them: plain null/~, true/false, integers (also
// 0x.. and 0o..), floats; quoted or tagged scalars stay strings.
#pragma once
#include <yaml-cpp/yaml.h>

#include "core/json.h"

namespace tc {

// Converts a node; throws BadInput when nested deeper than max_depth, or for
// .inf/.nan (no JSON value).
void YamlNodeToJson(const YAML::Node& n, JsonValue& out, JsonAlloc& a, int max_depth = 500);

// YAML text -> JSON. Throws BadInput("<what>: invalid YAML ...").
Json ParseYaml(const std::string& text, const std::string& what);
// JSON if the text parses as JSON, else YAML.
Json ParseJsonOrYaml(const std::string& text, const std::string& what);

}  // namespace tc
