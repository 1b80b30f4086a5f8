/// \file OutputFile (output.hpp): a temporary file renamed into place, every write checked.
#include "symdiff/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "symdiff/diagnostic.hpp"

namespace symdiff {

namespace {

constexpr std::size_t kBufferBytes = std::size_t{64} << 10;

// The umask cannot be read without setting it; the program is single-threaded when it opens
// an output file, and the value is put back at once.
mode_t default_mode() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

} // namespace

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {}, sb {};
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

OutputFile::OutputFile(std::string path, std::string what) : path_(std::move(path)), what_(std::move(what)) {
    if (path_ == "-") {
        file_ = stdout; // with its own buffer: setvbuf is for streams not yet written
        return;
    }
    target_ = path_;
    struct stat st {}, out {};
    const bool exists = ::stat(path_.c_str(), &st) == 0;
    if (exists && ::fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == st.st_dev && out.st_ino == st.st_ino) {
        // /dev/stdout, or the file standard output is redirected to: a second stream on it
        // would start at offset 0 and the report would overwrite the trace (or, renamed
        // over, the report would go to a file no longer there).
        file_ = stdout;
        return;
    }
    // A device, a pipe or a terminal cannot be replaced, nor can /dev/fd/N or /proc/...
    // usefully be: write to them as they are.
    const bool special = path_.starts_with("/dev/") || path_.starts_with("/proc/");
    if (exists && (!S_ISREG(st.st_mode) || special)) {
        file_ = std::fopen(path_.c_str(), "w");
        if (!file_) fail(errno);
    } else {
        if (exists) {
            // Replace the file a symbolic link names, not the link.
            if (char* real = ::realpath(path_.c_str(), nullptr)) {
                target_ = real;
                std::free(real);
            }
        }
        temp_ = target_ + ".XXXXXX";
        const int fd = ::mkstemp(temp_.data());
        if (fd < 0) {
            const int e = errno;
            temp_.clear();
            // A file that may be written in a folder that may not: in place, as the only way.
            if (exists && (e == EACCES || e == EPERM || e == EROFS) && ::access(path_.c_str(), W_OK) == 0) {
                file_ = std::fopen(path_.c_str(), "w");
                if (!file_) fail(errno);
                buffer_ = static_cast<char*>(std::malloc(kBufferBytes));
                if (buffer_) std::setvbuf(file_, buffer_, _IOFBF, kBufferBytes);
                return;
            }
            fail(e);
        }
        // mkstemp makes the file private (0600); the new version gets the old one's
        // permissions, or those of a file made by open(2).
        ::fchmod(fd, exists ? (st.st_mode & 07777) : default_mode());
        file_ = ::fdopen(fd, "w");
        if (!file_) {
            const int e = errno;
            ::close(fd);
            fail(e);
        }
    }
    buffer_ = static_cast<char*>(std::malloc(kBufferBytes));
    if (buffer_) std::setvbuf(file_, buffer_, _IOFBF, kBufferBytes);
}

OutputFile::~OutputFile() {
    if (!committed_) discard();
}

void OutputFile::discard() noexcept {
    if (file_ == stdout) std::fflush(stdout);
    else if (file_) std::fclose(file_);
    file_ = nullptr;
    if (!temp_.empty()) ::unlink(temp_.c_str());
    temp_.clear();
    std::free(buffer_);
    buffer_ = nullptr;
}

void OutputFile::fail(int error) {
    const std::string message =
        fmt::format("cannot write {} '{}': {}", what_, path_, std::strerror(error != 0 ? error : EIO));
    discard();
    committed_ = true; // nothing left to remove
    throw Error(message);
}

void OutputFile::write(std::string_view text) {
    if (!file_) throw Error(fmt::format("internal: {} '{}' written after it was closed", what_, path_));
    if (text.empty()) return;
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::ferror(file_)) fail(errno);
}

void OutputFile::commit() {
    if (!file_) throw Error(fmt::format("internal: {} '{}' committed twice", what_, path_));
    std::FILE* f = file_;
    errno = 0;
    const bool flushed = std::fflush(f) == 0 && !std::ferror(f);
    int error = flushed ? 0 : (errno != 0 ? errno : EIO);
    if (f != stdout) {
        file_ = nullptr;
        // The close reports what the flush could not (a full disk on NFS, a quota).
        errno = 0;
        if (std::fclose(f) != 0 && error == 0) error = errno != 0 ? errno : EIO;
    }
    if (error != 0) fail(error);
    file_ = nullptr;
    if (!temp_.empty() && ::rename(temp_.c_str(), target_.c_str()) != 0) fail(errno);
    temp_.clear();
    std::free(buffer_);
    buffer_ = nullptr;
    committed_ = true;
}

} // namespace symdiff
