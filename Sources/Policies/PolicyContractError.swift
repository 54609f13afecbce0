import LuaRuntime

/// A policy result that does not match its contract; names the field and the rule.
public struct PolicyContractError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var rule: String

    public var description: String { "result.\(field) \(rule)" }
}

/// Typed reads of a result table, each failing with the field's path.
struct ResultReader {
    let value: LuaValue
    let path: String

    init(_ value: LuaValue, path: String = "") throws(PolicyContractError) {
        guard case .table = value else {
            if let empty = value.arrayValue, empty.isEmpty {
                self.value = .table([:])
                self.path = path
                return
            }
            throw PolicyContractError(field: path.isEmpty ? "(result)" : path, rule: "must be a table")
        }
        self.value = value
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func bool(_ key: String) throws(PolicyContractError) -> Bool {
        guard let flag = value[key]?.boolValue else { throw PolicyContractError(field: name(key), rule: "must be a boolean") }
        return flag
    }

    func string(_ key: String) throws(PolicyContractError) -> String {
        guard let text = value[key]?.stringValue else { throw PolicyContractError(field: name(key), rule: "must be a string") }
        return text
    }

    func optionalString(_ key: String) throws(PolicyContractError) -> String? {
        guard let field = value[key], field != .nil else { return nil }
        guard let text = field.stringValue else { throw PolicyContractError(field: name(key), rule: "must be a string or nil") }
        return text
    }

    func integer(_ key: String, min: Int = Int.min) throws(PolicyContractError) -> Int {
        guard let number = value[key]?.integerValue, number >= min else {
            throw PolicyContractError(field: name(key), rule: min == Int.min ? "must be an integer" : "must be an integer >= \(min)")
        }
        return Int(number)
    }

    func optionalInteger(_ key: String, min: Int = Int.min) throws(PolicyContractError) -> Int? {
        guard let field = value[key], field != .nil else { return nil }
        return try integer(key, min: min)
    }

    func array(_ key: String) throws(PolicyContractError) -> [LuaValue] {
        guard let field = value[key], field != .nil else { return [] }
        guard let elements = field.arrayValue else { throw PolicyContractError(field: name(key), rule: "must be a list") }
        return elements
    }

    func strings(_ key: String) throws(PolicyContractError) -> [String] {
        try array(key).enumerated().map { (index, element) throws(PolicyContractError) in
            guard let text = element.stringValue else {
                throw PolicyContractError(field: "\(name(key))[\(index + 1)]", rule: "must be a string")
            }
            return text
        }
    }

    func tables(_ key: String) throws(PolicyContractError) -> [ResultReader] {
        try array(key).enumerated().map { (index, element) throws(PolicyContractError) in
            try ResultReader(element, path: "\(name(key))[\(index + 1)]")
        }
    }
}
