/// A Lua 5.4 token, enough for the static checks: names, keywords and symbols with their line;
/// comments are dropped, and strings and numbers are kept only as placeholders.
struct LuaToken: Equatable {
    enum Kind: Equatable { case name, keyword, symbol, string, number }
    var kind: Kind
    var text: String
    var line: Int
}

/// Splits Lua source into tokens. Never fails: an unterminated string or comment ends at the
/// end of the file (the compiler reports it; this only has to not crash).
struct LuaTokenizer {
    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]
    private static let symbols3 = ["..."]
    private static let symbols2 = ["..", "==", "~=", "<=", ">=", "//", "::", "<<", ">>"]

    private let bytes: [UInt8]
    private var i = 0
    private var line = 1

    static func tokens(_ source: String) -> [LuaToken] {
        var tokenizer = LuaTokenizer(bytes: Array(source.utf8))
        return tokenizer.run()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func peek(_ offset: Int = 0) -> UInt8 { i + offset < bytes.count ? bytes[i + offset] : 0 }

    private mutating func run() -> [LuaToken] {
        var out: [LuaToken] = []
        if peek() == UInt8(ascii: "#") { skipLine() }  // shebang
        while i < bytes.count {
            let c = peek()
            let start = line
            switch c {
            case UInt8(ascii: "\n"): line += 1; i += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C: i += 1
            case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
                i += 2
                if let level = longBracketLevel() { skipLong(level) } else { skipLine() }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipQuoted(c)
                out.append(LuaToken(kind: .string, text: "", line: start))
            case UInt8(ascii: "[") where longBracketLevel() != nil:
                skipLong(longBracketLevel()!)
                out.append(LuaToken(kind: .string, text: "", line: start))
            case _ where Self.isLetter(c):
                let from = i
                while Self.isLetter(peek()) || Self.isDigit(peek()) { i += 1 }
                let text = String(decoding: bytes[from..<i], as: UTF8.self)
                out.append(LuaToken(kind: Self.keywords.contains(text) ? .keyword : .name, text: text, line: start))
            case _ where Self.isDigit(c) || (c == UInt8(ascii: ".") && Self.isDigit(peek(1))):
                skipNumber()
                out.append(LuaToken(kind: .number, text: "", line: start))
            default:
                out.append(LuaToken(kind: .symbol, text: symbol(), line: start))
            }
        }
        return out
    }

    private mutating func symbol() -> String {
        for candidates in [Self.symbols3, Self.symbols2] {
            for s in candidates where Array(s.utf8) == Array(bytes[i..<min(bytes.count, i + s.utf8.count)]) {
                i += s.utf8.count
                return s
            }
        }
        i += 1
        return String(decoding: [bytes[i - 1]], as: UTF8.self)
    }

    private mutating func skipLine() {
        while i < bytes.count, peek() != UInt8(ascii: "\n") { i += 1 }
    }

    /// At `[`: the level of a long bracket `[==[` (without consuming), or nil.
    private func longBracketLevel() -> Int? {
        guard peek() == UInt8(ascii: "[") else { return nil }
        var level = 0
        while peek(1 + level) == UInt8(ascii: "=") { level += 1 }
        return peek(1 + level) == UInt8(ascii: "[") ? level : nil
    }

    private mutating func skipLong(_ level: Int) {
        i += level + 2
        while i < bytes.count {
            if peek() == UInt8(ascii: "\n") { line += 1 }
            if peek() == UInt8(ascii: "]") {
                var n = 0
                while peek(1 + n) == UInt8(ascii: "=") { n += 1 }
                if n == level, peek(1 + n) == UInt8(ascii: "]") { i += n + 2; return }
            }
            i += 1
        }
    }

    private mutating func skipQuoted(_ quote: UInt8) {
        i += 1
        while i < bytes.count {
            let c = peek()
            if c == quote { i += 1; return }
            if c == UInt8(ascii: "\n") { line += 1; i += 1; return }  // unfinished string
            if c == UInt8(ascii: "\\") {
                if peek(1) == UInt8(ascii: "\n") { line += 1 }
                if peek(1) == UInt8(ascii: "z") {  // \z skips the following whitespace, newlines included
                    i += 2
                    while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(peek()) {
                        if peek() == 0x0A { line += 1 }
                        i += 1
                    }
                    continue
                }
                i += 2
                continue
            }
            i += 1
        }
    }

    private mutating func skipNumber() {
        while i < bytes.count {
            let c = peek()
            if (c == UInt8(ascii: "+") || c == UInt8(ascii: "-")),
               [UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "p"), UInt8(ascii: "P")].contains(bytes[i - 1]) {
                i += 1
            } else if Self.isLetter(c) || Self.isDigit(c) || c == UInt8(ascii: ".") {
                i += 1
            } else {
                return
            }
        }
    }

    private static func isLetter(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
