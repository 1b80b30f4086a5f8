// The symdiff program: builds the subcommands listed in commands.def, runs the one asked for,
// and turns every failure into a message on standard error and an exit status (README "Exit status").
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "common.hpp"

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
        app.get_subcommands([&](const CLI::App* c) { return c->check_name(first); }).empty())
        throw UsageError("unknown command '" + first + "' (symdiff --help lists the commands)");

    std::vector<std::string> args = protect_negative_expressions(argc, argv, short_option_letters(app));
    std::vector<char*> ptrs;
    for (auto& a : args) ptrs.push_back(a.data());
    try {
        app.parse(static_cast<int>(ptrs.size()), ptrs.data());
    } catch (const CLI::ParseError& e) {
        // --help and --version come this way with status 0; CLI11 prints them.
        if (e.get_exit_code() == 0) return app.exit(e);
        print_error(e.what());
        std::fputs("Run with --help for more information.\n", stderr);
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
    } catch (const symdiff::Error& e) {
        std::fputs(e.diagnostic().render().c_str(), stderr);
        status = kBadInput;
    } catch (const UsageError& e) {
        print_error(e.what());
        status = kUsage;
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
    if (std::fflush(stdout) != 0 && status == kOk) status = kBadInput;
    return status;
}
