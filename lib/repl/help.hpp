// The REPL's fixed vocabulary: commands, statement keywords, built-in names, and the help page.
#pragma once

#include <span>
#include <string_view>

namespace symdiff::repl {

/// ":help", ":vars", ... (what completion offers after ':').
std::span<const std::string_view> command_names();
/// Words that start a statement or an option of one (diff, grad, ..., at, from, method, ...).
std::span<const std::string_view> keywords();
/// The built-in functions and constants of the expression language (grammars/README.md).
std::span<const std::string_view> builtin_names();
/// True for a word that cannot be defined: a keyword, a built-in function or a constant.
bool is_reserved(std::string_view name);

/// The text of :help.
std::string_view help_text();

} // namespace symdiff::repl
