// Ctrl-C during a long evaluation (issue 16, item 11): `symdiff eval` of a sum of 10^9 terms
// without a closed form, run as a real child process and sent SIGINT (or SIGTERM) while it
// loops, stops with "error: evaluation interrupted" and status 130 (143). Before, the signal
// killed it without a word.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

extern char** environ;

namespace {

struct Outcome {
    int status = -1; // exit status, or -signal if killed
    std::string err;
};

Outcome interrupt_eval(int sig) {
    int pipe_fd[2];
    REQUIRE(::pipe(pipe_fd) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fd[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fd[0]);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    const char* argv[] = {SYMDIFF_CLI, "eval", "sum(i = 1..10^9, sin(i))", nullptr};
    pid_t pid = 0;
    REQUIRE(::posix_spawn(&pid, SYMDIFF_CLI, &actions, nullptr, const_cast<char**>(argv), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fd[1]);
    // 10^9 sines take several seconds; the signal comes while the loop runs
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ::kill(pid, sig);
    Outcome o;
    char buf[512];
    for (ssize_t n; (n = ::read(pipe_fd[0], buf, sizeof buf)) > 0;) o.err.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fd[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return o;
}

} // namespace

TEST_CASE("eval: Ctrl-C stops a long sum with a message and status 130", "[cli][interrupt]") {
    const Outcome o = interrupt_eval(SIGINT);
    REQUIRE(o.err == "error: evaluation interrupted\n");
    REQUIRE(o.status == 130);
}

TEST_CASE("eval: SIGTERM stops a long sum with a message and status 143", "[cli][interrupt]") {
    const Outcome o = interrupt_eval(SIGTERM);
    REQUIRE(o.err == "error: evaluation interrupted\n");
    REQUIRE(o.status == 143);
}
