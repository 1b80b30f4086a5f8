// The symdiff program: builds the subcommands listed in commands.def, runs the one asked for,
// and turns every failure into a message on standard error and an exit status (README "Exit status").
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <exception>
#include <cstdlib>
#include <new>
#include <regex>
#include <string>
#include <vector>

#include "common.hpp"
#include "symdiff/suggest.hpp"

namespace symdiff::cli {

#define SYMDIFF_COMMAND(name) void register_##name(CLI::App& app);
#include "commands.def"
#undef SYMDIFF_COMMAND

void run_repl();

namespace {


// The letters of the short options of the program and its subcommands (-h, -O, ...).
std::string short_option_letters(const CLI::App& app) {
    std::string letters;
    auto add = [&](const CLI::App& a) {
        for (const CLI::Option* opt : a.get_options())
            for (const std::string& name : opt->get_snames()) letters += name;
    };
    add(app);
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) add(*sub);
    return letters;
}

// CLI11 reads "-x^2" as the short option -x: an expression that starts with a minus sign
// would be refused. Such arguments move behind a "--" (after which everything is
// positional), so `symdiff eval "-x^2" --at x=1` works. Negative numbers are already values
// for CLI11; "-", "--name" and arguments that start with a real short option ("-h", "-O2")
// keep their meaning.
std::vector<std::string> protect_negative_expressions(int argc, char** argv, const std::string& shorts) {
    std::vector<std::string> head, moved, tail;
    bool positional = false;
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        if (positional) {
            tail.push_back(std::move(a));
        } else if (a == "--") {
            positional = true;
        } else if (i > 0 && a.size() > 1 && a[0] == '-' && a[1] != '-' && shorts.find(a[1]) == std::string::npos &&
                   !std::isdigit(static_cast<unsigned char>(a[1]))) {
            moved.push_back(std::move(a));
        } else {
            head.push_back(std::move(a));
        }
    }
    if (moved.empty() && !positional) return head;
    head.push_back("--");
    head.insert(head.end(), moved.begin(), moved.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

// --- usage errors in the project's words (CLI11's own messages never reach the user)

std::vector<std::string> option_names(const CLI::App& cmd) {
    std::vector<std::string> names;
    for (const CLI::Option* opt : cmd.get_options()) {
        for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
        for (const std::string& sn : opt->get_snames()) names.push_back("-" + sn);
    }
    return names;
}

std::string command_label(const CLI::App& cmd) {
    return cmd.get_parent() ? "symdiff " + cmd.get_name() : std::string("symdiff");
}

// An option the command does not have, found before CLI11 sees the arguments, so that it gets
// the nearest option as a suggestion rather than "The following argument was not expected".
void check_option_names(const CLI::App& app, const std::vector<std::string>& args) {
    const CLI::App* cmd = &app;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") return;
        if (i == 1 && !a.empty() && a[0] != '-') {
            if (const CLI::App* sub = app.get_subcommand_ptr(a).get()) cmd = sub;
            continue;
        }
        if (a.size() < 3 || a[0] != '-' || a[1] != '-') continue;
        const std::string name = a.substr(0, a.find('='));
        const std::vector<std::string> known = option_names(*cmd);
        if (std::find(known.begin(), known.end(), name) != known.end()) continue;
        // A long option is taken for another long option (--h is --help, not -h).
        std::vector<std::string> long_names;
        for (const std::string& k : known)
            if (k.size() > 2 && k[1] == '-') long_names.push_back(k);
        std::string hint = did_you_mean(name, long_names);
        if (hint.empty())
            hint = cmd == &app ? " (symdiff --help lists the commands and options)"
                               : " (" + command_label(*cmd) + " --help lists its options)";
        throw UsageError("unknown option '" + name + "'" + (cmd == &app ? "" : " for " + cmd->get_name()) + hint);
    }
}

std::string join_choices(const std::string& list) {
    std::string out;
    std::size_t start = 0;
    std::vector<std::string> items;
    for (std::size_t i = 0; i <= list.size(); ++i)
        if (i == list.size() || list[i] == ',') {
            items.push_back(list.substr(start, i - start));
            start = i + 1;
        }
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
    return out;
}

// What an option's value must be, from its type: "a number", "a whole number (0, 1, 2, ...)",
// or the form shown in --help ("x=V,...").
std::string expected_value(const CLI::Option& opt) {
    // A choice (CLI::IsMember) describes itself as {a,b,c}, whatever the type shown in --help.
    auto& any = const_cast<CLI::Option&>(opt);
    for (int i = 0;; ++i) {
        const CLI::Validator* v = nullptr;
        try {
            v = any.get_validator(i);
        } catch (const CLI::OptionNotFound&) {
            break;
        }
        const std::string d = v->get_description();
        if (d.size() > 2 && d.front() == '{' && d.back() == '}') return join_choices(d.substr(1, d.size() - 2));
    }
    std::string type = opt.get_type_name();
    const std::string base = type.substr(0, type.find(':'));
    if (base == "FLOAT") return "a number";
    if (base == "INT") return "an integer";
    if (base == "UINT") return "a whole number (0, 1, 2, ...)";
    if (base == "BOOLEAN") return "true or false";
    if (base == "TEXT" || base.empty()) {
        const auto brace = type.find('{');
        if (brace != std::string::npos && type.back() == '}')
            return join_choices(type.substr(brace + 1, type.size() - brace - 2));
        return "a value";
    }
    return base;
}

std::vector<std::string> split_choices(const std::string& list) {
    std::vector<std::string> items;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= list.size(); ++i)
        if (i == list.size() || list[i] == ',') {
            items.push_back(list.substr(start, i - start));
            start = i + 1;
        }
    return items;
}

// Numbers are checked before CLI11 converts them, so that a bad one is named in our words
// and a negative count ("--epochs -1", which CLI11 would wrap to 2^64 - 1) is refused.
void add_number_checks(CLI::App& app) {
    auto checked = [](const std::string& base) -> std::function<std::string(std::string&)> {
        return [base](std::string& text) -> std::string {
            const char* s = text.c_str();
            char* end = nullptr;
            errno = 0;
            bool ok = !text.empty() && !std::isspace(static_cast<unsigned char>(text[0]));
            if (ok && base == "FLOAT") {
                (void)std::strtod(s, &end);
            } else if (ok && base == "INT") {
                (void)std::strtoll(s, &end, 10);
            } else if (ok) {
                ok = std::isdigit(static_cast<unsigned char>(text[0]));
                (void)std::strtoull(s, &end, 10);
            }
            ok = ok && end && *end == '\0' && errno != ERANGE;
            if (ok) return {};
            const std::string what = base == "FLOAT" ? "a number" : base == "INT" ? "an integer"
                                                                                 : "a whole number (0, 1, 2, ...)";
            return "expects " + what + ", got '" + text + "'";
        };
    };
    auto add = [&](CLI::App& cmd) {
        for (CLI::Option* opt : cmd.get_options()) {
            if (opt->get_expected_max() == 0) continue; // a flag
            const std::string type = opt->get_type_name();
            const std::string base = type.substr(0, type.find(':'));
            if (base != "FLOAT" && base != "INT" && base != "UINT") continue;
            opt->check(CLI::Validator(checked(base), std::string()));
        }
    };
    add(app);
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) add(*sub);
}

// CLI11's ParseError, said as the project says things: what was expected, and the wrong item.
std::string usage_message(const CLI::ParseError& e, CLI::App& app) {
    const std::vector<CLI::App*> used = app.get_subcommands();
    CLI::App& cmd = used.empty() ? app : *used.front();
    const std::string what = e.what();
    const std::string label = command_label(cmd);
    std::smatch m;
    auto option = [&](const std::string& name) -> const CLI::Option* { return cmd.get_option_no_throw(name); };

    if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
        std::vector<std::string> extra = cmd.remaining();
        std::erase(extra, std::string("--"));
        std::string first = extra.empty() ? std::string() : extra.front();
        // An argument behind "--" is not kept in remaining(); CLI11's message still names it.
        if (first.empty() && std::regex_search(what, m, std::regex(": (\\S+)"))) first = m[1];
        bool positional = false;
        for (const CLI::Option* opt : cmd.get_options())
            positional = positional || opt->get_positional();
        if (&cmd == &app) return "unexpected argument '" + first + "' (symdiff --help lists the commands)";
        // A short option of another command (-O2 is compile's); "-3" and "--" are no options.
        const std::string shorts = short_option_letters(app);
        if (first.size() > 1 && first[0] == '-' && shorts.find(first[1]) != std::string::npos)
            return "unknown option '" + first + "' for " + cmd.get_name() + " (" + label + " --help lists its options)";
        if (!positional) return cmd.get_name() + " takes no argument, got '" + first + "'";
        return cmd.get_name() + " takes one expression, and '" + first +
               "' is one argument too many (quote an expression that has spaces: \"x + y\")";
    }
    if (dynamic_cast<const CLI::RequiredError*>(&e)) {
        if (std::regex_match(what, m, std::regex("(.+) is required"))) {
            const std::string name = m[1];
            if (name == "A subcommand") return "no command given (symdiff --help lists the commands)";
            if (const CLI::Option* opt = option(name)) {
                std::string about = opt->get_description();
                // "The expression, ..." reads on as "the expression, ..."; "CSV file" stays.
                if (about.size() > 1 && std::islower(static_cast<unsigned char>(about[1])))
                    about[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(about[0])));
                if (opt->get_positional()) return cmd.get_name() + " needs " + name + ": " + about;
                return cmd.get_name() + " needs " + name + " " + expected_value(*opt) + ": " + about;
            }
        }
    }
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
        if (std::regex_match(what, m, std::regex("(\\S+): \\d+ required .* missing")))
            if (const CLI::Option* opt = option(m[1]))
                return std::string(m[1]) + " needs a value: " + expected_value(*opt);
        if (std::regex_match(what, m, std::regex("(\\S+): At Most \\d+ required but received \\d+")))
            return std::string(m[1]) + " is given more than once: give it one value";
    }
    if (dynamic_cast<const CLI::ConversionError*>(&e)) {
        if (std::regex_match(what, m, std::regex("Could not convert: (\\S+) = (.*)"))) {
            const CLI::Option* opt = option(m[1]);
            if (opt && opt->get_expected_max() == 0)
                return std::string(m[1]) + " is a switch and takes no value, got '" + std::string(m[2]) + "'";
            return std::string(m[1]) + " expects " + (opt ? expected_value(*opt) : std::string("a value")) +
                   ", got '" + std::string(m[2]) + "'";
        }
    }
    if (dynamic_cast<const CLI::ValidationError*>(&e)) {
        if (std::regex_match(what, m, std::regex("(\\S+): (.*) not in \\{(.*)\\}"))) {
            const std::vector<std::string> choices = split_choices(m[3]);
            return std::string(m[1]) + " expects " + join_choices(m[3]) + ", got '" + std::string(m[2]) + "'" +
                   did_you_mean(std::string(m[2]), choices);
        }
        if (std::regex_match(what, m, std::regex("(\\S+): Value (.*) not in range (\\S+) to (\\S+)")))
            return std::string(m[1]) + " expects an integer from " + std::string(m[3]) + " to " + std::string(m[4]) +
                   ", got '" + std::string(m[2]) + "'";
        if (std::regex_match(what, m, std::regex("(\\S+): (expects .*)"))) return std::string(m[1]) + " " + std::string(m[2]);
        // The project's own validators (add_count_option) already speak its words.
        return what;
    }
    if (dynamic_cast<const CLI::ExcludesError*>(&e))
        if (std::regex_match(what, m, std::regex("(\\S+) excludes (\\S+)")))
            return std::string(m[1]) + " and " + std::string(m[2]) + " may not be given together: give one of them";
    if (dynamic_cast<const CLI::RequiresError*>(&e))
        if (std::regex_match(what, m, std::regex("(\\S+) requires (\\S+)")))
            return std::string(m[1]) + " needs " + std::string(m[2]) + " as well";
    // Anything else is still a usage error; say where to look.
    return "the arguments do not fit " + label + " (" + label + " --help lists its options)";
}

void print_error(const std::string& what) {
    std::fputs(("error: " + what + "\n").c_str(), stderr);
}

// "out of memory while reading the data file 'd.csv' (the address space is limited to 512 MB)":
// what the program was doing, and the limit when one is set (ulimit -v).
std::string out_of_memory_message() {
    std::string text = "out of memory";
    const std::string& what = Activity::failed();
    text += what.empty() ? std::string(" (no more memory could be allocated)") : " while " + what;
    struct rlimit as {};
    if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
        text += " (the address space is limited to " + std::to_string(as.rlim_cur >> 20) + " MB)";
    return text;
}

int run(int argc, char** argv) {
    CLI::App app{"symdiff " SYMDIFF_VERSION ": symbolic differentiation and expression compiler", "symdiff"};
    app.set_version_flag("--version", "symdiff " SYMDIFF_VERSION, "Print the version and exit");
    app.require_subcommand(1);
    app.footer("EXPR may be - to read it from standard input.\n"
               "Exit status: 0 success, 1 bad input (the expression or a value), 2 wrong usage,\n"
               "3 a gradient check that failed (check), 130 or 143 a run stopped by Ctrl-C or SIGTERM.\n"
               "Run symdiff COMMAND --help for the options of a command.");
    app.get_formatter()->column_width(32);
#define SYMDIFF_COMMAND(name) register_##name(app);
#include "commands.def"
#undef SYMDIFF_COMMAND

    if (argc <= 1) {
        // Interactive use gets the REPL; a script that forgot the command gets the help.
        if (::isatty(STDIN_FILENO)) {
            run_repl();
            return kOk;
        }
        print_error("no command given");
        std::fputs(app.help().c_str(), stderr);
        return kUsage;
    }

    // CLI11 would say "A subcommand is required" about a misspelt one.
    if (std::string first = argv[1]; !first.empty() && first[0] != '-' &&
        app.get_subcommands([&](const CLI::App* c) { return c->check_name(first); }).empty()) {
        std::vector<std::string> commands;
        for (const CLI::App* c : app.get_subcommands([](const CLI::App*) { return true; })) commands.push_back(c->get_name());
        const std::string hint = did_you_mean(first, commands);
        throw UsageError("unknown command '" + first + "'" + (hint.empty() ? " (symdiff --help lists the commands)" : hint));
    }

    std::vector<std::string> args = protect_negative_expressions(argc, argv, short_option_letters(app));
    check_option_names(app, args);
    add_number_checks(app);
    std::vector<char*> ptrs;
    for (auto& a : args) ptrs.push_back(a.data());
    try {
        app.parse(static_cast<int>(ptrs.size()), ptrs.data());
    } catch (const CLI::ParseError& e) {
        // --help and --version come this way with status 0; CLI11 prints them.
        if (e.get_exit_code() == 0) return app.exit(e);
        print_error(usage_message(e, app));
        return kUsage;
    }
    return kOk;
}

} // namespace
} // namespace symdiff::cli

int main(int argc, char** argv) {
    using namespace symdiff::cli;
    int status = kBadInput;
    // Past a file-size limit (ulimit -f) a write fails with EFBIG, which is reported, rather
    // than the signal killing the program with the file cut off.
    ::signal(SIGXFSZ, SIG_IGN);
    try {
        status = run(argc, argv);
    } catch (const UsageError& e) { // before symdiff::Error, which it is
        print_error(e.what());
        status = kUsage;
    } catch (const symdiff::Error& e) {
        std::fputs(e.diagnostic().render().c_str(), stderr);
        status = kBadInput;
    } catch (const CommandVerdict& v) {
        status = v.status;
    } catch (const std::bad_alloc&) {
        print_error(out_of_memory_message());
        status = kBadInput;
    } catch (const std::exception& e) {
        print_error(e.what());
        status = kBadInput;
    } catch (...) {
        print_error("unexpected failure");
        status = kBadInput;
    }
    // A closed pipe (symdiff ... | head) is not worth a message, but it must not read as success
    // if the answer could not be written.
    const bool written = std::fflush(stdout) == 0;
    // The parser's notes come last, after the answer or the error (README, "Juxtaposed letters").
    print_notes();
    if (!written && status == kOk) status = kBadInput;
    return status;
}
