// Golden tests of the symdiff program: each tests/golden/cli/NAME.cmd is run by /bin/sh with
// the freshly built `symdiff` first on PATH, and its exit status, standard output and standard
// error must match NAME.expected. SYMDIFF_UPDATE_GOLDEN=1 rewrites the expected files instead.
//
// An expected file may hold `<% regex %>` holes (as Spirit's rexpr tests do) for text that
// may vary, such as a version number; a file without holes is compared byte for byte.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "program_run.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kGoldenDir = fs::path(SYMDIFF_SOURCE_DIR) / "tests" / "golden" / "cli";

using symdiff::test::matches;
using symdiff::test::Outcome;
using symdiff::test::render;
using symdiff::test::slurp;

// Runs the .cmd script through /bin/sh with the freshly built program first on PATH.
Outcome run_script(const fs::path& cmd, const fs::path& scratch) {
    return symdiff::test::run_script(cmd, kGoldenDir, fs::path(SYMDIFF_CLI).parent_path(), scratch);
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
#if defined(__SANITIZE_ADDRESS__)
        // AddressSanitizer reserves terabytes of address space for its shadow at start-up, so a
        // program run under `ulimit -v` cannot start at all; the release build runs these.
        if (slurp(cmd).find("ulimit -v") != std::string::npos) {
            WARN("skipped under AddressSanitizer: " << cmd.filename().string());
            continue;
        }
#endif
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
        // Status 3 is an answer (a failed gradient check), printed in full with nothing on stderr.
        const bool answered = o.status == 0 || o.status == 3;
        if (o.status == 3) {
            CHECK(slurp(cmd).rfind("symdiff check ", 0) == 0);
            CHECK(o.err.empty());
        }
        // Whatever the golden says, a JSON answer must be one valid JSON object.
        if (answered && slurp(cmd).find("--format json") != std::string::npos) {
            CHECK(nlohmann::json::accept(o.out));
            CHECK(o.out.find('\n') == o.out.size() - 1);
        }
        // Errors always follow the contract: a message on stderr that starts with "error: ".
        if (!answered) {
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
