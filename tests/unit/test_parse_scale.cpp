// Parser scale: a large input is read in work and memory proportional to its length. Counted,
// not timed (the time of the 1 MiB parse is bench/bench_parse.cpp's).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "symdiff/expr.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

// About `bytes` of varied terms, the text of BM_parse_1mb: almost every term brings new
// constants, so nodes grow with the text rather than being found again.
std::string varied_terms(std::size_t bytes) {
    std::string s;
    for (int i = 1; s.size() < bytes; ++i) {
        const std::string k = std::to_string(i);
        s += "x^2*sin(y + " + k + ".5) - " + k + "xy + (x - " + k + ")^-2 + w_" + std::to_string(i % 100) +
             "*exp(-t/" + k + ") + ";
    }
    return s + "1";
}

// A field of /proc/self/status in kB, or -1 where there is none (not Linux).
long status_kb(const std::string& field) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
    return -1;
}

// Resets the peak resident size to the current one (Linux 4.0 and later); false if refused.
bool reset_peak() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return static_cast<bool>(out);
}

// The nodes of one parse of `text` into a fresh Context, and the growth of the peak resident
// size while the Context and its parse lived (kB; -1 where it cannot be measured).
struct Cost {
    std::size_t nodes = 0;
    long peak_kb = -1;
};

// Measured in a child process, so that memory an earlier parse left with the allocator
// neither hides nor inflates this one's.
Cost parse_cost(const std::string& text) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        Cost c;
        const bool measured = reset_peak();
        const long before = status_kb("VmRSS:");
        {
            Context ctx;
            Expr e = parse_expr(ctx, text);
            c.nodes = e.is(Op::Add) ? ctx.size() : 0;
        }
        if (measured && before >= 0) c.peak_kb = status_kb("VmHWM:") - before;
        const bool sent = ::write(fds[1], &c, sizeof c) == static_cast<ssize_t>(sizeof c);
        ::_exit(sent ? 0 : 1);
    }
    ::close(fds[1]);
    Cost c;
    const bool got = ::read(fds[0], &c, sizeof c) == static_cast<ssize_t>(sizeof c);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(got);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return c;
}

} // namespace

TEST_CASE("parse scale: nodes and peak memory grow linearly with the text, up to 1 MiB", "[parse][scale]") {
    const std::string quarter = varied_terms(std::size_t{1} << 18);
    const std::string half = varied_terms(std::size_t{1} << 19);
    const std::string whole = varied_terms(std::size_t{1} << 20);
    const Cost q = parse_cost(quarter), h = parse_cost(half), w = parse_cost(whole);

    // Nodes: about one per 4.5 bytes, the same share at every length.
    CHECK(w.nodes == 231360);
    for (const auto& [c, text] : {std::pair{q, &quarter}, std::pair{h, &half}, std::pair{w, &whole}}) {
        const double per_byte = static_cast<double>(c.nodes) / static_cast<double>(text->size());
        CHECK(per_byte > 0.2);
        CHECK(per_byte < 0.25);
    }

    if (w.peak_kb < 0) {
        WARN("no /proc/self/clear_refs: peak memory not measured");
        return;
    }
    INFO("peak growth kB: 256 KiB " << q.peak_kb << ", 512 KiB " << h.peak_kb << ", 1 MiB " << w.peak_kb);
    // The tree, the Context's nodes and children and its intern table: about 60 bytes of
    // memory per byte of text (60 MB for 1 MiB); bounded at a little over twice that.
    CHECK(w.peak_kb < 140 * 1024);
    // Doubling the text at most a little more than doubles the memory (allocator steps).
    CHECK(w.peak_kb < 2.5 * static_cast<double>(h.peak_kb) + 4096);
    CHECK(h.peak_kb < 2.5 * static_cast<double>(q.peak_kb) + 4096);
}
