// render(): a Figure as a gnuplot script and data files in a work directory, drawn by gnuplot
// run as a child process with its output and errors read through pipes, and killed when it
// takes too long.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "symdiff/diagnostic.hpp"
#include "symdiff/plot.hpp"

extern char** environ;

namespace symdiff::plot {
namespace {

namespace fs = std::filesystem;

// The colours of the series, in order (colour 1.. of Series::colour).
constexpr const char* kColours[] = {"#1f62b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
// Viridis (gnuplot 5.4 has no named palettes): dark blue to yellow through green.
constexpr const char* kViridis = "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')";
constexpr std::size_t kColourCount = sizeof(kColours) / sizeof(kColours[0]);

// A gnuplot string literal: single quotes, in which only a doubled quote is special.
std::string gp_string(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "''";
        else if (c == '\n') out += ' ';
        else out += c;
    }
    return out + "'";
}

std::string num(double v) {
    if (std::isnan(v) || std::isinf(v)) return "NaN";
    return fmt::format("{:.10g}", v);
}

std::string data_name(std::size_t panel, std::size_t series) { return fmt::format("data_{}_{}.dat", panel + 1, series + 1); }
std::string table_name(std::size_t panel, std::size_t series) {
    return fmt::format("contour_{}_{}.dat", panel + 1, series + 1);
}

std::string colour_of(const Series& s, std::size_t& next) {
    const std::size_t i = s.colour > 0 ? static_cast<std::size_t>(s.colour - 1) : next++;
    return fmt::format("lc rgb '{}'", kColours[i % kColourCount]);
}

std::string title_of(const std::string& t) { return t.empty() ? "notitle" : "title " + gp_string(t); }

void write_data(const Series& s, const fs::path& file) {
    std::string text;
    switch (s.kind) {
    case Kind::Curve:
    case Kind::Points:
    case Kind::Tangent:
    case Kind::Path:
        for (std::size_t i = 0; i < s.x.size(); ++i) text += num(s.x[i]) + ' ' + num(s.y[i]) + '\n';
        break;
    case Kind::Arrows:
        for (std::size_t i = 0; i < s.x.size(); ++i)
            text += num(s.x[i]) + ' ' + num(s.y[i]) + ' ' + num(s.u[i]) + ' ' + num(s.v[i]) + ' ' +
                    num(s.c.empty() ? 0.0 : s.c[i]) + '\n';
        break;
    case Kind::Contour:
    case Kind::Surface:
        // Scan lines of constant y separated by blank lines: gnuplot's grid layout.
        for (std::size_t j = 0; j < s.ny; ++j) {
            const double y = s.ny > 1 ? s.y0 + (s.y1 - s.y0) * double(j) / double(s.ny - 1) : s.y0;
            for (std::size_t i = 0; i < s.nx; ++i) {
                const double x = s.nx > 1 ? s.x0 + (s.x1 - s.x0) * double(i) / double(s.nx - 1) : s.x0;
                text += num(x) + ' ' + num(y) + ' ' + num(s.z[j * s.nx + i]) + '\n';
            }
            text += '\n';
        }
        break;
    }
    std::ofstream out(file, std::ios::binary);
    out << text;
    if (!out.flush()) throw Error(fmt::format("cannot write the plot data '{}'", file.string()));
}

// Whether a panel's colour palette is taken by arrows coloured by |∇f| (the contour lines are
// then grey) or by the contours.
bool arrows_use_palette(const Panel& p) {
    for (const Series& s : p.series)
        if (s.kind == Kind::Arrows && !s.c.empty()) return true;
    return false;
}

std::string panel_script(const Panel& p, std::size_t pi) {
    std::string g;
    auto line = [&](const std::string& s) { g += s + '\n'; };
    line("# panel " + std::to_string(pi + 1));
    line("unset logscale; unset colorbox; unset contour; set surface; unset pm3d; set size noratio; set view 60,30");
    // Below the panel, gnuplot 5.4 starts the key on the x axis's label: an empty key title
    // takes that line, and the key goes unboxed (a frame would cross the label). `inside` is needed after a panel with its
    // key below: gnuplot keeps that placement otherwise.
    if (p.key_below)
        line("set autoscale; set key below nobox noenhanced spacing 1.1 title ' '");
    else
        line("set autoscale; set key inside top left opaque box noenhanced spacing 1");
    line("set format x '%g'; set format y '%g'");
    line("set title " + gp_string(p.title));
    line("set xlabel " + gp_string(p.xlabel));
    line("set ylabel " + gp_string(p.ylabel));
    line(p.grid ? "set grid" : "unset grid");
    if (p.xrange) line(fmt::format("set xrange [{}:{}]", num(p.xrange->first), num(p.xrange->second)));
    else line("set xrange [*:*]");
    if (p.yrange) line(fmt::format("set yrange [{}:{}]", num(p.yrange->first), num(p.yrange->second)));
    else line("set yrange [*:*]");
    if (p.logy) line("set logscale y");
    if (p.equal_axes) line("set size ratio -1");
    if (p.zero_axes) line("set xzeroaxis lt -1 lw 0.5; set yzeroaxis lt -1 lw 0.5");
    else line("unset xzeroaxis; unset yzeroaxis");

    const bool surface = std::any_of(p.series.begin(), p.series.end(), [](const Series& s) { return s.kind == Kind::Surface; });
    if (surface) {
        const Series& s = *std::find_if(p.series.begin(), p.series.end(), [](const Series& x) { return x.kind == Kind::Surface; });
        const std::size_t si = static_cast<std::size_t>(&s - p.series.data());
        line("set view 60,30; set pm3d; " + std::string(kViridis) + "; set hidden3d");
        line("set zlabel " + gp_string(p.zlabel) + " rotate parallel");
        if (!p.colourbar.empty()) line("set colorbox; set cblabel " + gp_string(p.colourbar));
        line(fmt::format("splot {} using 1:2:{} with pm3d {}", gp_string(data_name(pi, si)),
                         s.log_colour ? "(log10($3))" : "3", title_of(s.title)));
        line("unset hidden3d; unset pm3d");
        return g;
    }

    // Contour lines come from gnuplot's own contouring, tabulated first, then drawn in 2-D
    // with everything else on top of them.
    const bool grey_lines = arrows_use_palette(p);
    bool palette = false;
    for (std::size_t si = 0; si < p.series.size(); ++si) {
        const Series& s = p.series[si];
        if (s.kind != Kind::Contour || s.levels.empty()) continue;
        std::string levels;
        for (double l : s.levels) levels += (levels.empty() ? "" : ",") + num(l);
        line("set contour base; unset surface; set view map; set cntrparam levels discrete " + levels);
        line("set table " + gp_string(table_name(pi, si)));
        line(fmt::format("splot {} using 1:2:3 with lines notitle", gp_string(data_name(pi, si))));
        line("unset table; unset contour; set surface; set view 60,30");
    }
    if (p.xrange) line(fmt::format("set xrange [{}:{}]", num(p.xrange->first), num(p.xrange->second)));
    if (p.yrange) line(fmt::format("set yrange [{}:{}]", num(p.yrange->first), num(p.yrange->second)));
    std::string plots;
    auto add = [&](const std::string& s) { plots += (plots.empty() ? "plot " : ", \\\n     ") + s; };
    std::size_t next = 0;
    for (std::size_t si = 0; si < p.series.size(); ++si) {
        const Series& s = p.series[si];
        const std::string file = gp_string(data_name(pi, si));
        switch (s.kind) {
        case Kind::Curve:
            add(fmt::format("{} using 1:2 with lines lw 2 {} {}", file, colour_of(s, next), title_of(s.title)));
            break;
        case Kind::Points:
            add(fmt::format("{} using 1:2 with points pt 7 ps 0.6 {} {}", file, colour_of(s, next), title_of(s.title)));
            break;
        case Kind::Tangent: {
            const std::string c = colour_of(s, next);
            add(fmt::format("{} using 1:2 with lines dt 2 lw 1.5 {} {}", file, c, title_of(s.title)));
            add(fmt::format("{} every ::1::1 using 1:2 with points pt 7 ps 1.2 {} notitle", file, c));
            break;
        }
        case Kind::Contour: {
            const std::string value = s.log_colour ? "(log10($3))" : "3";
            if (s.filled) {
                add(fmt::format("{} using 1:2:{} with image notitle", file, value));
                palette = true;
            }
            if (s.levels.empty()) break;
            const std::string table = gp_string(table_name(pi, si));
            if (s.filled || grey_lines)
                add(fmt::format("{} using 1:2 with lines lw 0.8 lc rgb '{}' {}", table, s.filled ? "#303030" : "#999999",
                                title_of(s.title)));
            else {
                add(fmt::format("{} using 1:2:{} with lines lw 1.2 lc palette {}", table, value, title_of(s.title)));
                palette = true;
            }
            break;
        }
        case Kind::Arrows:
            if (s.c.empty())
                add(fmt::format("{} using 1:2:3:4 with vectors head filled size screen 0.008,20 lw 1.2 {} {}", file,
                                colour_of(s, next), title_of(s.title)));
            else {
                add(fmt::format("{} using 1:2:3:4:5 with vectors head filled size screen 0.008,20 lw 1.4 lc palette {}",
                                file, title_of(s.title)));
                palette = true;
            }
            break;
        case Kind::Path: {
            const std::string c = colour_of(s, next);
            add(fmt::format("{} using 1:2 with lines lw 1.5 {} {}", file, c, title_of(s.title)));
            add(fmt::format("{} every ::0::0 using 1:2 with points pt 7 ps 1.6 {} {}", file, c, title_of(s.start_title)));
            add(fmt::format("{} using 1:2 every ::{}::{} with points pt 9 ps 1.8 {} {}", file, s.x.size() - 1,
                            s.x.size() - 1, c, title_of(s.end_title)));
            break;
        }
        case Kind::Surface:
            break;
        }
    }
    if (palette || grey_lines) {
        line(grey_lines ? "set palette defined (0 '#fcbba1', 1 '#fb6a4a', 2 '#a50f15')" : kViridis);
        if (!p.colourbar.empty()) line("set colorbox; set cblabel " + gp_string(p.colourbar));
    }
    if (plots.empty()) line("set key off; plot [0:1][0:1] NaN notitle");
    else line(plots);
    return g;
}

std::string terminal_line(const Figure& f, const RenderOptions& o, int w, int h) {
    switch (o.output) {
    case Output::Svg: return fmt::format("set terminal svg size {},{} noenhanced font 'Arial,12' background '#ffffff'", w, h);
    case Output::Png: return fmt::format("set terminal pngcairo size {},{} noenhanced font 'Sans,10' background '#ffffff'", w, h);
    case Output::Pdf:
        return fmt::format("set terminal pdfcairo size {:.2f}in,{:.2f}in noenhanced font 'Sans,8'", w / 96.0, h / 96.0);
    case Output::Text: return fmt::format("set terminal dumb size {},{}", o.text_columns, o.text_rows);
    case Output::Sixel: return fmt::format("set terminal sixelgd size {},{} noenhanced truecolor", w, h);
    }
    (void)f;
    return {};
}

std::pair<std::size_t, std::size_t> layout(const Figure& f) {
    const std::size_t n = std::max<std::size_t>(1, f.panels.size());
    std::size_t cols = f.columns;
    if (cols == 0) cols = n <= 3 ? n : static_cast<std::size_t>(std::ceil(std::sqrt(double(n))));
    cols = std::min(cols, n);
    return {(n + cols - 1) / cols, cols};
}

// A temporary work directory, removed with everything in it.
class WorkDir {
public:
    explicit WorkDir(const std::string& keep) {
        if (!keep.empty()) {
            std::error_code ec;
            fs::create_directories(keep, ec);
            if (!fs::is_directory(keep))
                throw Error(fmt::format("--plot-data: cannot make the directory '{}'{}", keep,
                                        ec ? ": " + ec.message() : std::string()));
            path_ = fs::absolute(keep);
            return;
        }
        const char* tmp = std::getenv("TMPDIR");
        std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/symdiff-plot-XXXXXX";
        if (!::mkdtemp(templ.data())) throw Error(fmt::format("cannot make a temporary directory: {}", std::strerror(errno)));
        path_ = templ;
        remove_ = true;
    }
    ~WorkDir() {
        std::error_code ec;
        if (remove_) fs::remove_all(path_, ec);
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
    bool remove_ = false;
};

bool executable(const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

std::string on_path(const std::string& name) {
    if (name.find('/') != std::string::npos) return executable(name) ? name : std::string();
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t b = 0;
    for (;;) {
        const std::size_t e = dirs.find(':', b);
        std::string dir = dirs.substr(b, e == std::string::npos ? std::string::npos : e - b);
        if (dir.empty()) dir = ".";
        if (executable(fs::path(dir) / name)) return (fs::path(dir) / name).string();
        if (e == std::string::npos) return {};
        b = e + 1;
    }
}

struct ChildResult {
    int status = 0;
    std::string out, err;
};

// Runs argv in `dir` with standard input from /dev/null, collecting standard output and error;
// kills it after `timeout` seconds.
ChildResult run_child(const std::vector<std::string>& args, const fs::path& dir, double timeout) {
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw Error(fmt::format("cannot run gnuplot: {}", std::strerror(errno)));
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw Error(fmt::format("cannot run gnuplot: {}", std::strerror(errno)));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
    // The child starts with default signal handling whatever the parent ignores or blocks.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        throw Error(fmt::format("cannot run gnuplot ('{}'): {}", args[0], std::strerror(rc)));
    }
    ChildResult r;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open = 2;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    bool timed_out = false;
    char buf[65536];
    while (open > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) break;
        for (int k = 0; k < 2; ++k) {
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
            if (got > 0) {
                (k == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                ::close(fds[k].fd);
                fds[k].fd = -1;
                --open;
            }
        }
    }
    for (pollfd& p : fds)
        if (p.fd >= 0) ::close(p.fd);
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) throw Error(fmt::format("gnuplot did not finish within {} s and was stopped", num(timeout)));
    r.status = status;
    return r;
}

std::string extension(Output o) {
    switch (o) {
    case Output::Svg: return "svg";
    case Output::Png: return "png";
    case Output::Pdf: return "pdf";
    case Output::Text: return "txt";
    case Output::Sixel: return "six";
    }
    return "out";
}

} // namespace

std::optional<Output> output_for_path(std::string_view path) {
    const auto dot = path.rfind('.');
    const auto slash = path.rfind('/');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return std::nullopt;
    std::string ext(path.substr(dot + 1));
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == "svg") return Output::Svg;
    if (ext == "png") return Output::Png;
    if (ext == "pdf") return Output::Pdf;
    return std::nullopt;
}

std::string gnuplot_program() {
    if (const char* env = std::getenv("SYMDIFF_GNUPLOT"); env && *env) {
        const std::string found = on_path(env);
        if (found.empty())
            throw Error(fmt::format("cannot draw: SYMDIFF_GNUPLOT is '{}', which is not an executable program (install "
                                    "gnuplot, Debian's package gnuplot-nox, or unset SYMDIFF_GNUPLOT)",
                                    env));
        return found;
    }
    const std::string found = on_path("gnuplot");
    if (found.empty())
        throw Error("cannot draw: gnuplot is not on PATH (symdiff draws its pictures with gnuplot: install Debian's "
                    "package gnuplot-nox, or set SYMDIFF_GNUPLOT to the program)");
    return found;
}

std::string gnuplot_script(const Figure& f, const RenderOptions& o) {
    const auto [rows, cols] = layout(f);
    int w = f.width, h = f.height;
    if (w == 0) w = static_cast<int>(cols == 1 ? 800 : 480 * cols);
    if (h == 0) h = static_cast<int>(rows == 1 ? (cols == 1 ? 600 : 420) : 360 * rows);
    std::string g = "# Written by symdiff: a gnuplot script over the data files beside it.\n";
    g += "# Run it again with: gnuplot plot.gp\n";
    g += "set encoding utf8\n";
    g += terminal_line(f, o, w, h) + "\n";
    if (o.output != Output::Text && o.output != Output::Sixel) g += "set output " + gp_string("picture." + extension(o.output)) + "\n";
    g += "set style fill transparent solid 0.9\n";
    const bool multi = f.panels.size() > 1;
    if (multi || !f.title.empty())
        g += fmt::format("set multiplot layout {},{}{}\n", rows, cols, f.title.empty() ? "" : " title " + gp_string(f.title));
    for (std::size_t pi = 0; pi < f.panels.size(); ++pi) g += panel_script(f.panels[pi], pi);
    if (multi || !f.title.empty()) g += "unset multiplot\n";
    if (o.output != Output::Text && o.output != Output::Sixel) g += "set output\n";
    return g;
}

std::string render(const Figure& f, const RenderOptions& o) {
    const std::string program = gnuplot_program();
    if (f.panels.empty()) throw Error("nothing to draw");
    WorkDir dir(o.data_dir);
    for (std::size_t pi = 0; pi < f.panels.size(); ++pi)
        for (std::size_t si = 0; si < f.panels[pi].series.size(); ++si)
            write_data(f.panels[pi].series[si], dir.path() / data_name(pi, si));
    {
        std::ofstream script(dir.path() / "plot.gp", std::ios::binary);
        script << gnuplot_script(f, o);
        if (!script.flush()) throw Error(fmt::format("cannot write the gnuplot script in '{}'", dir.path().string()));
    }
    const fs::path picture = dir.path() / ("picture." + extension(o.output));
    std::error_code ec;
    fs::remove(picture, ec);
    const ChildResult r = run_child({program, "plot.gp"}, dir.path(), o.timeout_seconds);
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
        std::string why = r.err;
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        if (why.size() > 2000) why = why.substr(0, 2000) + " ...";
        const std::string how = WIFSIGNALED(r.status) ? fmt::format("was killed by signal {}", WTERMSIG(r.status))
                                                      : fmt::format("failed (exit status {})", WEXITSTATUS(r.status));
        throw Error(fmt::format("gnuplot {}{}", how, why.empty() ? std::string() : ":\n" + why));
    }
    if (o.output == Output::Text || o.output == Output::Sixel) return r.out;
    if (!fs::exists(picture) || fs::file_size(picture, ec) == 0)
        throw Error("gnuplot wrote no picture" + (r.err.empty() ? std::string() : ": " + r.err));
    fs::copy_file(picture, o.path, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(fmt::format("cannot write the picture '{}': {}", o.path, ec.message()));
    if (o.data_dir.empty()) return {};
    return {};
}

} // namespace symdiff::plot
