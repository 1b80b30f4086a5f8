// Long runs of the symdiff program, sent signals as a user or a batch system would: Ctrl-C
// (SIGINT) or SIGTERM in the middle of minimize and fit must leave the report so far, the trace
// so far and the status 130 or 143; a traced run of two billion steps must keep its memory
// bounded. Each test starts the real program as a child process and waits for evidence that
// the run is under way (its trace growing, or its CPU time) before signalling it; the waits
// poll with a generous timeout, and nothing asserts how long anything took.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "program_run.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

#ifdef SYMDIFF_CLI

namespace {

struct Scratch {
    fs::path path = fs::temp_directory_path() / ("symdiff_long_runs_" + std::to_string(::getpid()));
    Scratch() {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// The program with `args`, in `dir`, standard input from /dev/null and its output in files.
class Child {
public:
    Child(const fs::path& dir, const std::vector<std::string>& args) : out_(dir / "stdout"), err_(dir / "stderr") {
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            if (::chdir(dir.c_str()) != 0) ::_exit(120);
            const int in = ::open("/dev/null", O_RDONLY);
            const int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (in < 0 || out < 0 || err < 0) ::_exit(121);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(err, 2);
            // A test runner may have left these ignored or blocked; the program starts as from a shell.
            ::signal(SIGINT, SIG_DFL);
            ::signal(SIGTERM, SIG_DFL);
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            std::vector<char*> argv;
            static std::string program = SYMDIFF_CLI;
            argv.push_back(program.data());
            for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(program.c_str(), argv.data());
            ::_exit(127);
        }
    }
    ~Child() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    void signal(int sig) { ::kill(pid_, sig); }

    // The exit status as a shell reports it (128 + N for a death by signal N).
    int wait() {
        int raw = 0;
        struct rusage usage {};
        ::wait4(pid_, &raw, 0, &usage);
        reaped_ = true;
        max_rss_kb_ = usage.ru_maxrss;
        return symdiff::test::exit_status(raw);
    }
    long max_rss_kb() const { return max_rss_kb_; }
    std::string out() const { return symdiff::test::slurp(out_); }
    std::string err() const { return symdiff::test::slurp(err_); }

    // CPU seconds the child has used so far (user + system), from /proc.
    double cpu_seconds() const {
        std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const auto close = text.rfind(')');
        if (close == std::string::npos) return 0;
        std::istringstream fields(text.substr(close + 2));
        std::string f;
        unsigned long utime = 0, stime = 0;
        for (int i = 3; i <= 15 && fields >> f; ++i) {
            if (i == 14) utime = std::stoul(f);
            if (i == 15) stime = std::stoul(f);
        }
        return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }

    bool running() const {
        int raw = 0;
        return ::waitpid(pid_, &raw, WNOHANG) == 0;
    }

private:
    fs::path out_, err_;
    pid_t pid_ = -1;
    bool reaped_ = false;
    long max_rss_kb_ = 0;
};

// Polls `done` every 20 ms for up to two minutes; false if it never held.
template <class Pred>
bool eventually(Pred done) {
    const auto end = std::chrono::steady_clock::now() + 120s;
    while (std::chrono::steady_clock::now() < end) {
        if (done()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

// The bytes written so far to the trace `name` in `dir`: the trace is written beside its final
// name (name.XXXXXX) until the run ends, or to the name itself.
std::uintmax_t trace_bytes(const fs::path& dir, const std::string& name) {
    std::uintmax_t bytes = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string f = e.path().filename().string();
        if (f == name || f.rfind(name + ".", 0) == 0) {
            std::error_code ec;
            const auto size = fs::file_size(e.path(), ec);
            if (!ec) bytes = std::max(bytes, size);
        }
    }
    return bytes;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The N of "interrupted at step N" (or "epoch N") in the report.
std::optional<unsigned long long> number_after(const std::string& text, const std::string& what) {
    const auto at = text.find(what);
    if (at == std::string::npos) return std::nullopt;
    return std::stoull(text.substr(at + what.size()));
}

const std::string kRosenbrock = "(1 - x)^2 + 100*(y - x^2)^2";

} // namespace

TEST_CASE("long runs: Ctrl-C stops a traced minimize of 2e9 steps with its report, its trace and status 130",
          "[cli][signals]") {
    Scratch s;
    Child run(s.path, {"minimize", kRosenbrock, "--from", "x=-1,y=1", "--lr", "0.0001", "--steps", "2000000000",
                       "--trace", "t.csv"});
    // The trace is streamed: tens of megabytes of it (about a million steps) are on disk
    // while the run goes on, which also shows that its memory does not grow with it.
    REQUIRE(eventually([&] { return trace_bytes(s.path, "t.csv") > (32u << 20) || !run.running(); }));
    run.signal(SIGINT);
    CHECK(run.wait() == 130);
    const std::string out = run.out();
    INFO(out << run.err());
    CHECK(run.err().empty());
    const auto step = number_after(out, "stopped:  interrupted at step ");
    REQUIRE(step);
    CHECK(*step > 100000);
    CHECK(out.find("end:      (x=") != std::string::npos);
    CHECK(out.find("\nf:        ") != std::string::npos);
    INFO("peak resident memory " << run.max_rss_kb() << " KB");
    // The memory the run needed, whatever its length: far below the 48 bytes a step the
    // trajectory took when it was kept. Under AddressSanitizer the resident size is mostly
    // its shadow memory and the quarantine of freed blocks (256 MB), so only the release
    // build can say what the program itself holds.
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(run.max_rss_kb() < 100 * 1024);
#endif

    // The trace holds every step up to the one reported, under its final name only.
    CHECK(fs::exists(s.path / "t.csv"));
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(s.path)) files += e.path().filename().string().rfind("t.csv", 0) == 0;
    CHECK(files == 1);
    std::ifstream trace(s.path / "t.csv");
    std::string first, line, last;
    std::getline(trace, first);
    CHECK(first == "step,x,y,f,grad_norm");
    std::size_t rows = 0;
    while (std::getline(trace, line)) {
        last = line;
        ++rows;
    }
    CHECK(rows == *step + 1);
    CHECK(last.substr(0, last.find(',')) == std::to_string(*step));
}

TEST_CASE("long runs: SIGTERM stops minimize in the generated loop with status 143", "[cli][signals]") {
    Scratch s;
    // A small function, a constant rate and no trace: the natively generated descent loop,
    // which looks at the flag every 1024 steps.
    Child run(s.path, {"minimize", kRosenbrock, "--from", "x=-1,y=1", "--lr", "0.0001", "--steps", "200000000000"});
    REQUIRE(eventually([&] { return run.cpu_seconds() >= 1.0 || !run.running(); }));
    run.signal(SIGTERM);
    CHECK(run.wait() == 143);
    const std::string out = run.out();
    INFO(out << run.err());
    const auto step = number_after(out, "stopped:  interrupted at step ");
    REQUIRE(step);
    CHECK(*step > 0);
    CHECK(*step % 1024 == 0);
    CHECK(out.find("verdict:") != std::string::npos);
}

TEST_CASE("long runs: Ctrl-C and SIGTERM stop fit, full-batch and mini-batch, with the trace so far",
          "[cli][signals]") {
    Scratch s;
    {
        std::ofstream data(s.path / "d.csv");
        data << "x,y\n";
        for (int i = 0; i < 200; ++i) data << i / 100.0 << ',' << 3.0 * i / 100.0 + 1 << '\n';
    }
    for (const bool batches : {false, true}) {
        const int sig = batches ? SIGINT : SIGTERM;
        DYNAMIC_SECTION((batches ? "mini-batches, SIGINT" : "full batch, SIGTERM")) {
            std::vector<std::string> args{"fit", "mean((m*x + b - y)^2)", "--data", "d.csv", "--lr", "0.01",
                                          "--epochs", "2000000000", "--trace", "fit.csv"};
            if (batches) args.insert(args.end(), {"--batch", "7"});
            Child run(s.path, args);
            REQUIRE(eventually([&] { return trace_bytes(s.path, "fit.csv") > (1u << 20) || !run.running(); }));
            run.signal(sig);
            CHECK(run.wait() == (sig == SIGINT ? 130 : 143));
            const std::string out = run.out();
            INFO(out << run.err());
            CHECK(run.err().empty());
            CHECK(out.find(batches ? "stopped:  interrupted in epoch " : "stopped:  interrupted at epoch ") !=
                  std::string::npos);
            CHECK(out.find("fitted:   m=") != std::string::npos);
            const auto rows = lines_of(symdiff::test::slurp(s.path / "fit.csv"));
            REQUIRE(rows.size() > 1000);
            CHECK(rows.front() == "epoch,m,b,loss");
            CHECK(rows[1].rfind("0,0,0,", 0) == 0);
        }
    }
}

#endif // SYMDIFF_CLI
