import Crypto
import Foundation

/// One version of a policy's Lua text, identified by its content hash.
public struct PolicySource: Sendable, Hashable {
    public var kind: PolicyKind
    public var text: String
    /// Shown in errors and coverage, e.g. `policies/rollout.lua`.
    public var chunkName: String
    /// First 16 hex digits of the SHA-256 of `text`.
    public var hash: String

    public init(kind: PolicyKind, text: String, chunkName: String) {
        self.kind = kind
        self.text = text
        self.chunkName = chunkName
        self.hash = Self.hash(of: text)
    }

    public static func hash(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads `<directory>/<kind>.lua`.
    public static func read(_ kind: PolicyKind, from directory: String) throws -> PolicySource {
        let path = (directory as NSString).appendingPathComponent(kind.fileName)
        let text = try PolicyFile.read(path)
        return PolicySource(kind: kind, text: text, chunkName: path)
    }
}
