// `symdiff repl` (and `symdiff` alone on a terminal): the interactive session. The statements
// are symdiff::Repl's (lib/repl); this file is the terminal around it: libedit for line
// editing, history in ~/.symdiff_history, tab completion, continuation lines, Ctrl-C and
// Ctrl-D. Standard input that is not a terminal is read as a script instead.
#include <histedit.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <functional>
#include <iostream>
#include <langinfo.h>
#include <memory>
#include <string>
#include <vector>

#include "common.hpp"
#include "symdiff/repl.hpp"

namespace symdiff::cli {
namespace {

// Set by the signal handlers, read by the line reader and by Repl's interrupt poll.
volatile std::sig_atomic_t g_interrupted = 0;
volatile std::sig_atomic_t g_resized = 0;

extern "C" void on_sigint(int) { g_interrupted = 1; }
extern "C" void on_sigwinch(int) { g_resized = 1; }

bool use_color(int fd) {
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    return ::isatty(fd) && !(no_color && *no_color) && !(term && std::strcmp(term, "dumb") == 0);
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// Output first, then errors, each flushed, so that `2>&1` keeps them in order.
void show(const ReplReply& r) {
    std::fputs(r.output.c_str(), stdout);
    std::fflush(stdout);
    std::fputs(r.errors.c_str(), stderr);
    std::fflush(stderr);
}

// ------------------------------------------------------------------ scripts

// Statements from a pipe or file: no prompt, no editing; a line with unclosed brackets
// continues on the next, and a blank line ends an unfinished statement (reported as an
// error). Errors do not stop the script; they make the exit status 1.
void run_script(bool echo) {
    Repl session(ReplOptions{use_color(STDOUT_FILENO), {}, {}});
    std::string pending, line;
    std::size_t failed = 0;
    auto submit = [&] {
        ReplReply r = session.run(pending);
        pending.clear();
        show(r);
        if (!r.ok()) ++failed;
        return r.quit;
    };
    while (std::getline(std::cin, line)) {
        if (echo) std::printf("%s%s\n", pending.empty() ? "> " : "... ", line.c_str());
        if (!pending.empty() && blank(line)) {
            if (submit()) break;
            continue;
        }
        pending += pending.empty() ? line : "\n" + line;
        if (Repl::incomplete(pending)) continue;
        if (submit()) break;
    }
    if (!blank(pending)) submit();
    if (failed) throw Error(std::to_string(failed) + (failed == 1 ? " statement" : " statements") + " failed");
}

// ------------------------------------------------------------------ the terminal

struct Terminal {
    Repl* session = nullptr;
    bool continuation = false;
    bool cancelled = false;
    bool color = false;
};

Terminal* terminal_of(EditLine* el) {
    void* p = nullptr;
    el_get(el, EL_CLIENTDATA, &p);
    return static_cast<Terminal*>(p);
}

// The prompt, with the colour codes between \1 markers so that libedit does not count them.
char* prompt(EditLine* el) {
    static char plain[] = "> ", more[] = "... ";
    static char plain_c[] = "\1\x1b[1;34m\1> \1\x1b[0m\1", more_c[] = "\1\x1b[34m\1... \1\x1b[0m\1";
    Terminal* t = terminal_of(el);
    if (t->color) return t->continuation ? more_c : plain_c;
    return t->continuation ? more : plain;
}

// libedit's own reader retries a read interrupted by a signal, so Ctrl-C would do nothing
// until the next key. This reader waits with SIGINT blocked except inside ppoll (no race
// between testing the flag and sleeping), and turns an interrupt into the ^C character,
// which is bound to cancel_line below.
int read_char(EditLine* el, wchar_t* out) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGWINCH);
    sigprocmask(SIG_BLOCK, &block, &old);
    char bytes[MB_LEN_MAX];
    std::size_t n = 0;
    int result = -1;
    for (;;) {
        if (g_interrupted) {
            g_interrupted = 0;
            *out = L'\x03';
            result = 1;
            break;
        }
        if (g_resized) {
            g_resized = 0;
            el_resize(el);
        }
        pollfd p{STDIN_FILENO, POLLIN, 0};
        if (ppoll(&p, 1, nullptr, &old) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        char c;
        ssize_t got = ::read(STDIN_FILENO, &c, 1);
        if (got == 0) {
            result = 0;
            break;
        }
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        bytes[n++] = c;
        std::mbstate_t state{};
        wchar_t wc;
        std::size_t k = std::mbrtowc(&wc, bytes, n, &state);
        if (k == static_cast<std::size_t>(-2) && n < sizeof bytes) continue;
        if (k == static_cast<std::size_t>(-1) || k == static_cast<std::size_t>(-2)) {
            n = 0; // not UTF-8 in this locale: drop the bytes rather than insert garbage
            continue;
        }
        *out = wc;
        result = 1;
        break;
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
    return result;
}

// Ctrl-C at the prompt drops the line (and any unfinished statement). libedit only moves to a
// new line for its own newline command, so the rest of the line is written again (which
// leaves the cursor at its end) before "^C" and the newline.
unsigned char cancel_line(EditLine* el, int) {
    terminal_of(el)->cancelled = true;
    const LineInfo* li = el_line(el);
    std::string rest(li->cursor, li->lastchar);
    std::fputs((rest + "^C\n").c_str(), stdout);
    std::fflush(stdout);
    return CC_NEWLINE;
}

bool is_word_byte(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || u >= 0x80;
}

// Tab: completes the word before the cursor from Repl::completions; several candidates
// insert their common prefix, or are listed when there is none to add.
unsigned char complete(EditLine* el, int) {
    Terminal* t = terminal_of(el);
    const LineInfo* li = el_line(el);
    const char* start = li->cursor;
    while (start > li->buffer && is_word_byte(start[-1])) --start;
    if (start > li->buffer && start[-1] == ':') --start;
    std::string word(start, li->cursor);
    std::vector<std::string> found = t->session->completions(word);
    if (found.empty()) return CC_REFRESH_BEEP;
    std::string common = found[0];
    for (const std::string& f : found) {
        std::size_t i = 0;
        while (i < common.size() && i < f.size() && common[i] == f[i]) ++i;
        common.resize(i);
    }
    if (common.size() > word.size()) {
        std::string add = common.substr(word.size());
        if (found.size() == 1 && word[0] == ':') add += ' ';
        el_insertstr(el, add.c_str());
        return CC_REFRESH;
    }
    if (found.size() == 1) return CC_REFRESH;
    std::string list = "\n";
    std::size_t column = 0;
    for (const std::string& f : found) {
        if (column + f.size() + 2 > 78 && column > 0) {
            list += "\n";
            column = 0;
        }
        list += f + "  ";
        column += f.size() + 2;
    }
    list += "\n";
    std::fputs(list.c_str(), stdout);
    std::fflush(stdout);
    return CC_REDISPLAY;
}

std::string history_path() {
    const char* home = std::getenv("HOME");
    if (!home || !*home) return {};
    return std::string(home) + "/.symdiff_history";
}

// The file keeps about this many entries: each session loads the last kHistoryEntries, and a
// file grown past twice that is cut back when a session starts.
constexpr int kHistoryEntries = 1000;

// Adds one entry at the end of the history file. Each session appends the lines typed in it,
// so two REPLs at once both keep theirs (rewriting the whole file, as H_SAVE does, kept only
// the last writer's). H_SAVE_FP writes libedit's header only into an empty file; a history of
// its own holds just this entry, since H_NSAVE_FP of this libedit writes one entry more than
// asked.
void append_history(const std::string& path, const char* entry) {
    History* one = history_init();
    HistEvent ev;
    history(one, &ev, H_SETSIZE, 1);
    history(one, &ev, H_ENTER, entry);
    if (std::FILE* f = std::fopen(path.c_str(), "a")) {
        history(one, &ev, H_SAVE_FP, f);
        std::fclose(f); // failing to save is not an error
    }
    history_end(one);
}

// A history file that appending has grown well past what a session loads is rewritten with its
// last kHistoryEntries (in `hist`), beside it and renamed over it, so it never breaks halfway.
void trim_history(const std::string& path, History* hist) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return;
    std::size_t lines = 0;
    char buf[1 << 16];
    std::size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) lines += static_cast<std::size_t>(std::count(buf, buf + got, '\n'));
    std::fclose(f);
    if (lines <= 2 * static_cast<std::size_t>(kHistoryEntries)) return;
    HistEvent ev;
    const std::string temp = path + ".tmp" + std::to_string(::getpid());
    if (history(hist, &ev, H_SAVE, temp.c_str()) >= 0 && std::rename(temp.c_str(), path.c_str()) == 0) return;
    std::remove(temp.c_str());
}

// libedit decodes input with the C library's multibyte functions: without a UTF-8 locale,
// θ or ² could not be typed.
void use_utf8_locale() {
    if (std::setlocale(LC_CTYPE, "") && std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return;
    std::setlocale(LC_CTYPE, "C.UTF-8");
}

void run_terminal() {
    use_utf8_locale();
    const bool color = use_color(STDOUT_FILENO);
    // Progress of a long minimise goes to standard error, when it is a terminal, on a line
    // that is then cleared.
    std::function<void(std::string_view)> progress;
    if (::isatty(STDERR_FILENO))
        progress = [](std::string_view status) {
            std::fputs(("\r\x1b[K" + std::string(status)).c_str(), stderr);
            std::fflush(stderr);
        };
    ReplOptions options{color, [] { return g_interrupted != 0; }, progress, &g_interrupted};
    // A text plot as wide as the terminal and a little less high, so the prompt stays in view.
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 && ws.ws_row >= 12) {
        options.plot_columns = ws.ws_col;
        options.plot_rows = std::min<int>(ws.ws_row - 2, 40);
    }
    Repl session(std::move(options));
    Terminal term{&session, false, false, color};

    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: an interrupted read must return
    struct sigaction old_int {}, old_winch {};
    sigaction(SIGINT, &sa, &old_int);
    sa.sa_handler = on_sigwinch;
    sigaction(SIGWINCH, &sa, &old_winch);

    EditLine* el = el_init("symdiff", stdin, stdout, stderr);
    History* hist = history_init();
    HistEvent ev;
    history(hist, &ev, H_SETSIZE, kHistoryEntries);
    history(hist, &ev, H_SETUNIQUE, 1);
    const std::string path = history_path();
    if (!path.empty()) {
        history(hist, &ev, H_LOAD, path.c_str()); // a missing file is a first session
        trim_history(path, hist);
    }

    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_CLIENTDATA, &term);
    el_set(el, EL_PROMPT_ESC, prompt, '\1');
    el_set(el, EL_HIST, history, hist);
    el_set(el, EL_GETCFN, read_char);
    // The wide el_wset keeps these static names as they are; the narrow el_set copies them
    // and never frees the copies (a leak that libedit's source acknowledges).
    el_wset(el, EL_ADDFN, L"symdiff-complete", L"Complete a command, function or defined name", complete);
    el_set(el, EL_BIND, "^I", "symdiff-complete", nullptr);
    el_wset(el, EL_ADDFN, L"symdiff-cancel", L"Cancel the line being typed", cancel_line);
    el_set(el, EL_BIND, "^C", "symdiff-cancel", nullptr);
    el_source(el, nullptr); // the user's ~/.editrc, as every libedit program reads it

    std::printf("symdiff %s: type :help for examples, Ctrl-D to leave\n", SYMDIFF_VERSION);
    std::fflush(stdout);
    std::string pending;
    for (;;) {
        term.continuation = !pending.empty();
        term.cancelled = false;
        int count = 0;
        const char* got = el_gets(el, &count);
        if (term.cancelled) {
            pending.clear();
            continue;
        }
        if (!got || count <= 0) {
            std::fputs("\n", stdout);
            break;
        }
        std::string line(got);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        if (pending.empty() && blank(line)) continue;
        if (!pending.empty() && blank(line)) {
            // A blank line submits an unfinished statement, so its error is shown.
        } else {
            pending += pending.empty() ? line : "\n" + line;
            if (Repl::incomplete(pending)) continue;
        }
        std::string entry = pending;
        for (char& c : entry)
            if (c == '\n') c = ' ';
        // H_SETUNIQUE leaves out a repeat of the last entry: the file does too.
        const bool repeat = history(hist, &ev, H_FIRST) == 0 && ev.str != nullptr && entry == ev.str;
        history(hist, &ev, H_ENTER, entry.c_str());
        if (!path.empty() && !repeat) append_history(path, entry.c_str());

        g_interrupted = 0;
        ReplReply r = session.run(pending);
        pending.clear();
        if (g_interrupted) {
            // The terminal echoed ^C where the cursor was; the reply starts on a line of its own.
            // A Ctrl-C that came after the command finished cancels nothing.
            g_interrupted = 0;
            std::fputs("\n", stdout);
        }
        show(r);
        if (r.quit) break;
    }
    el_end(el);
    history_end(hist);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGWINCH, &old_winch, nullptr);
}

} // namespace

void run_repl() { run_terminal(); }

void register_repl(CLI::App& app) {
    auto echo = std::make_shared<bool>(false);
    auto* cmd = add_command(app, "repl",
                            "Interactive session: define functions, differentiate, check, minimise (:help inside); "
                            "reads a script when standard input is not a terminal");
    cmd->add_flag("--echo", *echo, "With a script: print each statement after a prompt, as a transcript");
    cmd->callback([echo] {
        if (::isatty(STDIN_FILENO)) run_terminal();
        else run_script(*echo);
    });
}

} // namespace symdiff::cli
