/// A plain Lua value as seen from Swift: what policies receive and return.
///
/// Lua tables whose keys are exactly 1...n become `.array`; tables with string keys become
/// `.table`; an empty Lua table becomes `.table([:])`, which ``arrayValue`` also accepts as an
/// empty array (and which compares equal to `.array([])`).
///
/// ```swift
/// let ctx: LuaValue = ["session_id": "s-1", "settings": ["rollout_percentage": 50], "overrides": [:]]
/// let result = try state.call("decide", [ctx])
/// let enabled = result["enabled"]?.boolValue
/// ```
public enum LuaValue: Sendable {
    case `nil`
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([LuaValue])
    case table([String: LuaValue])

    /// The field `key` of a `.table`, or nil (also for other cases).
    public subscript(key: String) -> LuaValue? {
        if case .table(let fields) = self { return fields[key] }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// `.integer`, or a `.number` that is integral.
    public var integerValue: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// `.number` or `.integer` as a Double.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }

    /// The elements of an `.array`; an empty `.table` counts as an empty array.
    public var arrayValue: [LuaValue]? {
        switch self {
        case .array(let elements): return elements
        case .table(let fields) where fields.isEmpty: return []
        default: return nil
        }
    }

    /// The fields of a `.table`; an empty `.array` counts as an empty table.
    public var tableValue: [String: LuaValue]? {
        switch self {
        case .table(let fields): return fields
        case .array(let elements) where elements.isEmpty: return [:]
        default: return nil
        }
    }

    public var isNil: Bool {
        if case .nil = self { return true }
        return false
    }

    /// The Lua type name ("nil", "boolean", "number", "string", "table").
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .bool: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array, .table: "table"
        }
    }
}

extension LuaValue: Equatable {
    /// Structural equality; an empty array equals an empty table (Lua cannot tell them apart).
    public static func == (a: LuaValue, b: LuaValue) -> Bool {
        switch (a, b) {
        case (.nil, .nil): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.table(let x), .table(let y)): return x == y
        case (.array(let x), .table(let y)), (.table(let y), .array(let x)): return x.isEmpty && y.isEmpty
        default: return false
        }
    }
}

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: LuaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, LuaValue)...) {
        self = .table(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
