import Foundation
import OracleCore

/// Reads the files a policy is made of (policies, tests, the test library) as operators' input:
/// hostile until bounded. A FIFO or device named `rollout.lua` would block a plain read forever
/// (and with it a reload), and a multi-megabyte file would cost the linter and parser seconds;
/// both are refused with an error naming the file.
public enum PolicyFile {
    /// Policy and test sources are kilobytes; the Lua host compiles at most 64 KiB of policy and
    /// 256 KiB of tests, so nothing much bigger is read at all.
    public static let maxBytes = 1 << 20

    public typealias Refused = BoundedTextFile.Refused

    /// The UTF-8 text of the regular file at `path`, at most `limit` bytes (``BoundedTextFile``).
    public static func read(_ path: String, limit: Int = maxBytes) throws -> String {
        try BoundedTextFile.read(path, limit: limit, kind: "policy files")
    }
}
