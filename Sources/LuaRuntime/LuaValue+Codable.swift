/// Plain JSON: `null`, booleans, integers (kept as `.integer`), other numbers, strings,
/// arrays and objects. `{}` decodes to `.table([:])` and `[]` to `.array([])`; both mean the
/// same empty Lua table.
extension LuaValue: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var fields: [String: LuaValue] = [:]
            for key in object.allKeys { fields[key.stringValue] = try object.decode(LuaValue.self, forKey: key) }
            self = .table(fields)
            return
        }
        if var list = try? decoder.unkeyedContainer() {
            var elements: [LuaValue] = []
            while !list.isAtEnd { elements.append(try list.decode(LuaValue.self)) }
            self = .array(elements)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .nil }
        else if let value = try? single.decode(Bool.self) { self = .bool(value) }
        else if let value = try? single.decode(Int64.self) { self = .integer(value) }
        else if let value = try? single.decode(Double.self) { self = .number(value) }
        else { self = .string(try single.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .nil:
            var single = encoder.singleValueContainer(); try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer(); try single.encode(value)
        case .integer(let value):
            var single = encoder.singleValueContainer(); try single.encode(value)
        case .number(let value):
            var single = encoder.singleValueContainer(); try single.encode(value)
        case .string(let value):
            var single = encoder.singleValueContainer(); try single.encode(value)
        case .array(let elements):
            var list = encoder.unkeyedContainer()
            for element in elements { try list.encode(element) }
        case .table(let fields):
            var object = encoder.container(keyedBy: Key.self)
            for (key, value) in fields { try object.encode(value, forKey: Key(stringValue: key)) }
        }
    }
}
