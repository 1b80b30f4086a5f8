// REPL statements: the input's lines run in one Session as the terminal front end feeds them
// (a line with unclosed brackets is joined to the next, Session::incomplete); a reply may be
// an error but never a crash or another exception. :load and :save are left out (they touch
// files), and long runs (minimize) are stopped after two seconds through the interrupt poll.
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
    if (input.find("load") != std::string::npos || input.find("save") != std::string::npos) return -1;
    const auto start = std::chrono::steady_clock::now();
    ReplOptions options;
    options.interrupted = [start] { return std::chrono::steady_clock::now() - start > std::chrono::seconds(2); };
    Session session(options);
    std::string pending;
    std::size_t begin = 0;
    while (begin < input.size()) {
        std::size_t end = input.find('\n', begin);
        if (end == std::string::npos) end = input.size();
        if (!pending.empty()) pending += '\n';
        pending.append(input, begin, end - begin);
        begin = end + 1;
        if (begin < input.size() && Session::incomplete(pending)) continue;
        const ReplReply reply = session.run(pending);
        pending.clear();
        if (reply.quit) break;
    }
    return 0;
}
