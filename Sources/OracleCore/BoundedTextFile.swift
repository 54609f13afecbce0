import Foundation

/// Reads an operator's text file (a policy, its tests, the contacts or models file) as hostile
/// input: a FIFO or device in its place would block a plain read forever (and with it a reload
/// or a watcher), and a huge file would be read whole before any size check. Opened without
/// blocking, checked through its descriptor (so it cannot be swapped in between), read to at
/// most `limit` bytes.
public enum BoundedTextFile {
    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    /// The UTF-8 text of the regular file at `path`. `kind` names such files in the size error
    /// ("policy files may be at most 1048576").
    public static func read(_ path: String, limit: Int, kind: String) throws(Refused) -> String {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw Refused(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw Refused(description: "cannot read \(path): not a regular file")
        }
        guard Int(info.st_size) <= limit else {
            throw Refused(description: "cannot read \(path): \(info.st_size) bytes; \(kind) may be at most \(limit)")
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
