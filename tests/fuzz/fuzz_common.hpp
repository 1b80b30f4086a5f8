// Shared by the libFuzzer targets (scripts/fuzz.sh builds and runs them): a failure is a
// message on stderr and abort(), which libFuzzer reports with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace symdiff::fuzz {

[[noreturn]] inline void fail(const std::string& what, const std::string& input) {
    std::fprintf(stderr, "fuzz failure: %s\ninput: %s\n", what.c_str(), input.c_str());
    std::abort();
}

} // namespace symdiff::fuzz
