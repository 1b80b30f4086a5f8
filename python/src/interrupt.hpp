// Ctrl-C during native work. Python's own SIGINT handler only marks the signal for the main
// thread's interpreter loop, which does not run while a kernel or an optimiser does; so for the
// length of a long native call on the main thread, a handler of ours sets a flag the library
// polls (Options::stop, BatchKernel's stop), and the caller raises KeyboardInterrupt after.
#pragma once

#include <csignal>
#include <cstddef>

namespace symdiff::python {

class InterruptScope {
public:
    /// Kernel calls over fewer points than this do not install the handler (two system calls).
    static constexpr std::size_t kMinRows = std::size_t{1} << 16;

    /// Installs the handler when called on the main thread with Python's default SIGINT
    /// handler in place (a program that set its own keeps it). Needs the GIL.
    InterruptScope();
    ~InterruptScope();
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;

    /// The flag to pass to the library, or null when the handler is not installed.
    const volatile std::sig_atomic_t* flag() const;
    /// True when Ctrl-C was pressed during the scope.
    bool interrupted() const;
    /// Number of scopes with the handler installed now (for tests that press Ctrl-C).
    static int active();

private:
    bool installed_ = false;
    struct sigaction previous_ {};
};

} // namespace symdiff::python
