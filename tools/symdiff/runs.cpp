// The runs of `symdiff minimize` (runs.hpp).
#include "runs.hpp"

#include <fmt/format.h>


namespace symdiff::cli {

std::vector<RunSpec> run_specs(std::span<const Method> methods, std::span<const double> rates) {
    std::vector<RunSpec> specs;
    for (Method method : methods)
        for (double lr : rates) specs.push_back({method, lr});
    return specs;
}

symdiff::Options run_options(const symdiff::Options& base, RunSpec spec) {
    symdiff::Options o = base;
    o.method = spec.method;
    o.lr = spec.lr;
    o.stop = InterruptScope::flag();
    return o;
}

std::string trace_columns(bool many, bool several_methods) {
    if (!many) return "step";
    return several_methods ? "run,method,lr,step" : "run,lr,step";
}

std::string trace_prefix(std::size_t run, bool several_methods, RunSpec spec) {
    if (several_methods) return fmt::format("{},{},{},", run, method_name(spec.method), number_text(spec.lr));
    return fmt::format("{},{},", run, number_text(spec.lr));
}

std::string run_label(RunSpec spec, bool with_method) {
    const std::string lr = "lr = " + number_text(spec.lr);
    return with_method ? std::string(method_name(spec.method)) + ", " + lr : lr;
}

JsonObject& json_methods(JsonObject& json, std::span<const Method> methods) {
    if (methods.size() == 1) return json.string("method", method_name(methods[0]));
    std::string names;
    for (Method m : methods) names += (names.empty() ? "" : ", ") + json_string(method_name(m));
    return json.raw("methods", "[" + names + "]");
}

} // namespace symdiff::cli
