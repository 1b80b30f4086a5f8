// REPL statements: the input's lines run in one Repl as the terminal front end feeds them
// (a line with unclosed brackets is joined to the next, Repl::incomplete); a reply may be
// an error but never a crash or another exception. :load and :save are left out (they touch
// files), and long runs are stopped after two seconds, as Ctrl-C stops them: minimize through
// the interrupt poll, a long sum through the stop flag, which a watchdog thread sets.
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "fuzz_common.hpp"
#include "symdiff/repl.hpp"

using namespace symdiff;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 2048) return -1;
    const std::string input(reinterpret_cast<const char*>(data), size);
    if (input.find("load") != std::string::npos || input.find("save") != std::string::npos) return -1;
    static volatile std::sig_atomic_t stop = 0;
    stop = 0;
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog([&] {
        std::unique_lock lock(m);
        if (!cv.wait_for(lock, std::chrono::seconds(2), [&] { return done; })) stop = 1;
    });
    struct Finish {
        std::mutex& m;
        std::condition_variable& cv;
        bool& done;
        std::thread& t;
        ~Finish() {
            {
                std::lock_guard lock(m);
                done = true;
            }
            cv.notify_one();
            t.join();
        }
    } finish{m, cv, done, watchdog};
    ReplOptions options;
    options.interrupted = [] { return stop != 0; };
    options.stop = &stop;
    Repl session(options);
    std::string pending;
    std::size_t begin = 0;
    while (begin < input.size()) {
        std::size_t end = input.find('\n', begin);
        if (end == std::string::npos) end = input.size();
        if (!pending.empty()) pending += '\n';
        pending.append(input, begin, end - begin);
        begin = end + 1;
        if (begin < input.size() && Repl::incomplete(pending)) continue;
        const ReplReply reply = session.run(pending);
        pending.clear();
        if (reply.quit) break;
    }
    return 0;
}
