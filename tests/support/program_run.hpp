// What the tests that run the symdiff program share: running a shell command with its output in
// files, rendering a run as the golden files hold it, and comparing against a golden that may
// hold `<% regex %>` holes (as Spirit's rexpr tests do) for text that varies, such as a version
// number or a timing.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace symdiff::test {

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The exit status a shell would report for std::system's raw result (128 + N for signal N).
inline int exit_status(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw); }

struct Outcome {
    int status = -1;
    std::string out, err;
};

/// Runs `script` through /bin/sh in `dir` with `bin_dir` first on PATH and no standard input;
/// its output goes through files in `scratch`, which must exist.
inline Outcome run_script(const std::filesystem::path& script, const std::filesystem::path& dir,
                          const std::filesystem::path& bin_dir, const std::filesystem::path& scratch) {
    const std::filesystem::path out = scratch / "stdout", err = scratch / "stderr";
    const std::string line = "cd '" + dir.string() + "' && PATH='" + bin_dir.string() + "':\"$PATH\" /bin/sh '" +
                             script.string() + "' </dev/null >'" + out.string() + "' 2>'" + err.string() + "'";
    Outcome o;
    o.status = exit_status(std::system(line.c_str()));
    o.out = slurp(out);
    o.err = slurp(err);
    return o;
}

/// The one text an outcome is compared as. A stream that does not end in a newline says so,
/// so that a missing final newline is visible in the expected file.
inline std::string render(const Outcome& o) {
    auto stream = [](const std::string& name, const std::string& text) {
        std::string s = "--- " + name + "\n" + text;
        if (!text.empty() && text.back() != '\n') s += "\n--- (no newline at end of " + name + ")\n";
        return s;
    };
    return "--- exit " + std::to_string(o.status) + "\n" + stream("stdout", o.out) + stream("stderr", o.err);
}

/// True if `actual` is `expected`, each `<% regex %>` hole of which matches any text the regex
/// does; an expected text without holes is compared byte for byte.
inline bool matches(const std::string& expected, const std::string& actual) {
    if (expected.find("<%") == std::string::npos) return expected == actual;
    static const std::regex hole(R"(<%\s*(.*?)\s*%>)");
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    std::string pattern;
    std::size_t last = 0;
    for (std::sregex_iterator it(expected.begin(), expected.end(), hole), end; it != end; ++it) {
        pattern += std::regex_replace(expected.substr(last, it->position() - last), special, R"(\$&)");
        pattern += "(?:" + (*it)[1].str() + ")";
        last = it->position() + it->length();
    }
    pattern += std::regex_replace(expected.substr(last), special, R"(\$&)");
    return std::regex_match(actual, std::regex(pattern));
}

} // namespace symdiff::test
