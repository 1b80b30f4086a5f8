// The picture options shared by plot, minimize and fit (picture.hpp).
#include "picture.hpp"

#include <fmt/format.h>

#include "common.hpp"

namespace symdiff::cli {

CLI::Option* add_picture_options(CLI::App* cmd, PictureOptions& o, const std::string& names, const std::string& help) {
    o.option = names.substr(0, names.find(','));
    CLI::Option* file = cmd->add_option(names, o.path, help)->type_name("FILE.svg|png|pdf");
    cmd->add_option("--plot-data", o.data_dir,
                    "Also keep the gnuplot script (plot.gp) and the data files of the picture in DIR, to restyle it")
        ->type_name("DIR");
    return file;
}

void check_picture_options(const PictureOptions& o) {
    if (o.path.empty()) {
        if (!o.data_dir.empty()) throw UsageError(fmt::format("--plot-data needs a picture: give {} FILE.svg", o.option));
        return;
    }
    if (!plot::output_for_path(o.path))
        throw UsageError(fmt::format("{} '{}': the file's extension picks the picture's format: .svg, .png or .pdf",
                                     o.option, o.path));
}

void draw_picture(const plot::Figure& figure, const PictureOptions& o) {
    plot::RenderOptions r;
    r.output = *plot::output_for_path(o.path);
    r.path = o.path;
    r.data_dir = o.data_dir;
    Activity drawing("drawing the picture");
    plot::render(figure, r);
}

} // namespace symdiff::cli
