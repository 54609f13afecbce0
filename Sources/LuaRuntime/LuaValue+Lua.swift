import CLua

/// Conversion limits: deeper nesting is refused (a cycle is reported as such), and one value
/// may not expand to more than `maxValues` Swift values (shared subtables count every time).
enum LuaConversionLimits {
    static let maxDepth = 64
    static let maxValues = 200_000
}

extension LuaValue {
    /// Pushes the value (+1 on success). On a thrown error the caller restores the stack top.
    func push(to L: OpaquePointer, depth: Int = 0) throws(LuaError) {
        switch self {
        case .nil: lua_pushnil(L)
        case .bool(let value): lua_pushboolean(L, value ? 1 : 0)
        case .integer(let value): lua_pushinteger(L, value)
        case .number(let value): lua_pushnumber(L, value)
        case .string(let value): pushString(value, to: L)
        case .array(let elements):
            guard depth < LuaConversionLimits.maxDepth, lua_checkstack(L, 2) != 0 else { throw Self.tooDeep }
            lua_createtable(L, Int32(clamping: elements.count), 0)
            for (offset, element) in elements.enumerated() {
                try element.push(to: L, depth: depth + 1)
                lua_rawseti(L, -2, lua_Integer(offset + 1))
            }
        case .table(let fields):
            guard depth < LuaConversionLimits.maxDepth, lua_checkstack(L, 3) != 0 else { throw Self.tooDeep }
            lua_createtable(L, 0, Int32(clamping: fields.count))
            for (key, value) in fields {
                pushString(key, to: L)
                try value.push(to: L, depth: depth + 1)
                lua_rawset(L, -3)
            }
        }
    }

    private static var tooDeep: LuaError {
        LuaError(.conversion, "value nested deeper than \(LuaConversionLimits.maxDepth) levels")
    }

    /// Reads the Lua value at `index` (stack unchanged). `root` names it in errors, e.g. "result".
    static func read(from L: OpaquePointer, at index: Int32, root: String, limits: LuaLimits = LuaLimits()) throws(LuaError) -> LuaValue {
        var reader = LuaValueReader(L: L, bytesLeft: limits.maxResultBytes, maxBytes: limits.maxResultBytes)
        do {
            return try reader.read(lua_absindex(L, index), depth: 0)
        } catch {
            let path = error.path.reversed().joined()
            throw LuaError(.conversion, "\(root)\(path): \(error.reason)")
        }
    }
}

/// Pushes a Swift string's UTF-8 bytes without copying them for native strings (+1).
@inline(__always)
func pushString(_ string: String, to L: OpaquePointer) {
    var string = string
    string.withUTF8 { bytes in _ = lua_pushlstring(L, bytes.baseAddress, bytes.count) }
}

/// Reads a Lua string at `index` as Swift text, or nil when the bytes are not valid UTF-8.
func readString(from L: OpaquePointer, at index: Int32) -> String? {
    var length = 0
    guard let bytes = lua_tolstring(L, index, &length) else { return nil }
    // Lua strings are NUL-terminated; without embedded NULs the (faster) C-string path applies.
    if strlen(bytes) == length { return String(validatingCString: bytes) }
    return String(validating: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
}

/// An error message as text: at most `limit` bytes (cut at a character boundary, with a note
/// of how long it was), invalid UTF-8 replaced, so a policy cannot flood logs or responses.
func readMessage(from L: OpaquePointer, at index: Int32, limit: Int) -> String {
    var length = 0
    guard let bytes = lua_tolstring(L, index, &length) else { return "" }
    let raw = UnsafeRawBufferPointer(start: bytes, count: min(length, max(0, limit)))
    var text = String(decoding: raw, as: UTF8.self)
    guard length > limit else { return text }
    // A cut through a multi-byte character decodes as U+FFFD at the end: drop it.
    if text.unicodeScalars.last == "\u{FFFD}" { text.unicodeScalars.removeLast() }
    return text + "… (message cut: \(length) bytes)"
}

/// A failed read: the path is collected leaf-first while the error unwinds (no cost on success).
struct LuaConversionFailure: Error {
    var path: [String] = []
    var reason: String
}

struct LuaValueReader {
    let L: OpaquePointer
    /// What the value may still take when encoded: strings count their bytes every time they
    /// appear (a table holding one big string 100 times is 100 times as big as JSON), every
    /// other value 8 bytes. Bounds what a result can cost the host, whatever it cost Lua.
    var bytesLeft: Int
    let maxBytes: Int
    var remaining = LuaConversionLimits.maxValues
    var ancestors: [UnsafeRawPointer] = []

    mutating func charge(_ bytes: Int) throws(LuaConversionFailure) {
        bytesLeft -= bytes
        guard bytesLeft >= 0 else {
            throw LuaConversionFailure(reason: "value larger than \(maxBytes) bytes (strings count each time they appear)")
        }
    }

    mutating func read(_ index: Int32, depth: Int) throws(LuaConversionFailure) -> LuaValue {
        remaining -= 1
        guard remaining >= 0 else { throw LuaConversionFailure(reason: "more than \(LuaConversionLimits.maxValues) values") }
        switch lua_type(L, index) {
        case LUA_TNIL: try charge(8); return .nil
        case LUA_TBOOLEAN: try charge(8); return .bool(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            try charge(8)
            if lua_isinteger(L, index) != 0 { return .integer(lua_tointegerx(L, index, nil)) }
            let number = lua_tonumberx(L, index, nil)
            guard number.isFinite else {
                throw LuaConversionFailure(reason: "number is \(number.isNaN ? "NaN" : "infinite"), which JSON cannot represent")
            }
            return .number(number)
        case LUA_TSTRING:
            var length = 0
            _ = lua_tolstring(L, index, &length)
            try charge(length + 2)
            guard let text = readString(from: L, at: index) else { throw LuaConversionFailure(reason: "string is not valid UTF-8") }
            return .string(text)
        case LUA_TTABLE: return try readTable(index, depth: depth)
        case let type: throw LuaConversionFailure(reason: "cannot convert a \(String(cString: lua_typename(L, type)))")
        }
    }

    private mutating func readTable(_ t: Int32, depth: Int) throws(LuaConversionFailure) -> LuaValue {
        // A table counts too: a DAG of empty tables ({a, a} 30 levels deep) has no leaf to
        // charge, and walked 200,000 values for 0.4 s before the value limit stopped it.
        try charge(8)
        let pointer = lua_topointer(L, t)!
        if ancestors.contains(pointer) { throw LuaConversionFailure(reason: "table contains itself (cycle)") }
        guard depth < LuaConversionLimits.maxDepth else {
            throw LuaConversionFailure(reason: "nested deeper than \(LuaConversionLimits.maxDepth) levels")
        }
        guard lua_checkstack(L, 3) != 0 else { throw LuaConversionFailure(reason: "Lua stack exhausted") }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        var fields: [String: LuaValue] = [:]
        var integerKeys = 0, maxKey: lua_Integer = 0, minKey: lua_Integer = .max
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            let keyType = lua_type(L, -2)
            if keyType == LUA_TSTRING {
                var keyLength = 0
                _ = lua_tolstring(L, -2, &keyLength)
                try charge(keyLength + 2)
                guard let key = readString(from: L, at: -2) else {
                    throw LuaConversionFailure(reason: "table key is not valid UTF-8")
                }
                if fields.isEmpty { fields.reserveCapacity(8) }
                fields[key] = try readChild(-1, of: pointer, depth: depth, component: Self.component(key))
            } else if keyType == LUA_TNUMBER, lua_isinteger(L, -2) != 0 {
                let key = lua_tointegerx(L, -2, nil)
                integerKeys += 1
                maxKey = max(maxKey, key)
                minKey = min(minKey, key)
            } else {
                let name = keyType == LUA_TNUMBER ? "number \(lua_tonumberx(L, -2, nil))" : String(cString: lua_typename(L, keyType))
                throw LuaConversionFailure(reason: "unsupported key (\(name)); use string keys or a sequence 1..n")
            }
            lua_settop(L, -2)
            if integerKeys > 0, !fields.isEmpty {
                throw LuaConversionFailure(reason: "table mixes string keys and integer keys")
            }
        }
        if integerKeys == 0 { return .table(fields) }
        guard minKey == 1, maxKey == lua_Integer(integerKeys) else {
            throw LuaConversionFailure(reason: "integer keys are not a sequence 1..n (found key \(minKey == 1 ? maxKey : minKey))")
        }
        var elements: [LuaValue] = []
        elements.reserveCapacity(integerKeys)
        for i in 1...lua_Integer(integerKeys) {
            lua_rawgeti(L, t, i)
            elements.append(try readChild(-1, of: pointer, depth: depth, component: "[\(i)]"))
            lua_settop(L, -2)
        }
        return .array(elements)
    }

    private mutating func readChild(
        _ index: Int32, of parent: UnsafeRawPointer, depth: Int, component: @autoclosure () -> String
    ) throws(LuaConversionFailure) -> LuaValue {
        let isTable = lua_type(L, index) == LUA_TTABLE
        if isTable { ancestors.append(parent) }
        defer { if isTable { ancestors.removeLast() } }
        do {
            return try read(lua_absindex(L, index), depth: depth + 1)
        } catch {
            var failure = error
            failure.path.append(component())
            throw failure
        }
    }

    private static func component(_ key: String) -> String {
        let isIdentifier = key.first.map { $0.isLetter || $0 == "_" } ?? false
            && key.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
        return isIdentifier ? ".\(key)" : "[\"\(key)\"]"
    }
}
