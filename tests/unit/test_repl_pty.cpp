// The interactive REPL through a real terminal: tmux runs `symdiff repl` in a pseudo-terminal,
// the test types into it with send-keys and reads the screen with capture-pane. Every step
// polls the screen for what it expects, with a timeout, rather than sleeping a fixed time.
// Without tmux the test says so and passes.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

namespace fs = std::filesystem;

#ifdef SYMDIFF_CLI

namespace {

using namespace std::chrono_literals;

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string capture_command(const std::string& command) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// One tmux server of our own (-L), so that the user's sessions are never touched.
class Terminal {
public:
    // Runs `symdiff ARGS` (`symdiff` alone on a terminal starts the REPL too).
    Terminal(const fs::path& home, bool color, const std::string& args = "repl")
        : socket_("symdiff_repl_test_" + std::to_string(::getpid()) + "_" + std::to_string(++instances_)) {
        std::string env = "HOME=" + quote(home.string()) + " TERM=xterm-256color" + (color ? "" : " NO_COLOR=1");
        std::string program = "env " + env + " " + quote(SYMDIFF_CLI) + " " + args + "; echo REPL-EXITED $?; sleep 60";
        tmux("-f /dev/null new-session -d -s repl -x 132 -y 50 " + quote(program));
    }
    ~Terminal() { tmux("kill-server"); }

    // Keys as tmux names them: literal text (-l) or key names such as Enter, Up, Tab, C-c.
    void type(const std::string& text) { tmux("send-keys -t repl -l " + quote(text)); }
    void key(const std::string& name) { tmux("send-keys -t repl " + name); }

    std::string screen(bool escapes = false) {
        return capture_command("tmux -L " + socket_ + " capture-pane -p -S -200 " + (escapes ? "-e " : "") +
                               "-t repl 2>/dev/null");
    }

    // Polls until `done(screen)` holds; fails the test with the screen after the timeout.
    template <class Pred>
    bool wait_for(Pred done, const std::string& what, std::chrono::seconds timeout = 30s) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        std::string s;
        do {
            s = screen();
            if (done(s)) return true;
            std::this_thread::sleep_for(50ms);
        } while (std::chrono::steady_clock::now() < end);
        FAIL_CHECK("timed out waiting for " << what << "; the screen is:\n" << s);
        return false;
    }
    bool wait_for_text(const std::string& text, std::size_t times = 1) {
        return wait_for([&](const std::string& s) { return count(s, text) >= times; }, "'" + text + "'");
    }
    // Presses `key` until `text` shows: repeated in case one press lands between two checks.
    bool press_until(const std::string& key, const std::string& text, const std::string& what) {
        return wait_for(
            [&](const std::string& s) {
                if (s.find(text) != std::string::npos) return true;
                this->key(key);
                std::this_thread::sleep_for(200ms);
                return false;
            },
            what);
    }

private:
    void tmux(const std::string& args) { std::system(("tmux -L " + socket_ + " " + args + " >/dev/null 2>&1").c_str()); }
    static inline int instances_ = 0;
    std::string socket_;
};

struct Home {
    fs::path path = fs::temp_directory_path() / ("symdiff_repl_pty_" + std::to_string(::getpid()));
    Home() {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Home() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

bool have_tmux() { return std::system("command -v tmux >/dev/null 2>&1") == 0; }

const std::string kRosenbrockGrad = "[-2*(1 - x) - 400*x*(y - x^2), 200*(y - x^2)]";

} // namespace

TEST_CASE("repl pty: typing, completion, history, continuation, Ctrl-C and Ctrl-D", "[repl][pty]") {
    if (!have_tmux()) {
        WARN("tmux is not installed: the terminal test of the REPL is skipped");
        return;
    }
    Home home;
    Terminal t(home.path, false);
    REQUIRE(t.wait_for_text("type :help"));

    // Typing a definition.
    t.type("f(x, y) = (1-x)^2 + 100*(y-x^2)^2");
    t.key("Enter");
    REQUIRE(t.wait_for_text("f(x, y) = (1 - x)^2 + 100*(y - x^2)^2"));

    // Tab completes a unique prefix...
    t.type("gr");
    t.key("Tab");
    t.type("(f)");
    t.key("Enter");
    REQUIRE(t.wait_for_text(kRosenbrockGrad));
    CHECK(count(t.screen(), "> grad(f)") == 1);

    // ...lists the candidates of an ambiguous one; Ctrl-C drops the line.
    t.type("si");
    t.key("Tab");
    REQUIRE(t.wait_for_text("sigmoid  sign  sin  sinh"));
    t.key("C-c");
    REQUIRE(t.wait_for_text("^C"));

    // The up arrow recalls the last statement.
    t.key("Up");
    t.key("Enter");
    REQUIRE(t.wait_for_text(kRosenbrockGrad, 2));

    // An unclosed bracket continues on the next line.
    t.type("f(2,");
    t.key("Enter");
    REQUIRE(t.wait_for_text("> f(2,\n..."));
    t.type("3)");
    t.key("Enter");
    REQUIRE(t.wait_for([](const std::string& s) { return s.find("\n101\n") != std::string::npos; }, "101"));

    // Errors show the caret and the session goes on.
    t.type("2 + * 3");
    t.key("Enter");
    REQUIRE(t.wait_for_text("error: expected an operand"));

    // Ctrl-C stops a minimise of a billion steps, once its progress line shows it running.
    t.type("minimize f from (-1, 1) steps 1000000000");
    t.key("Enter");
    REQUIRE(t.wait_for_text("of 1000000000  f = "));
    REQUIRE(t.press_until("C-c", "interrupted (Ctrl-C) at step", "the minimise to stop on Ctrl-C"));

    // Ctrl-C stops a sum of a billion terms too, with an error, and nothing else is lost.
    t.type("sum(i = 1..10^9, sin(i))");
    t.key("Enter");
    REQUIRE(t.press_until("C-c", "error: evaluation interrupted", "the sum to stop on Ctrl-C"));

    // Still alive.
    t.type("f(3, 9)");
    t.key("Enter");
    REQUIRE(t.wait_for([](const std::string& s) { return s.find("\n4\n") != std::string::npos; }, "4"));
    CHECK(t.screen().find("stopped:  interrupted (Ctrl-C) at step 0\n") == std::string::npos);

    // Ctrl-D on an empty line leaves, with status 0, and the history was saved.
    t.key("C-d");
    REQUIRE(t.wait_for_text("REPL-EXITED 0"));
    std::ifstream history(home.path / ".symdiff_history");
    std::stringstream saved;
    saved << history.rdbuf();
    CHECK(saved.str().find("grad(f)") != std::string::npos);
}

TEST_CASE("repl pty: symdiff alone starts it, in colour, with the last session's history", "[repl][pty]") {
    if (!have_tmux()) {
        WARN("tmux is not installed: the terminal test of the REPL is skipped");
        return;
    }
    Home home;
    std::ofstream(home.path / ".symdiff_history") << "_HiStOrY_V2_\n1\\040+\\0401\n";
    Terminal t(home.path, true, "");
    REQUIRE(t.wait_for_text("type :help"));
    t.key("Up");
    t.key("Enter");
    REQUIRE(t.wait_for([](const std::string& s) { return s.find("\n2\n") != std::string::npos; }, "2"));
    t.type(":bogus");
    t.key("Enter");
    REQUIRE(t.wait_for_text("unknown command"));
    CHECK(t.screen(true).find("31merror:") != std::string::npos);
    t.type(":quit");
    t.key("Enter");
    REQUIRE(t.wait_for_text("REPL-EXITED 0"));
}

TEST_CASE("repl pty: a history that cannot be written is no error", "[repl][pty]") {
    if (!have_tmux()) {
        WARN("tmux is not installed: the terminal test of the REPL is skipped");
        return;
    }
    Terminal t(fs::path("/nonexistent-symdiff-home/sub"), false);
    REQUIRE(t.wait_for_text("type :help"));
    t.type("1 + 1");
    t.key("Enter");
    REQUIRE(t.wait_for([](const std::string& s) { return s.find("\n2\n") != std::string::npos; }, "2"));
    t.key("C-d");
    REQUIRE(t.wait_for_text("REPL-EXITED 0"));
    CHECK(t.screen().find("error") == std::string::npos);
}

TEST_CASE("repl pty: two sessions at once both keep their history", "[repl][pty]") {
    if (!have_tmux()) {
        WARN("tmux is not installed: the terminal test of the REPL is skipped");
        return;
    }
    Home home;
    // A history from an earlier session, which both load.
    std::ofstream(home.path / ".symdiff_history") << "_HiStOrY_V2_\nearlier\\040=\\0400\n";
    Terminal a(home.path, false);
    Terminal b(home.path, false);
    REQUIRE(a.wait_for_text("type :help"));
    REQUIRE(b.wait_for_text("type :help"));
    auto enter = [](Terminal& t, const std::string& line, const std::string& reply) {
        t.type(line);
        t.key("Enter");
        REQUIRE(t.wait_for_text(reply));
    };
    enter(a, "1 + 10", "\n11\n");
    enter(b, "2 + 20", "\n22\n");
    enter(a, "3 + 30", "\n33\n");
    enter(b, "4 + 40", "\n44\n");
    a.key("C-d");
    b.key("C-d");
    REQUIRE(a.wait_for_text("REPL-EXITED 0"));
    REQUIRE(b.wait_for_text("REPL-EXITED 0"));

    std::ifstream history(home.path / ".symdiff_history");
    std::stringstream saved;
    saved << history.rdbuf();
    const std::string text = saved.str();
    INFO(text);
    // Each statement once, in the order typed, after the earlier session's, under one header.
    CHECK(text == "_HiStOrY_V2_\nearlier\\040=\\0400\n1\\040+\\04010\n2\\040+\\04020\n3\\040+\\04030\n"
                  "4\\040+\\04040\n");

    // A new session recalls the other session's last statement too.
    Terminal c(home.path, false);
    REQUIRE(c.wait_for_text("type :help"));
    c.key("Up");
    c.key("Enter");
    REQUIRE(c.wait_for_text("\n44\n"));
    c.key("C-d");
    REQUIRE(c.wait_for_text("REPL-EXITED 0"));
}

TEST_CASE("repl pty: plot draws a text picture in the terminal", "[repl][pty][plot]") {
    if (!have_tmux() || std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
        WARN("tmux or gnuplot is not installed: the terminal plot test is skipped");
        return;
    }
    Home home;
    Terminal t(home.path, false);
    REQUIRE(t.wait_for_text("type :help"));
    t.type("f(x) = x^3 - 3x");
    t.key("Enter");
    REQUIRE(t.wait_for_text("f(x) = x^3 - 3*x"));
    t.type("plot f over x=-3..3 tangent 1");
    t.key("Enter");
    // The legend names the curve and the tangent, the axis runs from -3 to 3, and the frame
    // is as wide as the terminal (132 columns) less gnuplot's margin.
    REQUIRE(t.wait_for_text("tangent at x = 1: y = −2"));
    const std::string s = t.screen();
    CHECK(s.find("x³ − 3·x") != std::string::npos);
    CHECK(std::regex_search(s, std::regex(R"(\n +-3 +-2 +-1 +0 +1 +2 +3\n)")));
    CHECK(std::regex_search(s, std::regex(R"(\+-{100,}\+)")));
    CHECK(count(s, "*") > 60); // the curve
    // The prompt comes back after the picture.
    t.type("2 + 2");
    t.key("Enter");
    REQUIRE(t.wait_for_text("\n4\n"));
    t.key("C-d");
    REQUIRE(t.wait_for_text("REPL-EXITED 0"));
}

#endif // SYMDIFF_CLI
