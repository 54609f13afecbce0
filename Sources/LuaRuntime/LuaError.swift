/// An error from loading or calling Lua code, or from converting values across the boundary.
///
/// `description` is safe to show operators: it carries the Lua message, chunk and line, never
/// host internals (a host function's own error text is only shown if it is a `LuaError`).
///
/// ```swift
/// do { _ = try state.call("decide", [ctx]) }
/// catch let error as LuaError where error.kind == .instructionBudgetExceeded { ... }
/// ```
public struct LuaError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case syntax, runtime, instructionBudgetExceeded, memoryLimitExceeded, missingFunction, conversion, cancelled
        /// The call ran past its wall-clock limit (``LuaLimits/timeout``).
        case timeout
        /// The call changed a value the chunk captured while loading (see ``LuaState/seal()``).
        case impure
    }

    public var kind: Kind
    /// The message without its "chunk:line:" prefix.
    public var message: String
    public var chunkName: String?
    public var line: Int?

    public init(_ kind: Kind, _ message: String, chunkName: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.chunkName = chunkName
        self.line = line
    }

    /// Builds an error from a raw Lua message, splitting a leading "chunk:line: " position.
    init(kind: Kind, luaMessage: String) {
        self.init(kind, luaMessage)
        guard let (chunk, line, rest) = Self.splitPosition(luaMessage) else { return }
        self.chunkName = chunk
        self.line = line
        self.message = rest
    }

    public var description: String {
        var position = ""
        if let chunkName { position = line.map { "\(chunkName):\($0): " } ?? "\(chunkName): " }
        return "\(kind.rawValue): \(position)\(message)"
    }

    /// "chunk:12: text" → ("chunk", 12, "text"); chunk names may contain ':' (e.g. URLs).
    static func splitPosition(_ text: String) -> (String, Int, String)? {
        let utf8 = Array(text.utf8.prefix(512))
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: ":"), i > 0 {
                var j = i + 1
                while j < utf8.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(utf8[j]) { j += 1 }
                if j > i + 1, j < utf8.count, utf8[j] == UInt8(ascii: ":"),
                   let line = Int(String(decoding: utf8[(i + 1)..<j], as: UTF8.self)) {
                    let chunk = String(decoding: utf8[0..<i], as: UTF8.self)
                    var rest = String(text.utf8.dropFirst(j + 1))!
                    if rest.hasPrefix(" ") { rest.removeFirst() }
                    return (chunk, line, rest)
                }
            }
            if utf8[i] == UInt8(ascii: "\n") { return nil }
            i += 1
        }
        return nil
    }
}
