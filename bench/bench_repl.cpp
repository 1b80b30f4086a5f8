// A REPL session that grows: 10,000 piped lines (2,000 distinct definitions, their calls and
// gradients, derivatives) through `symdiff repl`, timed by when each output line arrives.
// Counters: the first and the last 1,000 lines in seconds and their ratio; a session whose
// statements slow down as it grows (a walk over all definitions per statement) shows a ratio
// well above 1. This was a timed assertion in tests/unit/test_repl.cpp; speed belongs here.
#include <benchmark/benchmark.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

// The program to run: the build's, or one on PATH where the build has none.
#ifndef SYMDIFF_CLI
#define SYMDIFF_CLI "symdiff"
#endif

namespace {

namespace fs = std::filesystem;

void repl_10000_lines(benchmark::State& state) {
    const fs::path dir = fs::temp_directory_path() / ("symdiff_bench_repl_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path script = dir / "session.txt";
    {
        std::ofstream out(script);
        for (int i = 0; i < 10000; ++i) {
            switch (i % 5) {
            case 0: out << "f" << i << "(x, y) = (1-x)^2 + " << i % 97 << "*(y-x^2)^2\n"; break;
            case 1: out << "f" << i - 1 << "(0.5, " << i % 7 << ")\n"; break;
            case 2: out << "grad(f" << i - 2 << ")(1, 2)\n"; break;
            case 3: out << "diff(sin(x)^" << i % 13 + 1 << "*exp(y), x)\n"; break;
            default: out << "(" << i << " + 1)*2\n"; break;
            }
        }
    }
    // HOME in the scratch directory: no history file of the user's is read or written.
    const std::string command =
        "HOME='" + dir.string() + "' '" + std::string(SYMDIFF_CLI) + "' repl <'" + script.string() + "' 2>&1";
    using clock = std::chrono::steady_clock;
    double first = 0, last = 0;
    for (auto _ : state) {
        const auto start = clock::now();
        FILE* pipe = ::popen(command.c_str(), "r");
        if (pipe == nullptr) {
            state.SkipWithError("popen failed");
            break;
        }
        std::vector<clock::time_point> at;
        for (int c; (c = std::fgetc(pipe)) != EOF;)
            if (c == '\n') at.push_back(clock::now());
        const int status = ::pclose(pipe);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || at.size() != 10000) {
            state.SkipWithError("the session did not print 10,000 lines and exit 0");
            break;
        }
        auto seconds = [](clock::duration d) { return std::chrono::duration<double>(d).count(); };
        first = seconds(at[999] - start);
        last = seconds(at[9999] - at[8999]);
    }
    state.counters["first_1000_s"] = first;
    state.counters["last_1000_s"] = last;
    state.counters["last_over_first"] = first > 0 ? last / first : 0;
    std::error_code ec;
    fs::remove_all(dir, ec);
}
BENCHMARK(repl_10000_lines)->Unit(benchmark::kSecond)->Iterations(1);

} // namespace

BENCHMARK_MAIN();
