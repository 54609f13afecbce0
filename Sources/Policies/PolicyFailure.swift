import Foundation
import LuaRuntime
import OracleCore

/// Why a candidate version was not activated, or why an evaluation failed.
public struct PolicyFailure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Stage: String, Sendable, Codable {
        /// The file could not be read.
        case read
        /// Syntax error or an error while the file's main body ran.
        case compile
        /// The entry function is missing.
        case entry
        /// A sample input or a test produced a result that breaks the contract.
        case contract
        /// One of the policy's own tests failed.
        case tests
        /// The evaluation failed at run time (error, instruction budget, memory cap).
        case evaluation
    }

    /// Longest `message` in UTF-8 bytes: a policy may raise a string of any size
    /// (`error(string.rep("E", 8 << 20))`), but the failure is shown in `last_failure`, log lines
    /// and the decision log; longer messages are cut with a marker saying how long they were.
    public static let maxMessageBytes = 2048

    public var stage: Stage
    public var message: String {
        didSet { message = message.limitedUTF8(to: Self.maxMessageBytes) }
    }
    /// `file:line` when known.
    public var location: String?
    public var at: Date
    /// The content hash of the version that failed.
    public var hash: String?

    public init(stage: Stage, message: String, location: String? = nil, hash: String? = nil, at: Date = Date()) {
        self.stage = stage
        self.message = message.limitedUTF8(to: Self.maxMessageBytes)
        self.location = location
        self.hash = hash
        self.at = at
    }

    init(stage: Stage, _ error: LuaError, hash: String?) {
        let location = error.chunkName.map { name in error.line.map { "\(name):\($0)" } ?? name }
        self.init(stage: stage, message: error.message, location: location, hash: hash)
    }

    public var description: String {
        "\(stage.rawValue): \(location.map { "\($0): " } ?? "")\(message)"
    }
}
