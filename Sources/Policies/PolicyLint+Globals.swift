/// The static sandbox scan: free uses of forbidden globals, reads of globals the sandbox does
/// not offer and the file does not define, and globals assigned inside functions.
///
/// "Free" is approximated: a name is not free after `.` or `:`, as a table-constructor key, or
/// when the file declares it anywhere as a `local`, a function parameter or a loop variable.
struct PolicyGlobalScan {
    static let forbidden: Set<String> = [
        "io", "os", "require", "package", "load", "loadstring", "dofile", "loadfile", "debug",
        "collectgarbage", "print", "rawset", "setfenv", "getfenv", "_G",
    ]
    static let forbiddenFields: [String: Set<String>] = ["string": ["dump"], "math": ["random", "randomseed"]]
    /// What the policy sandbox offers (docs/policies.md, "Sandbox").
    static let allowed: Set<String> = [
        "pairs", "ipairs", "next", "select", "type", "tostring", "tonumber", "error", "assert", "pcall",
        "setmetatable", "getmetatable", "rawget", "rawequal", "rawlen", "string", "table", "math", "utf8",
        "_VERSION", "_ENV", "bucket", "self",
    ]

    let tokens: [LuaToken]
    let file: String

    func problems() -> [PolicyProblem] {
        let locals = declaredLocals()
        var defined: Set<String> = []
        var problems: [PolicyProblem] = []
        var reads: [(String, Int)] = []
        var stack: [String] = []  // open brackets and blocks
        var pendingDo = 0  // `while`/`for` headers whose `do` does not open a block of its own
        for (index, token) in tokens.enumerated() {
            let previous = index > 0 ? tokens[index - 1] : nil
            let next = index + 1 < tokens.count ? tokens[index + 1] : nil
            switch (token.kind, token.text) {
            case (.symbol, "("), (.symbol, "["), (.symbol, "{"): stack.append(token.text)
            case (.symbol, ")"), (.symbol, "]"), (.symbol, "}"): _ = stack.popLast()
            case (.keyword, "function"), (.keyword, "if"), (.keyword, "repeat"): stack.append(token.text)
            case (.keyword, "while"), (.keyword, "for"): stack.append(token.text); pendingDo += 1
            case (.keyword, "do"): if pendingDo > 0 { pendingDo -= 1 } else { stack.append("do") }
            case (.keyword, "end"), (.keyword, "until"): _ = stack.popLast()
            default: break
            }
            guard token.kind == .name else { continue }
            if let previous, previous.kind == .symbol, [".", ":", "::"].contains(previous.text) { continue }
            if previous?.text == "goto" || previous?.text == "local" { continue }
            let assigned = next?.kind == .symbol && next?.text == "="
            if assigned, stack.last == "{" { continue }  // table constructor key
            if locals.contains(token.text) { continue }
            if Self.forbidden.contains(token.text) {
                problems.append(problem(token.line, .error, "'\(token.text)' is not available in the policy sandbox"))
                continue
            }
            if let fields = Self.forbiddenFields[token.text], next?.text == ".", index + 2 < tokens.count,
               fields.contains(tokens[index + 2].text) {
                problems.append(problem(token.line, .error,
                                        "'\(token.text).\(tokens[index + 2].text)' is not available in the policy sandbox"))
                continue
            }
            let definesFunction = previous?.text == "function" && next?.text != "." && next?.text != ":"
            // `function NAME` has pushed its own block already.
            let enclosing = stack.count { $0 == "function" } - (definesFunction ? 1 : 0)
            if assigned || definesFunction {
                if enclosing > 0 {
                    problems.append(problem(token.line, .error,
                        "assigns global '\(token.text)' inside a function: globals are read-only after load (use a local)"))
                } else {
                    defined.insert(token.text)
                }
                continue
            }
            reads.append((token.text, token.line))
        }
        for (name, line) in reads where !Self.allowed.contains(name) && !defined.contains(name) {
            problems.append(problem(line, .warning,
                "reads global '\(name)', which the sandbox does not offer and the file does not define at top level (an error at run time)"))
        }
        return problems.sorted { ($0.line ?? 0, $0.message) < ($1.line ?? 0, $1.message) }
    }

    private func problem(_ line: Int, _ severity: PolicyProblem.Severity, _ message: String) -> PolicyProblem {
        PolicyProblem(file: file, line: line, severity: severity, message: message)
    }

    /// Names declared anywhere with `local`, as parameters or as loop variables.
    func declaredLocals() -> Set<String> {
        var names: Set<String> = ["self"]
        var index = 0
        func collect(until stops: Set<String>) {
            while index < tokens.count, !stops.contains(tokens[index].text) {
                if tokens[index].kind == .name { names.insert(tokens[index].text) }
                index += 1
            }
        }
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            guard token.kind == .keyword else { continue }
            switch token.text {
            case "local":
                if index < tokens.count, tokens[index].text == "function" {
                    if index + 1 < tokens.count { names.insert(tokens[index + 1].text) }
                } else {
                    // NAME [<attrib>] {, NAME [<attrib>]}
                    while index < tokens.count, tokens[index].kind == .name {
                        names.insert(tokens[index].text)
                        index += 1
                        if index + 2 < tokens.count, tokens[index].text == "<" { index += 3 }
                        guard index < tokens.count, tokens[index].text == "," else { break }
                        index += 1
                    }
                }
            case "function":
                while index < tokens.count, tokens[index].text != "(" { index += 1 }
                collect(until: [")"])
            case "for":
                collect(until: ["=", "in"])
            default:
                break
            }
        }
        return names
    }
}
