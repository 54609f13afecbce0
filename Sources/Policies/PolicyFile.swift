import Foundation

/// Reads the files a policy is made of (policies, tests, the test library) as operators' input:
/// hostile until bounded. A FIFO or device named `rollout.lua` would block a plain read forever
/// (and with it a reload), and a multi-megabyte file would cost the linter and parser seconds;
/// both are refused with an error naming the file.
public enum PolicyFile {
    /// Policy and test sources are kilobytes; the Lua host compiles at most 64 KiB of policy and
    /// 256 KiB of tests, so nothing much bigger is read at all.
    public static let maxBytes = 1 << 20

    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    /// The UTF-8 text of the regular file at `path`, at most `limit` bytes. The file is opened
    /// without blocking and checked through its descriptor, so it cannot be swapped in between.
    public static func read(_ path: String, limit: Int = maxBytes) throws -> String {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw Refused(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw Refused(description: "cannot read \(path): not a regular file")
        }
        guard Int(info.st_size) <= limit else {
            throw Refused(description: "cannot read \(path): \(info.st_size) bytes; policy files may be at most \(limit)")
        }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw Refused(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            count += n
        }
        guard count <= limit else { throw Refused(description: "cannot read \(path): it grew past \(limit) bytes") }
        guard let text = String(validating: bytes[..<count], as: UTF8.self) else {
            throw Refused(description: "cannot read \(path): not UTF-8 text")
        }
        return text
    }
}
