// The CSV reader: any bytes either read as a data set whose columns all have one length per
// row, or are refused with symdiff::Error; never a crash, a hang or another exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "symdiff/data.hpp"
#include "symdiff/diagnostic.hpp"

using namespace symdiff;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (char delimiter : {',', ';'}) {
        CsvOptions options;
        options.delimiter = delimiter;
        options.max_line_bytes = 512;
        try {
            const DataSet d = parse_csv(text, "<fuzz>", options);
            if (d.names.size() != d.columns.size()) fuzz::fail("names and columns differ in number", std::string(text));
            for (const auto& column : d.columns)
                if (column.size() != d.rows()) fuzz::fail("columns of different lengths", std::string(text));
        } catch (const Error&) {
        }
    }
    return 0;
}
