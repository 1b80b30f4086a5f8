// The options of the commands that draw (plot, and --plot of minimize and fit): the picture's
// file, whose extension picks the format, and --plot-data.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "symdiff/plot.hpp"

namespace symdiff::cli {

struct PictureOptions {
    std::string path;     ///< the picture's file; empty: none asked for
    std::string data_dir; ///< --plot-data DIR
    std::string option;   ///< how the file was given, for messages: "-o" or "--plot"
};

/// Adds the file option (`names`, e.g. "-o,--output" or "--plot") and --plot-data.
CLI::Option* add_picture_options(CLI::App* cmd, PictureOptions& o, const std::string& names, const std::string& help);

/// A UsageError for a file whose extension is not .svg, .png or .pdf, and for --plot-data
/// without a picture; called before anything is computed.
void check_picture_options(const PictureOptions& o);

/// Draws the figure into o.path with gnuplot (plot.hpp render()).
void draw_picture(const plot::Figure& figure, const PictureOptions& o);

} // namespace symdiff::cli
