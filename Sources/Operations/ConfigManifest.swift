import Crypto
import Foundation

/// `manifest.json` of a configuration snapshot: what was saved, from where, with hashes.
public struct ConfigManifest: Sendable, Codable, Equatable {
    /// What a file is to the server, so rollback puts it back where the server reads it now.
    public enum Role: String, Sendable, Codable {
        case configFile = "config_file", policies, lua
    }

    public struct File: Sendable, Codable, Equatable {
        /// Path inside the snapshot folder.
        public var path: String
        public var role: Role
        /// Where it was copied from.
        public var source: String
        public var sha256: String
        public var bytes: Int
    }

    public var createdAt: Date
    public var oracleChatVersion: String
    /// `snapshot` or `emergency` (taken by a rollback before it changes anything).
    public var kind: String
    public var configFile: String?
    public var policiesDirectory: String?
    public var luaDirectory: String?
    public var files: [File]
    public var notIncluded: [String]

    static let fileName = "manifest.json"

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

/// Why a configuration snapshot or rollback stopped.
public enum ConfigSnapshotError: Error, Equatable, CustomStringConvertible {
    case noSnapshot(directory: String)
    case notFound(name: String, directory: String)
    case damaged(snapshot: String, reason: String)
    case fileOperation(path: String, reason: String)

    public var description: String {
        switch self {
        case .noSnapshot(let directory): "no configuration snapshot (config_YYYYMMDD_HHMMSS) in \(directory)"
        case .notFound(let name, let directory): "configuration snapshot \(name) not found in \(directory)"
        case .damaged(let snapshot, let reason): "configuration snapshot \(snapshot) is damaged: \(reason); nothing was changed"
        case .fileOperation(let path, let reason): "file operation on \(path) failed: \(reason)"
        }
    }
}
