// Pictures: the library's helpers (levels, path thinning, the path recorder, ranges) and the
// pictures the program draws, read back from gnuplot's SVG: the curves and their legend
// entries, the axes' ranges from the tick labels, the arrows, and a descent path's start and
// end against the minimiser's own report. PNG and PDF are decoded far enough to see that
// they are pictures and not blank. Without gnuplot the drawing tests say so and pass; the
// error for a missing gnuplot is tested either way.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "program_run.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/plot.hpp"

namespace fs = std::filesystem;
using namespace symdiff;

namespace {

// --- reading gnuplot's SVG

struct Svg {
    std::string text;
    // The plot elements (gnuplot_plot_N groups) in order, each up to the next group. An opaque
    // legend makes gnuplot draw a panel's groups again after the plot (for their legend
    // entries): a group whose number and title the panel already has is such a repeat. The
    // numbers start again at 1 in each panel of a multiplot.
    struct Group {
        std::string title, body;
    };
    std::vector<Group> groups;
    // Tick marks: pixel position and the value of the label.
    std::vector<std::pair<double, double>> xticks, yticks;

    explicit Svg(std::string s) : text(std::move(s)) {
        static const std::regex start(R"re(<g id="gnuplot_plot_(\d+)[a-z]*" ><title>([^<]*)</title>)re");
        std::map<std::string, std::string> panel;
        std::vector<std::pair<std::size_t, std::pair<std::string, std::string>>> at;
        for (std::sregex_iterator it(text.begin(), text.end(), start), end; it != end; ++it)
            at.push_back({static_cast<std::size_t>(it->position()), {(*it)[1].str(), (*it)[2].str()}});
        for (std::size_t i = 0; i < at.size(); ++i) {
            const std::size_t b = at[i].first, e = i + 1 < at.size() ? at[i + 1].first : text.size();
            const auto& [id, title] = at[i].second;
            if (id == "1" && panel.count("1") && panel["1"] != title) panel.clear();
            if (panel.count(id) && panel[id] == title) continue;
            panel[id] = title;
            groups.push_back({at[i].second.second, text.substr(b, e - b)});
        }
        // A tick is a short black path followed by its label.
        static const std::regex tick(
            R"re(<path stroke='black'  d='M([-0-9.]+),([-0-9.]+) L([-0-9.]+),([-0-9.]+)[^']*'/>\s*<g transform="translate\([^)]*\)"[^>]*text-anchor="([a-z]+)">\s*<text>([^<]*)</text>)re");
        for (std::sregex_iterator it(text.begin(), text.end(), tick), end; it != end; ++it) {
            const double x1 = std::stod((*it)[1]), y1 = std::stod((*it)[2]), x2 = std::stod((*it)[3]),
                         y2 = std::stod((*it)[4]);
            // x ticks are labelled centred below the axis, y ticks to the left (a colour
            // bar's ticks, to the right, are neither).
            const std::string anchor = (*it)[5];
            const double value = std::stod((*it)[6].str());
            if (x1 == x2 && anchor == "middle") xticks.push_back({x1, value});
            else if (y1 == y2 && anchor == "end") yticks.push_back({y1, value});
        }
    }
    std::vector<std::string> titles() const {
        std::vector<std::string> t;
        for (const Group& g : groups) t.push_back(g.title);
        return t;
    }
    // Pixel to value along an axis, from its first and last ticks.
    static double value(const std::vector<std::pair<double, double>>& ticks, double px) {
        const auto& a = ticks.front();
        const auto& b = ticks.back();
        return a.second + (px - a.first) * (b.second - a.second) / (b.first - a.first);
    }
    // The markers (points) a group draws, in data coordinates, that fall inside the axes
    // (the legend's sample is outside or is dropped by the caller).
    std::vector<std::pair<double, double>> markers(const Group& g) const {
        static const std::regex use(R"re(<use xlink:href='#gpPt\d+' transform='translate\(([-0-9.]+),([-0-9.]+)\))re");
        std::vector<std::pair<double, double>> out;
        const double xl = std::min(xticks.front().second, xticks.back().second);
        const double xh = std::max(xticks.front().second, xticks.back().second);
        const double yl = std::min(yticks.front().second, yticks.back().second);
        const double yh = std::max(yticks.front().second, yticks.back().second);
        for (std::sregex_iterator it(g.body.begin(), g.body.end(), use), end; it != end; ++it) {
            const double x = value(xticks, std::stod((*it)[1])), y = value(yticks, std::stod((*it)[2]));
            if (x >= xl && x <= xh && y >= yl && y <= yh) out.push_back({x, y});
        }
        return out;
    }
};

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// --- running the program

struct Scratch {
    fs::path dir = fs::temp_directory_path() / ("symdiff_plot_test_" + std::to_string(::getpid()));
    Scratch() {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

#ifdef SYMDIFF_CLI
symdiff::test::Outcome run(const Scratch& s, const std::string& args, const std::string& env = "") {
    const fs::path script = s.dir / "run.sh";
    {
        std::ofstream out(script);
        out << env << (env.empty() ? "" : " ") << "'" << SYMDIFF_CLI << "' " << args << "\n";
    }
    fs::create_directories(s.dir / "io");
    return symdiff::test::run_script(script, s.dir, fs::path(SYMDIFF_CLI).parent_path(), s.dir / "io");
}
#endif

bool have_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

// --- PNG: inflate the IDAT chunks and undo the filters, then count the colours

std::uint32_t be32(const unsigned char* p) { return (std::uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

std::size_t png_colours(const std::string& file) {
    const auto* d = reinterpret_cast<const unsigned char*>(file.data());
    REQUIRE(file.size() > 33);
    REQUIRE(file.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    const std::uint32_t w = be32(d + 16), h = be32(d + 20);
    const int depth = d[24], type = d[25];
    REQUIRE(depth == 8);
    const int channels = type == 6 ? 4 : type == 2 ? 3 : type == 0 ? 1 : type == 4 ? 2 : 0;
    REQUIRE(channels > 0);
    std::string idat;
    for (std::size_t at = 8; at + 8 <= file.size();) {
        const std::uint32_t len = be32(d + at);
        const std::string kind = file.substr(at + 4, 4);
        if (kind == "IDAT") idat += file.substr(at + 8, len);
        at += 12 + len;
    }
    const std::size_t stride = std::size_t(w) * channels;
    std::vector<unsigned char> raw((stride + 1) * h);
    uLongf size = raw.size();
    REQUIRE(uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) == Z_OK);
    REQUIRE(size == raw.size());
    std::vector<unsigned char> prev(stride, 0), cur(stride);
    std::set<std::uint32_t> colours;
    for (std::uint32_t y = 0; y < h; ++y) {
        const unsigned char* row = raw.data() + y * (stride + 1);
        const int filter = row[0];
        for (std::size_t i = 0; i < stride; ++i) {
            const int a = i >= std::size_t(channels) ? cur[i - channels] : 0, b = prev[i],
                      c = i >= std::size_t(channels) ? prev[i - channels] : 0;
            int v = row[1 + i];
            switch (filter) {
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: {
                const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
                v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                break;
            }
            default: break;
            }
            cur[i] = static_cast<unsigned char>(v);
        }
        for (std::size_t x = 0; x < w; ++x) {
            std::uint32_t c = 0;
            for (int k = 0; k < channels; ++k) c = (c << 8) | cur[x * channels + k];
            colours.insert(c);
        }
        prev.swap(cur);
    }
    return colours.size();
}

// --- PDF: the drawing operators of its (deflated) content streams

std::string pdf_drawing(const std::string& file) {
    std::string ops;
    for (std::size_t at = file.find("stream"); at != std::string::npos; at = file.find("stream", at + 6)) {
        if (at >= 3 && file.compare(at - 3, 3, "end") == 0) continue;
        std::size_t b = at + 6;
        if (file[b] == '\r') ++b;
        if (file[b] == '\n') ++b;
        const std::size_t e = file.find("endstream", b);
        if (e == std::string::npos) break;
        std::vector<unsigned char> out(1 << 22);
        uLongf size = out.size();
        if (uncompress(out.data(), &size, reinterpret_cast<const Bytef*>(file.data() + b), e - b) == Z_OK)
            ops.append(reinterpret_cast<const char*>(out.data()), size);
    }
    return ops;
}

} // namespace

// --- the library

TEST_CASE("plot: log-spaced levels and when the range of f is wide", "[plot]") {
    const std::vector<double> l = plot::levels(0.1, 1000, 5, true);
    REQUIRE(l.size() == 5);
    CHECK(l[0] == Approx(0.1));
    CHECK(l[1] == Approx(1));
    CHECK(l[2] == Approx(10));
    CHECK(l[4] == Approx(1000));
    const std::vector<double> even = plot::levels(0, 4, 5, false);
    CHECK(even == std::vector<double>{0, 1, 2, 3, 4});

    // Rosenbrock on the tutorial's window spans decades; a paraboloid does not; a saddle
    // takes negative values, which no log scale shows.
    std::vector<double> rosen, bowl, saddle;
    for (int j = 0; j < 50; ++j)
        for (int i = 0; i < 50; ++i) {
            const double x = -2 + 4.0 * i / 49, y = -1 + 4.0 * j / 49;
            rosen.push_back((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x));
            bowl.push_back(x * x + y * y);
            saddle.push_back(x * x - y * y);
        }
    CHECK(plot::wide_range(rosen));
    CHECK_FALSE(plot::wide_range(bowl));
    CHECK_FALSE(plot::wide_range(saddle));
}

TEST_CASE("plot: a long path is thinned to the count asked, keeping its ends and its corner", "[plot]") {
    // An L: 5000 points along x, then 5000 up y; the corner must survive.
    std::vector<double> x, y;
    for (int i = 0; i < 5000; ++i) x.push_back(i), y.push_back(0);
    for (int i = 1; i <= 5000; ++i) x.push_back(4999), y.push_back(i);
    const std::vector<std::size_t> kept = plot::thin_path(x, y, 300);
    CHECK(kept.size() <= 300);
    CHECK(kept.size() >= 3);
    CHECK(kept.front() == 0);
    CHECK(kept.back() == x.size() - 1);
    CHECK(std::find(kept.begin(), kept.end(), std::size_t{4999}) != kept.end());
    CHECK(std::is_sorted(kept.begin(), kept.end()));
    // A short path is kept whole.
    CHECK(plot::thin_path(std::vector<double>{0, 1, 2}, std::vector<double>{0, 1, 0}, 300).size() == 3);
}

TEST_CASE("plot: the path recorder keeps a bounded part of a long run, and its last step", "[plot]") {
    plot::PathRecorder rec("run", 100);
    for (std::size_t k = 0; k <= 100000; ++k) {
        const double x[] = {double(k)};
        rec.add(k, x, double(k) * 2);
    }
    const double last[] = {100000.5};
    const plot::RunPath p = rec.finish(100001, last, -1);
    CHECK(p.step.size() < 200);
    CHECK(p.step.size() >= 100);
    CHECK(p.step.front() == 0);
    CHECK(p.step.back() == 100001);
    CHECK(p.x.back()[0] == 100000.5);
    for (std::size_t i = 0; i + 1 < p.x.size(); ++i) {
        REQUIRE(p.x[i].size() == 1);
        CHECK(p.x[i][0] == p.step[i]); // every kept point is the one of its step
        CHECK(p.f[i] == 2 * p.step[i]);
    }
}

TEST_CASE("plot: ranges and number lists", "[plot]") {
    Context ctx;
    const auto r = plot::parse_ranges(ctx, "x=-3..3, t=0..2*pi");
    REQUIRE(r.size() == 2);
    CHECK(r[0].variable.name() == "x");
    CHECK(r[0].lo == -3);
    CHECK(r[1].hi == Approx(2 * M_PI));
    CHECK_THROWS_WITH(plot::parse_ranges(ctx, "x=3..-3"),
                      "--range x: the range 3..-3 is empty (the low end must be below the high end)");
    CHECK_THROWS_WITH(plot::parse_ranges(ctx, "x=1"), "--range expects name=LOW..HIGH (e.g. x=-3..3), got 'x=1'");
    CHECK_THROWS_WITH(plot::parse_ranges(ctx, "x=0..1,x=2..3"), "--range gives 'x' twice");
    CHECK(plot::parse_numbers(ctx, "0,1,pi/2", "--tangent") == std::vector<double>{0, 1, M_PI / 2});
    CHECK_THROWS_WITH(plot::parse_numbers(ctx, "0,,1", "--tangent"),
                      "--tangent expects numbers separated by commas, got '0,,1'");
}

TEST_CASE("plot: output formats by extension", "[plot]") {
    CHECK(plot::output_for_path("a.svg") == plot::Output::Svg);
    CHECK(plot::output_for_path("dir.v1/A.PNG") == plot::Output::Png);
    CHECK(plot::output_for_path("a.pdf") == plot::Output::Pdf);
    CHECK_FALSE(plot::output_for_path("a.jpg"));
    CHECK_FALSE(plot::output_for_path("dir.svg/a"));
}

#ifdef SYMDIFF_CLI

TEST_CASE("plot: a missing gnuplot is a clear error, exit status 1", "[plot][cli]") {
    Scratch s;
    auto o = run(s, "plot 'x^2' -o a.svg", "SYMDIFF_GNUPLOT=/nonexistent/gnuplot");
    CHECK(o.status == 1);
    CHECK(o.out.empty());
    CHECK(o.err == "error: cannot draw: SYMDIFF_GNUPLOT is '/nonexistent/gnuplot', which is not an executable program "
                   "(install gnuplot, Debian's package gnuplot-nox, or unset SYMDIFF_GNUPLOT)\n");
    o = run(s, "plot 'x^2' -o a.svg", "PATH=/nonexistent");
    CHECK(o.status == 1);
    CHECK(o.err == "error: cannot draw: gnuplot is not on PATH (symdiff draws its pictures with gnuplot: install "
                   "Debian's package gnuplot-nox, or set SYMDIFF_GNUPLOT to the program)\n");
    CHECK_FALSE(fs::exists(s.dir / "a.svg"));
    // The same for minimize --plot, before the optimiser runs.
    o = run(s, "minimize 'x^2' --from x=1 --plot a.svg", "PATH=/nonexistent");
    CHECK(o.status == 1);
    CHECK(o.err.find("error: cannot draw: gnuplot is not on PATH") == 0);
}

TEST_CASE("plot: an extension that is no picture format is a usage error", "[plot][cli]") {
    Scratch s;
    const auto o = run(s, "plot 'x^2' -o a.jpg");
    CHECK(o.status == 2);
    CHECK(o.err == "error: -o 'a.jpg': the file's extension picks the picture's format: .svg, .png or .pdf\n");
    const auto m = run(s, "minimize 'x^2' --from x=1 --plot paths.txt");
    CHECK(m.status == 2);
    CHECK(m.out.empty());
    CHECK(m.err == "error: --plot 'paths.txt': the file's extension picks the picture's format: .svg, .png or .pdf\n");
}

TEST_CASE("plot: curves, derivative and tangent lines in SVG", "[plot][cli]") {
    if (!have_gnuplot()) {
        WARN("gnuplot is not installed: the drawing tests are skipped");
        return;
    }
    Scratch s;
    const auto o = run(s, "plot 'x^3 - 3x' --range x=-3..3 --tangent 0,1,2 --derivative -o t.svg");
    REQUIRE(o.status == 0);
    CHECK(o.out == "wrote t.svg\n");
    const Svg svg(symdiff::test::slurp(s.dir / "t.svg"));
    // f, f', then each tangent as its line and its point of contact.
    const std::vector<std::string> titles = svg.titles();
    REQUIRE(titles.size() == 8);
    CHECK(titles[0] == "x³ − 3·x");
    CHECK(titles[1] == "f′ = 3·x² − 3");
    CHECK(titles[2] == "tangent at x = 0: y = −3·x");
    CHECK(titles[4] == "tangent at x = 1: y = −2");
    CHECK(titles[6] == "tangent at x = 2: y = 9·x − 16");
    // The x axis is the range asked: ticks from -3 to 3 at the plot's edges.
    REQUIRE(svg.xticks.size() >= 2);
    CHECK(svg.xticks.front().second == -3);
    CHECK(svg.xticks.back().second == 3);
    // The point of contact of the tangent at 2 is (2, f(2)) = (2, 2).
    const auto contact = svg.markers(svg.groups[7]);
    REQUIRE(!contact.empty());
    CHECK(contact.front().first == Approx(2).margin(0.02));
    CHECK(contact.front().second == Approx(2).margin(0.2));
}

TEST_CASE("plot: several functions, a y range, and a grid of panels", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    auto o = run(s, "plot 'sin(x)' 'cos(x)' 'x/4' --range x=0..6,y=-2..2 -o f.svg");
    REQUIRE(o.status == 0);
    Svg one(symdiff::test::slurp(s.dir / "f.svg"));
    CHECK(one.titles() == std::vector<std::string>{"sin(x)", "cos(x)", "x/4"});
    REQUIRE(one.yticks.size() >= 2);
    CHECK(std::min(one.yticks.front().second, one.yticks.back().second) == -2);
    CHECK(std::max(one.yticks.front().second, one.yticks.back().second) == 2);

    o = run(s, "plot '1/(1+exp(-x))' 'max(0,x)' 'tanh(x)' --grid --derivative -o g.svg");
    REQUIRE(o.status == 0);
    const std::string g = symdiff::test::slurp(s.dir / "g.svg");
    // Six panels: each function above its derivative.
    CHECK(count(g, "<text>1/(exp(−x) + 1)</text>") >= 1);
    CHECK(count(g, "<text>tanh(x): derivative</text>") == 1);
    CHECK(count(g, "<text>(tanh(x))′ = 1 − tanh(x)²</text>") == 1);
    CHECK(count(g, "<text>x</text>") == 6); // the x label of each panel
}

TEST_CASE("plot: gradient arrows and contours of a saddle", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    const auto o = run(s, "plot 'x^2 - y^2' --range x=-2..2,y=-2..2 --arrows 12 --contour lines --levels 9 -o a.svg");
    REQUIRE(o.status == 0);
    const Svg svg(symdiff::test::slurp(s.dir / "a.svg"));
    REQUIRE(svg.groups.size() == 2);
    CHECK(svg.groups[0].title == "9 levels of f");
    CHECK(svg.groups[1].title == "∇f (to scale)");
    // 144 arrows, each a filled head (the legend's sample is drawn in the group's repeat).
    CHECK(count(svg.groups[1].body, "<polygon fill = 'rgb(214,  39,  40)'") == 12 * 12);
    CHECK(svg.xticks.front().second == -2);
    CHECK(svg.xticks.back().second == 2);

    // Normalised arrows are coloured by |grad f|, with a colour bar.
    const auto n = run(s, "plot 'x^2 - y^2' --range x=-2..2,y=-2..2 --arrows 5 --normalize -o n.svg");
    REQUIRE(n.status == 0);
    const std::string t = symdiff::test::slurp(s.dir / "n.svg");
    CHECK(t.find("<text>|∇f|</text>") != std::string::npos);
    CHECK(t.find("<title>∇f (direction; colour: |∇f|)</title>") != std::string::npos);
}

TEST_CASE("plot: Rosenbrock's contours are on log-spaced levels", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    const auto o = run(s, "plot '(1-x)^2 + 100(y-x^2)^2' --range x=-2..2,y=-1..3 --levels 20 -o r.svg --plot-data d");
    REQUIRE(o.status == 0);
    const Svg svg(symdiff::test::slurp(s.dir / "r.svg"));
    REQUIRE(svg.groups.size() == 1);
    CHECK(svg.groups[0].title == "20 levels of f (log-spaced)");
    // --plot-data keeps the script and the data; the script names the levels.
    const std::string script = symdiff::test::slurp(s.dir / "d" / "plot.gp");
    CHECK(script.find("set cntrparam levels discrete 0.2509") != std::string::npos);
    CHECK(fs::file_size(s.dir / "d" / "data_1_1.dat") > 1000);
}

TEST_CASE("plot: legends below panels leave the x label clear; others stay inside", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    // Two panels with their legends below (paths, loss curves): gnuplot 5.4 starts such a key on
    // the x label's line, so the script gives that line to an empty key title, without a frame.
    auto o = run(s, "minimize 'x^2 + y^2' --from x=4,y=3 --lr 0.1 --steps 20 --plot m.svg --plot-data m");
    REQUIRE(o.status == 0);
    const std::string two = symdiff::test::slurp(s.dir / "m" / "plot.gp");
    const std::string below = "set key below nobox noenhanced spacing 1.1 title ' '";
    const auto first = two.find(below);
    REQUIRE(first != std::string::npos);
    CHECK(two.find(below, first + 1) != std::string::npos);
    CHECK(two.find("key below box") == std::string::npos);
    // A legend in the panel says `inside`: gnuplot would otherwise keep an earlier panel's below.
    o = run(s, "plot 'x^3 - 3x' --range x=-3..3 --derivative -o t.svg --plot-data t");
    REQUIRE(o.status == 0);
    CHECK(symdiff::test::slurp(s.dir / "t" / "plot.gp").find("set key inside top left") != std::string::npos);
}

TEST_CASE("plot: a surface view beside the contours, and a saved script that draws again", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    const auto o = run(s, "plot 'x^2 - y^2' --range x=-2..2,y=-2..2 --surface -o s.svg --plot-data keep");
    REQUIRE(o.status == 0);
    const std::string svg = symdiff::test::slurp(s.dir / "s.svg");
    CHECK(svg.find("<text>surface of f</text>") != std::string::npos);
    CHECK(count(svg, "<polygon") > 500); // the surface's facets
    // The kept script draws the same picture from the kept data alone.
    const std::string script = symdiff::test::slurp(s.dir / "keep" / "plot.gp");
    CHECK(script.find("with pm3d") != std::string::npos);
    fs::remove(s.dir / "keep" / "picture.svg");
    REQUIRE(std::system(("cd '" + (s.dir / "keep").string() + "' && gnuplot plot.gp 2>/dev/null").c_str()) == 0);
    CHECK(symdiff::test::slurp(s.dir / "keep" / "picture.svg") == svg);
}

TEST_CASE("plot: a descent path starts and ends where the minimiser says", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    const auto o = run(s, "minimize '(1-x)^2 + 100(y-x^2)^2' --from x=-1,y=1 --lr 0.001 --steps 10000 --plot p.svg");
    REQUIRE(o.status == 0);
    // end:      (x=0.9924817315398736, y=0.9849897660102691)
    std::smatch m;
    REQUIRE(std::regex_search(o.out, m, std::regex(R"(end: +\(x=([-0-9.e]+), y=([-0-9.e]+)\))")));
    const double ex = std::stod(m[1]), ey = std::stod(m[2]);
    const Svg svg(symdiff::test::slurp(s.dir / "p.svg"));
    // Contours, the path, its start and end marks; then the loss curve.
    const std::vector<std::string> titles = svg.titles();
    REQUIRE(titles.size() == 5);
    CHECK(titles[0] == "levels of f (log-spaced)");
    CHECK(titles[1] == "gd, lr = 0.001 (10000 steps)");
    CHECK(titles[2] == "start (−1, 1)");
    CHECK(titles[3] == "end (0.9925, 0.985)");
    CHECK(titles[4] == "gd, lr = 0.001");
    // The first panel is drawn before the second, and ends with its title; its marks are
    // read against its own ticks.
    const Svg first(svg.text.substr(0, svg.text.find("<text>descent on f")));
    const auto start = first.markers(svg.groups[2]);
    const auto end = first.markers(svg.groups[3]);
    REQUIRE(start.size() == 1);
    REQUIRE(end.size() == 1);
    CHECK(start[0].first == Approx(-1).margin(0.01));
    CHECK(start[0].second == Approx(1).margin(0.01));
    CHECK(end[0].first == Approx(ex).margin(0.01));
    CHECK(end[0].second == Approx(ey).margin(0.01));
    // --plot-range sets the window of the paths' panel (the tutorial's).
    const auto w = run(s, "minimize '(1-x)^2 + 100(y-x^2)^2' --from x=-1,y=1 --lr 0.001 --plot w.svg --plot-range "
                          "x=-2..2,y=-1..3");
    REQUIRE(w.status == 0);
    const std::string wt = symdiff::test::slurp(s.dir / "w.svg");
    const Svg window(wt.substr(0, wt.find("<text>descent on f")));
    REQUIRE(window.xticks.size() >= 2);
    CHECK(window.xticks.front().second == -2);
    CHECK(window.xticks.back().second == 2);
    CHECK(window.yticks.front().second == -1);
    CHECK(window.yticks.back().second == 3);
    // The path of 10,000 steps is thinned to at most 400 points.
    std::size_t points = 0;
    static const std::regex coord(R"([ML]\s*[-0-9.]+,[-0-9.]+)");
    const std::string& body = svg.groups[1].body;
    points = static_cast<std::size_t>(std::distance(std::sregex_iterator(body.begin(), body.end(), coord), std::sregex_iterator()));
    CHECK(points > 20);
    CHECK(points <= 402);
}

TEST_CASE("plot: several learning rates draw one path and one loss curve each", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    const auto o = run(s, "minimize '(1-x)^2 + 100(y-x^2)^2' --from x=-1,y=1 --lr 0.0005,0.001,0.002 --plot p.svg");
    REQUIRE(o.status == 0);
    const Svg svg(symdiff::test::slurp(s.dir / "p.svg"));
    std::vector<std::string> loss, paths;
    for (const auto& t : svg.titles()) {
        if (t.find("steps)") != std::string::npos) paths.push_back(t);
        else if (t.rfind("gd, lr = ", 0) == 0) loss.push_back(t);
    }
    CHECK(paths == std::vector<std::string>{"gd, lr = 0.0005 (10000 steps)", "gd, lr = 0.001 (10000 steps)",
                                            "gd, lr = 0.002 (10000 steps)"});
    CHECK(loss == std::vector<std::string>{"gd, lr = 0.0005", "gd, lr = 0.001", "gd, lr = 0.002"});
    // f spans decades: the loss axis is logarithmic.
    CHECK(svg.text.find("<text>f (log scale)</text>") != std::string::npos);
}

TEST_CASE("plot: several methods compared in one figure, one path and one loss curve each", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    const auto o = run(s, "minimize '(1-x)^2 + 100(y-x^2)^2' --from x=-1,y=1 --method gd,momentum,adam --lr 0.001 "
                          "--steps 3000 --plot p.svg --format json");
    REQUIRE(o.status == 0);
    const Svg svg(symdiff::test::slurp(s.dir / "p.svg"));
    std::vector<std::string> loss, paths;
    for (const auto& t : svg.titles()) {
        if (t.find("steps)") != std::string::npos) paths.push_back(t);
        else if (t.find(", lr = 0.001") != std::string::npos) loss.push_back(t);
    }
    CHECK(paths == std::vector<std::string>{"gd, lr = 0.001 (3000 steps)", "momentum, lr = 0.001 (3000 steps)",
                                            "adam, lr = 0.001 (3000 steps)"});
    CHECK(loss == std::vector<std::string>{"gd, lr = 0.001", "momentum, lr = 0.001", "adam, lr = 0.001"});
    // The runs of the JSON name their methods, in the figure's order.
    CHECK(o.out.find(R"("methods": ["gd", "momentum", "adam"])") != std::string::npos);
    const std::size_t gd = o.out.find(R"("method": "gd")"), momentum = o.out.find(R"("method": "momentum")"),
                      adam = o.out.find(R"("method": "adam")");
    CHECK((gd < momentum && momentum < adam && adam != std::string::npos));
    // Over a vector: the loss curves, one per method, named by it.
    const auto v = run(s, "minimize 'sum(i = 1..n-1, 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2)' --from 'x=[-1.2,1]*3' "
                          "--method gd,adam --lr 0.0005 --steps 500 --plot v.svg");
    REQUIRE(v.status == 0);
    std::vector<std::string> curves;
    for (const auto& t : Svg(symdiff::test::slurp(s.dir / "v.svg")).titles())
        if (t.find("lr = ") != std::string::npos) curves.push_back(t);
    CHECK(curves == std::vector<std::string>{"gd, lr = 0.0005", "adam, lr = 0.0005"});
}

TEST_CASE("plot: fit --plot draws the data with the fitted line, or a classifier's boundary", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    const std::string data = std::string(SYMDIFF_SOURCE_DIR) + "/examples/data/";
    auto o = run(s, "fit 'mean((m*x + b - y)^2)' --data " + data + "s002_linreg.csv --lr 0.05 --epochs 200 --plot l.svg");
    REQUIRE(o.status == 0);
    CHECK(o.out.find("fitted:   m=1.98138049990104") != std::string::npos); // the report is unchanged
    Svg lin(symdiff::test::slurp(s.dir / "l.svg"));
    CHECK(lin.titles() == std::vector<std::string>{"data (50 rows)", "fit: y = 1.981·x + 0.9925", "loss"});
    // The x axis spans the data (x from -2.8 to 2.8 in the file).
    const Svg first(lin.text.substr(0, lin.text.find("<text>fitted: ")));  // a panel ends with its title
    REQUIRE(first.xticks.size() >= 2);
    CHECK(first.xticks.front().second <= -2.8);
    CHECK(first.xticks.back().second >= 2.8);
    CHECK(first.xticks.back().second <= 4);

    // The cross-entropy of a logistic model: the model is read from the loss.
    o = run(s, "fit '-mean(y*ln(sigmoid(w1*x1 + w2*x2 + b)) + (1-y)*ln(1 - sigmoid(w1*x1 + w2*x2 + b)))' --data " + data +
                   "s003_logistic.csv --lr 0.1 --epochs 500 --plot c.svg");
    REQUIRE(o.status == 0);
    const Svg c(symdiff::test::slurp(s.dir / "c.svg"));
    REQUIRE(c.titles().size() == 4);
    CHECK(c.titles()[0].find(" = 0.5 (decision boundary)") != std::string::npos);
    CHECK(c.titles()[0].rfind("sigmoid(", 0) == 0);
    CHECK(c.titles()[1] == "y = 0 (50 rows)");
    CHECK(c.titles()[2] == "y = 1 (50 rows)");
    // 100 data points drawn, each a marker (plus the legend's two samples).
    CHECK(count(c.groups[1].body, "<use xlink:href='#gpPt6'") + count(c.groups[2].body, "<use xlink:href='#gpPt6'") == 102);

    // A loss whose model cannot be read needs --model.
    o = run(s, "fit 'mean(abs(m*x + b - y))' --data " + data + "s002_linreg.csv --epochs 1 --plot l.svg");
    CHECK(o.status == 1);
    CHECK(o.err == "error: --plot: the model cannot be read from this loss (a squared error or a cross-entropy over a "
                   "column); name it with --model, e.g. --model 'm*x + b'\n");
    o = run(s, "fit 'mean(abs(m*x + b - y))' --data " + data + "s002_linreg.csv --epochs 5 --plot l.svg --model 'm*x + b'");
    CHECK(o.status == 0);
    CHECK(Svg(symdiff::test::slurp(s.dir / "l.svg")).titles()[1].rfind("fit: y = ", 0) == 0);
}

TEST_CASE("plot: PNG and PDF are pictures, not blank", "[plot][cli]") {
    if (!have_gnuplot()) return;
    Scratch s;
    REQUIRE(run(s, "plot 'x^3 - 3x' --range x=-3..3 --derivative -o f.png").status == 0);
    const std::string png = symdiff::test::slurp(s.dir / "f.png");
    CHECK(png_colours(png) > 20); // white, black, the curves and their antialiased edges
    REQUIRE(run(s, "plot 'x^3 - 3x' --range x=-3..3 --derivative -o f.pdf").status == 0);
    const std::string pdf = symdiff::test::slurp(s.dir / "f.pdf");
    CHECK(pdf.rfind("%PDF-", 0) == 0);
    const std::string ops = pdf_drawing(pdf);
    CHECK(count(ops, " l\n") + count(ops, " l ") > 100); // line segments of the curves
}

#endif
