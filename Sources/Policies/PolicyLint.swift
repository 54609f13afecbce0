import Foundation
import LuaRuntime

/// One finding of `oracle-chat policy check`, printed as `file:line: error: message`.
public struct PolicyProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning }

    public var file: String
    public var line: Int?
    public var severity: Severity
    public var message: String

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(severity.rawValue): \(message)"
    }
}

/// Checks a policy file without running the server: it compiles in the sandbox, defines the
/// entry function its name calls for, returns results that satisfy the contract on the sample
/// inputs, and (statically, comments and strings skipped) uses no forbidden global and reads
/// no global the sandbox lacks.
///
/// ```swift
/// for problem in try PolicyLint.check(file: "policies/rollout.lua") { print(problem) }
/// // policies/rollout.lua:12: error: 'os' is not available in the policy sandbox
/// ```
public enum PolicyLint {
    /// Every problem of the file at `path`; throws only when the file cannot be read.
    public static func check(file path: String, limits: LuaLimits = LuaLimits()) throws -> [PolicyProblem] {
        let text = try PolicyFile.read(path)
        var problems = scan(source: text, file: path)
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        guard let kind = PolicyKind(rawValue: base) else {
            let names = PolicyKind.allCases.map(\.fileName).joined(separator: ", ")
            problems.insert(PolicyProblem(file: path, line: nil, severity: .error,
                                          message: "not a policy file name: the file name says which policy it is (\(names))"), at: 0)
            return problems
        }
        if let failure = PolicyProgram.check(PolicySource(kind: kind, text: text, chunkName: path), limits: limits) {
            problems.insert(problem(failure, kind: kind, file: path), at: 0)
        }
        return problems
    }

    /// The static part only: forbidden and unknown globals.
    public static func scan(source: String, file: String) -> [PolicyProblem] {
        PolicyGlobalScan(tokens: LuaTokenizer.tokens(source), file: file).problems()
    }

    private static func problem(_ failure: PolicyFailure, kind: PolicyKind, file: String) -> PolicyProblem {
        var line: Int?
        if let location = failure.location, let colon = location.lastIndex(of: ":") {
            line = Int(location[location.index(after: colon)...])
        }
        let message: String
        switch failure.stage {
        case .compile: message = failure.message
        case .entry: message = "does not define function \(kind.entryFunction) (the entry point of \(kind.fileName))"
        case .contract: message = "on a sample \(kind.rawValue) input: \(failure.message)"
        default: message = failure.message
        }
        return PolicyProblem(file: file, line: line, severity: .error, message: message)
    }
}
