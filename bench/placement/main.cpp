// Times GCC's Rosenbrock f+∇f and symdiff's (run.sh links its emitted assembly in), and copies
// of symdiff's bytes at other addresses, through one calling loop in alternating blocks.
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" void hand_grad(const double* in, double* out);
extern "C" void symdiff_grad(const double* in, double* out);
extern "C" char kernel_begin[], kernel_end[];

using Kernel = void (*)(const double*, double*);

namespace {

template <class T>
void opaque(T& v) {
    asm volatile("" : "+m"(v) : : "memory");
}

double block_ns(Kernel fn) {
    constexpr int kCalls = 4096;
    double in[2] = {-1.2, 1.0}, out[3];
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) {
        opaque(in);
        asm volatile("" : "+r"(fn));
        fn(in, out);
        opaque(out);
    }
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / kCalls;
}

// The code and its constants copied, as one block, to fresh pages at `hint` (any address if 0).
Kernel copy_kernel(std::uintptr_t hint) {
    std::size_t size = static_cast<std::size_t>(kernel_end - kernel_begin);
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (hint ? MAP_FIXED_NOREPLACE : 0);
    void* m = mmap(reinterpret_cast<void*>(hint), size, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (m == MAP_FAILED) return nullptr;
    std::memcpy(m, kernel_begin, size);
    mprotect(m, size, PROT_READ | PROT_EXEC);
    return reinterpret_cast<Kernel>(static_cast<char*>(m) +
                                    (reinterpret_cast<char*>(&symdiff_grad) - kernel_begin));
}

} // namespace

int main() {
    struct Row {
        std::string what;
        Kernel fn;
        std::vector<double> ns;
    };
    std::vector<Row> rows = {{"hand-written (GCC)", hand_grad, {}}, {"symdiff, linked in", symdiff_grad, {}}};
    auto page = reinterpret_cast<std::uintptr_t>(kernel_begin) & ~std::uintptr_t{4095};
    for (std::uintptr_t delta : {std::uintptr_t{0}, std::uintptr_t{1} << 20, std::uintptr_t{1} << 28,
                                 std::uintptr_t{1} << 36}) {
        if (Kernel k = copy_kernel(delta ? page + delta : 0)) {
            char name[64];
            std::snprintf(name, sizeof name, "symdiff, copied to %p", reinterpret_cast<void*>(k));
            rows.push_back({name, k, {}});
        }
    }
    for (int round = 0; round < 2000; ++round)
        for (std::size_t i = 0; i < rows.size(); ++i) {
            Row& r = rows[(i + round) % rows.size()];
            r.ns.push_back(block_ns(r.fn));
        }
    double hand = 0;
    for (Row& r : rows) {
        std::nth_element(r.ns.begin(), r.ns.begin() + r.ns.size() / 2, r.ns.end());
        double median = r.ns[r.ns.size() / 2];
        if (hand == 0) hand = median;
        std::printf("%-44s %6.3f ns  %5.2fx\n", r.what.c_str(), median, median / hand);
    }
}
