// The same answers from either engine: every golden of eval, grad and check
// (tests/golden/cli/{eval,grad,check}_*.cmd) run with `--backend jit` and with
// `--backend interp` inserted after the subcommand must print exactly its expected file, so
// the two print the same bytes, errors included. The goldens themselves run under the default
// (auto) in unit_test_cli.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "program_run.hpp"

namespace fs = std::filesystem;

#ifdef SYMDIFF_CLI

namespace {

const fs::path kGoldenDir = fs::path(SYMDIFF_SOURCE_DIR) / "tests" / "golden" / "cli";

using symdiff::test::slurp;

// A folder holding a `symdiff` that runs the real program with `--backend <backend>` after the
// subcommand when it is eval, grad or check, and unchanged otherwise.
fs::path wrapper_dir(const fs::path& scratch, const std::string& backend) {
    const fs::path dir = scratch / backend;
    fs::create_directories(dir);
    const fs::path script = dir / "symdiff";
    std::ofstream(script, std::ios::binary) << "#!/bin/sh\n"
                                            << "case \"$1\" in eval|grad|check) c=$1; shift; exec '" << SYMDIFF_CLI
                                            << "' \"$c\" --backend " << backend << " \"$@\";; esac\n"
                                            << "exec '" << SYMDIFF_CLI << "' \"$@\"\n";
    ::chmod(script.c_str(), 0755);
    return dir;
}

// One run of the script, rendered as the golden runner (test_cli.cpp) renders it.
std::string run(const fs::path& cmd, const fs::path& bin, const fs::path& scratch) {
    return symdiff::test::render(symdiff::test::run_script(cmd, kGoldenDir, bin, scratch));
}

std::vector<fs::path> scripts() {
    std::vector<fs::path> cmds;
    for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".cmd") continue;
        if (name.rfind("eval_", 0) == 0 || name.rfind("grad_", 0) == 0 || name.rfind("check_", 0) == 0)
            cmds.push_back(entry.path());
    }
    std::sort(cmds.begin(), cmds.end());
    return cmds;
}

} // namespace

TEST_CASE("cli backends: eval, grad and check print the same under --backend jit and interp", "[cli]") {
    const fs::path scratch = fs::temp_directory_path() / ("symdiff-cli-backends-" + std::to_string(::getpid()));
    const fs::path jit = wrapper_dir(scratch, "jit"), interp = wrapper_dir(scratch, "interp");
    const auto cmds = scripts();
    REQUIRE(cmds.size() >= 40);
    std::size_t json = 0;
    for (const fs::path& cmd : cmds) {
        const std::string script = slurp(cmd);
        INFO("golden " << cmd.filename().string() << ": " << script);
        // The goldens of the backend option itself already name one.
        if (script.find("--backend") != std::string::npos) continue;
        const std::string expected = slurp(fs::path(cmd).replace_extension(".expected"));
        const std::string by_jit = run(cmd, jit, scratch);
        const std::string by_interp = run(cmd, interp, scratch);
        CHECK(by_jit == expected);
        CHECK(by_interp == expected);
        if (script.find("--format json") != std::string::npos) ++json;
    }
    CHECK(json >= 5); // JSON answers are among those compared
    fs::remove_all(scratch);
}

#endif
