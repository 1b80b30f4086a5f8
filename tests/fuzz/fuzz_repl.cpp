// REPL statements: each line of the input is run in one Session (definitions, diff, eval,
// commands); a reply may be an error but never a crash. Commands that touch files are left
// out, and long runs (minimize) are stopped after a second through the interrupt poll.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "symdiff/repl.hpp"

using namespace symdiff;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 2048) return -1;
    const std::string input(reinterpret_cast<const char*>(data), size);
    for (std::string_view word : {"load", "save", "write", "source", "history", "plot", "trace"})
        if (input.find(word) != std::string::npos) return -1;
    const auto start = std::chrono::steady_clock::now();
    ReplOptions options;
    options.interrupted = [start] { return std::chrono::steady_clock::now() - start > std::chrono::seconds(1); };
    Session session(options);
    std::size_t begin = 0;
    while (begin <= input.size()) {
        std::size_t end = input.find('\n', begin);
        if (end == std::string::npos) end = input.size();
        const ReplReply reply = session.run(std::string_view(input).substr(begin, end - begin));
        if (reply.quit) break;
        begin = end + 1;
    }
    return 0;
}
