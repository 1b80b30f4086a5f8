/// \file The REPL's engine: a session of definitions that takes one input at a time and returns
/// what to show. It knows nothing of terminals; `symdiff repl` (tools/symdiff/cmd_repl.cpp)
/// adds line editing, history and Ctrl-C around it. docs/repl.md describes the language.
#pragma once

#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "symdiff/print.hpp"

namespace symdiff {

/// What one input produced. Each text is empty or a sequence of lines, each ending in '\n'.
struct ReplReply {
    std::string output; ///< results (standard output)
    std::string errors; ///< diagnostics: "error: ...", the input line and a caret (standard error)
    bool quit = false;  ///< the input was :quit
    bool ok() const { return errors.empty(); }
};

struct ReplOptions {
    /// ANSI colours in replies (the caller decides: a terminal without NO_COLOR).
    bool color = false;
    /// Polled by long-running commands (minimize) between steps; when it returns true they
    /// stop early and say so. Typically reads a flag set by a SIGINT handler.
    std::function<bool()> interrupted;
    /// Called by long-running commands about five times a second with a one-line status
    /// ("step 12288 of 1000000  f = 0.31  |grad f| = 2.4"), and with "" when they finish, so a
    /// terminal front end can show progress on a line it then clears. May be empty.
    std::function<void(std::string_view)> progress;
    /// A flag a SIGINT handler sets (to any non-zero value) to stop the evaluation of a long
    /// sum (`sum(i = 1..10^9, sin(i))`): the statement then fails with "evaluation
    /// interrupted" and the session goes on. Read only; null: never stopped.
    const volatile std::sig_atomic_t* stop = nullptr;
    /// The size of the text picture of `plot` without `to FILE` (gnuplot's dumb terminal):
    /// the terminal's width and a height that leaves room for the prompt.
    int plot_columns = 80, plot_rows = 24;
};

/// One REPL session: its definitions (`f(x, y) = …`, `a = 3`), its output format and its own
/// Context. Not thread-safe; one thread drives it.
///
/// Definitions are taken by value: a definition stores the expression its right side has at
/// that moment (earlier definitions expanded), so redefining `a` later does not change a
/// function defined from it. Redefinition is allowed and says what it replaced.
class Repl {
public:
    explicit Repl(ReplOptions options = {});
    ~Repl();
    Repl(const Repl&) = delete;
    Repl& operator=(const Repl&) = delete;

    /// Runs one input: a statement, possibly spanning several lines. Bad input is reported in
    /// the reply, never thrown; the session stays usable after any error.
    ReplReply run(std::string_view input);

    /// True while `input` has more opening than closing brackets, so that a front end reads
    /// another line and joins them with '\n' before calling run().
    static bool incomplete(std::string_view input);

    /// The words that complete `prefix` (the partial word before the cursor): commands after
    /// ':', statement keywords, built-in functions and constants, and defined names; sorted,
    /// without duplicates.
    std::vector<std::string> completions(std::string_view prefix) const;

    /// The defined names in order of (first) definition.
    std::vector<std::string> names() const;

    Format format() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace symdiff
