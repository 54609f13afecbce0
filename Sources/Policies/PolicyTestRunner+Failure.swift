import LuaRuntime

extension PolicyTestRunner {
    /// The text and `file:line` a failed test reports. Budget and memory failures say what
    /// probably happened; a failure inside `cases{}` keeps its `case "name": ` prefix in the
    /// text and reports the assertion's own position (which Lua places after that prefix).
    static func failure(_ error: any Error, limits: LuaLimits) -> (message: String, location: String?) {
        guard let error = error as? LuaError else { return ("\(error)", nil) }
        switch error.kind {
        case .instructionBudgetExceeded:
            return ("test exceeded the instruction budget (\(limits.instructionBudget) instructions): does it loop forever?",
                    location(of: error))
        case .timeout:
            let limit = limits.timeout.map { "\($0)" } ?? "none"
            return ("test exceeded its time limit (\(limit)): does it loop forever, or build huge strings?",
                    location(of: error))
        case .memoryLimitExceeded:
            return ("test exceeded the memory cap (\(limits.memoryLimitBytes / 1_048_576) MiB): does it build an unbounded table or string?",
                    location(of: error))
        default:
            break
        }
        if let chunk = error.chunkName, chunk.hasPrefix("case \""), let end = chunk.range(of: "\": ") {
            let prefix = String(chunk[..<end.upperBound])
            let realChunk = String(chunk[end.upperBound...])
            return (prefix + error.message, error.line.map { "\(realChunk):\($0)" } ?? realChunk)
        }
        return (error.message, location(of: error))
    }
}
