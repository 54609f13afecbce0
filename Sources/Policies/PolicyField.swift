import LuaRuntime

/// One field of a policy's input table or result, as docs/policies.md lists it.
public struct PolicyField: Sendable, Equatable {
    /// Where the field sits, dots for nested tables: `settings.rollout_percentage`.
    public var path: String
    /// As the docs write it: `int`, `number 0..1, optional`, `list of string`.
    public var type: String
    public var meaning: String

    public init(_ path: String, _ type: String, _ meaning: String) {
        self.path = path
        self.type = type
        self.meaning = meaning
    }

    /// A type column that lists the allowed strings, from the list the host checks against.
    static func oneOf(_ values: [String]) -> String {
        values.map { "`\"\($0)\"`" }.joined(separator: "/")
    }
}

/// A field of a policy's input: its documentation and how the host fills it from the typed
/// input. Declaring both together is what keeps the table a policy sees and the table the docs
/// describe the same.
public struct PolicyInputField<Input>: Sendable {
    public let field: PolicyField
    /// The field's value; `.nil` leaves the field out (the policy then reads `nil`).
    let value: @Sendable (Input) -> LuaValue

    init<Value: LuaRepresentable>(_ path: String, _ type: String, _ meaning: String,
                                  _ value: @escaping @Sendable (Input) -> Value) {
        field = PolicyField(path, type, meaning)
        self.value = { value($0).luaValue }
    }

    /// The field as it is in an input table the host did not build (the JSON of the evaluate
    /// endpoint): what a safe default reads from its input.
    func read(from table: LuaValue) -> LuaValue? {
        field.path.split(separator: ".").reduce(Optional(table)) { $0?[String($1)] }
    }
}

/// A policy's input: a typed value that becomes the table the entry function receives.
public protocol PolicyInput: Sendable {
    /// Every field, in the order docs/policies.md lists them.
    static var fields: [PolicyInputField<Self>] { get }
    /// What the docs add below the field table (host duties, tolerated absences); nil for none.
    static var note: String? { get }
}

extension PolicyInput {
    public static var note: String? { nil }

    /// The table the entry function receives: each field at its path, absent ones left out.
    public var luaValue: LuaValue {
        var table: [String: LuaValue] = [:]
        for field in Self.fields {
            let value = field.value(self)
            if value != .nil { Self.insert(value, at: field.field.path.split(separator: ".")[...], into: &table) }
        }
        return .table(table)
    }

    private static func insert(_ value: LuaValue, at path: ArraySlice<Substring>, into table: inout [String: LuaValue]) {
        let key = String(path.first!)
        guard path.count > 1 else {
            table[key] = value
            return
        }
        var nested = table[key]?.tableValue ?? [:]
        insert(value, at: path.dropFirst(), into: &nested)
        table[key] = .table(nested)
    }
}

/// Swift values with exactly one Lua form: `Int` a Lua integer, `Double` a float (so `40.0` stays
/// a float, as `math.type` tells), arrays lists, nil an absent field.
protocol LuaRepresentable {
    var luaValue: LuaValue { get }
}

extension LuaValue: LuaRepresentable { var luaValue: LuaValue { self } }
extension Bool: LuaRepresentable { var luaValue: LuaValue { .bool(self) } }
extension Int: LuaRepresentable { var luaValue: LuaValue { .integer(Int64(self)) } }
extension Double: LuaRepresentable { var luaValue: LuaValue { .number(self) } }
extension String: LuaRepresentable { var luaValue: LuaValue { .string(self) } }

extension Array: LuaRepresentable where Element: LuaRepresentable {
    var luaValue: LuaValue { .array(map(\.luaValue)) }
}

extension Optional: LuaRepresentable where Wrapped: LuaRepresentable {
    var luaValue: LuaValue { self?.luaValue ?? .nil }
}
