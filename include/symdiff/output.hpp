/// \file Output files written whole or not at all, with every write checked.
///
/// A trace, a saved session or any other file the program writes must not be left cut off
/// by a full disk or a file-size limit, must not destroy the previous version when writing
/// the new one fails, and must not silently overwrite one of the program's inputs.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace symdiff {

/// True if both paths exist and name the same file (the same device and inode), whatever
/// their spelling: `./d.csv` and `d.csv`, a hard link, a symbolic link to it.
bool same_file(const std::string& a, const std::string& b);

/// A file written as a whole. For a regular file, or a path where nothing exists yet, the
/// text goes to a temporary file in the same directory (`NAME.XXXXXX`), which commit()
/// renames over NAME once everything is written, flushed and closed: readers see the old
/// file or the new one, never a part. Anything else (a terminal, a pipe, /dev/full, a path
/// under /dev or /proc, a file in a folder that may not be written) is written in place.
/// "-", and any path naming the file standard output goes to (/dev/stdout, or `t.csv` in
/// `... --trace t.csv > t.csv`), is standard output itself. A symbolic link is followed,
/// and the file it names replaced.
///
/// Every write is checked, and commit() checks the final flush and the close: a failure
/// throws symdiff::Error "cannot write <what> '<path>': <reason>" (the reason from errno:
/// "No space left on device", "File too large", ...). The destructor of a file not committed
/// removes the temporary file, so the old file stays as it was. Buffered in 64 KiB blocks,
/// so a file of any length costs the same memory.
class OutputFile {
public:
    /// Opens `path` ("-": standard output); `what` names it in messages ("the trace file").
    /// Throws symdiff::Error if it cannot be created.
    OutputFile(std::string path, std::string what);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    void write(std::string_view text);
    void put(char c) { write(std::string_view(&c, 1)); }
    /// Flushes, closes and renames the file into place. Writing after commit() is an error.
    void commit();

    const std::string& path() const { return path_; }
    /// True when writing to standard output.
    bool is_stdout() const { return file_ == stdout; }

private:
    [[noreturn]] void fail(int error);
    void discard() noexcept;

    std::string path_;     ///< as given, for messages
    std::string target_;   ///< what the rename replaces (the symbolic link followed)
    std::string temp_;     ///< the temporary file, empty when writing in place
    std::string what_;
    std::FILE* file_ = nullptr;
    char* buffer_ = nullptr;
    bool committed_ = false;
};

} // namespace symdiff
