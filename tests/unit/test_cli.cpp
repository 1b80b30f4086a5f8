// Golden tests of the symdiff program: each tests/golden/cli/NAME.cmd is run by /bin/sh with
// the freshly built `symdiff` first on PATH, and its exit status, standard output and standard
// error must match NAME.expected. SYMDIFF_UPDATE_GOLDEN=1 rewrites the expected files instead.
//
// An expected file may hold `<% regex %>` holes (as Spirit's rexpr tests do) for text that
// may vary, such as a version number; a file without holes is compared byte for byte.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kGoldenDir = fs::path(SYMDIFF_SOURCE_DIR) / "tests" / "golden" / "cli";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Outcome {
    int status = -1;
    std::string out, err;
};

// Runs the .cmd script through /bin/sh with its output sent to files in a scratch folder.
Outcome run_script(const fs::path& cmd, const fs::path& scratch) {
    fs::path out = scratch / "stdout", err = scratch / "stderr";
    std::string bin_dir = fs::path(SYMDIFF_CLI).parent_path().string();
    std::string line = "cd '" + kGoldenDir.string() + "' && PATH='" + bin_dir + "':\"$PATH\" /bin/sh '" + cmd.string() +
                       "' </dev/null >'" + out.string() + "' 2>'" + err.string() + "'";
    int raw = std::system(line.c_str());
    Outcome o;
    o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    o.out = slurp(out);
    o.err = slurp(err);
    return o;
}

// The one text an outcome is compared as. A stream that does not end in a newline says so,
// so that a missing final newline is visible in the expected file.
std::string render(const Outcome& o) {
    auto stream = [](const std::string& name, const std::string& text) {
        std::string s = "--- " + name + "\n" + text;
        if (!text.empty() && text.back() != '\n') s += "\n--- (no newline at end of " + name + ")\n";
        return s;
    };
    return "--- exit " + std::to_string(o.status) + "\n" + stream("stdout", o.out) + stream("stderr", o.err);
}

bool matches(const std::string& expected, const std::string& actual) {
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

std::vector<fs::path> golden_scripts() {
    std::vector<fs::path> cmds;
    for (const auto& entry : fs::directory_iterator(kGoldenDir))
        if (entry.path().extension() == ".cmd") cmds.push_back(entry.path());
    std::sort(cmds.begin(), cmds.end());
    return cmds;
}

} // namespace

TEST_CASE("cli: golden files", "[cli]") {
    const bool update = std::getenv("SYMDIFF_UPDATE_GOLDEN") && std::string(std::getenv("SYMDIFF_UPDATE_GOLDEN")) == "1";
    fs::path scratch = fs::temp_directory_path() / ("symdiff-cli-" + std::to_string(::getpid()));
    fs::create_directories(scratch);
    auto cmds = golden_scripts();
    REQUIRE(cmds.size() >= 30);
    for (const fs::path& cmd : cmds) {
        fs::path expected_file = fs::path(cmd).replace_extension(".expected");
        Outcome o = run_script(cmd, scratch);
        std::string actual = render(o);
        if (update) {
            if (!fs::exists(expected_file) || !matches(slurp(expected_file), actual)) std::ofstream(expected_file, std::ios::binary) << actual;
            continue;
        }
        INFO("golden " << cmd.filename().string() << ": " << slurp(cmd));
        REQUIRE(fs::exists(expected_file));
        std::string expected = slurp(expected_file);
        CHECK(matches(expected, actual));
        if (!matches(expected, actual)) WARN("expected:\n" << expected << "\nactual:\n" << actual);
        // Whatever the golden says, a JSON answer must be one valid JSON object.
        if (o.status == 0 && slurp(cmd).find("--format json") != std::string::npos) {
            CHECK(nlohmann::json::accept(o.out));
            CHECK(o.out.find('\n') == o.out.size() - 1);
        }
        // Errors always follow the contract: a message on stderr that starts with "error: ".
        if (o.status != 0) {
            CHECK(o.err.rfind("error: ", 0) == 0);
            CHECK((o.status == 1 || o.status == 2));
        }
    }
    fs::remove_all(scratch);
}

TEST_CASE("cli: every golden script has an expected file and vice versa", "[cli]") {
    for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
        auto twin = fs::path(entry.path()).replace_extension(entry.path().extension() == ".cmd" ? ".expected" : ".cmd");
        INFO(entry.path().filename().string());
        CHECK(fs::exists(twin));
    }
}
