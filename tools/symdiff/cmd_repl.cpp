// `symdiff repl` (and `symdiff` alone on a terminal): reserved for the interactive REPL,
// which is not written yet; until then it says so and exits with status 2.
#include "common.hpp"

namespace symdiff::cli {

void run_repl() {
    throw UsageError("the REPL is not available yet; use a subcommand (symdiff --help lists them)");
}

void register_repl(CLI::App& app) {
    auto* cmd = add_command(app, "repl", "Interactive session (not available yet)");
    cmd->callback([] { run_repl(); });
}

} // namespace symdiff::cli
