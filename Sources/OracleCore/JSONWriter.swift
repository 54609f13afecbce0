/// Writes JSON straight into bytes, for the bodies written on every message: the upstream
/// request (the whole conversation, each turn of it on every call) and the reply to a sent
/// message. `JSONEncoder` spent more on the first than the rest of the provider call, and a
/// visible share of the gateway's CPU on the second. Strings are escaped as RFC 8259 requires
/// (`"`, `\` and the control characters); everything else is written as UTF-8.
///
/// ```swift
/// var json = JSONWriter()
/// json.object { json in
///     json.field("model") { $0.string("gpt-4o") }
///     json.field("stream") { $0.bool(false) }
/// }
/// // json.bytes == Array(#"{"model":"gpt-4o","stream":false}"#.utf8)
/// ```
///
/// Its callers are in other modules: the methods are `@inlinable`, so the closures of
/// `object`/`field` inline into them instead of being called through the module boundary.
public struct JSONWriter {
    public var bytes: [UInt8] { storage }
    @usableFromInline var storage: [UInt8] = []
    /// Per open object or array: whether it has a member yet (a comma goes before the next).
    @usableFromInline var hasMember: [Bool] = []

    @inlinable public init(capacity: Int = 1024) {
        storage.reserveCapacity(capacity)
    }

    @inlinable public mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    @inlinable public mutating func array(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// `"name":` and its value, inside an object.
    @inlinable public mutating func field(_ name: String, _ value: (inout JSONWriter) -> Void) {
        separate()
        appendString(name)
        storage.append(UInt8(ascii: ":"))
        value(&self)
    }

    /// An element of an array; members of objects go through ``field(_:_:)``.
    @inlinable public mutating func element(_ value: (inout JSONWriter) -> Void) {
        separate()
        value(&self)
    }

    /// A value that is already JSON text (a client's, forwarded): copied, never re-encoded.
    @inlinable public mutating func raw(_ json: some Collection<UInt8>) { storage.append(contentsOf: json) }

    /// A whole `"name":value` member that is already JSON text, inside an object.
    @inlinable public mutating func rawMember(_ json: some Collection<UInt8>) {
        separate()
        storage.append(contentsOf: json)
    }

    /// Any ``JSONValue``, as JSON.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: storage.append(contentsOf: "null".utf8)
        case .bool(let flag): bool(flag)
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 { integer(Int(number)) } else { self.number(number) }
        case .string(let text): string(text)
        case .array(let items): array { json in for item in items { json.element { $0.value(item) } } }
        case .object(let fields):
            // Sorted, so the same value always gives the same bytes.
            object { json in for (name, item) in fields.sorted(by: { $0.key < $1.key }) { json.field(name) { $0.value(item) } } }
        }
    }

    @inlinable public mutating func string(_ text: String) { appendString(text) }
    @inlinable public mutating func bool(_ flag: Bool) { storage.append(contentsOf: (flag ? "true" : "false").utf8) }
    @inlinable public mutating func integer(_ number: Int) { storage.append(contentsOf: String(number).utf8) }

    /// A finite number (`description` is the shortest form that reads back the same, valid JSON);
    /// NaN and infinities, which JSON cannot hold, are written as `null`.
    @inlinable public mutating func number(_ number: Double) {
        storage.append(contentsOf: (number.isFinite ? number.description : "null").utf8)
    }

    @inlinable mutating func open(_ bracket: UInt8) {
        storage.append(bracket)
        hasMember.append(false)
    }

    @inlinable mutating func close(_ bracket: UInt8) {
        hasMember.removeLast()
        storage.append(bracket)
    }

    @inlinable mutating func separate() {
        guard let last = hasMember.indices.last else { return }
        if hasMember[last] { storage.append(UInt8(ascii: ",")) }
        hasMember[last] = true
    }

    @inlinable mutating func appendString(_ text: String) {
        storage.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Runs that need no escaping (nearly all text) are copied whole.
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                storage.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                appendEscaped(byte)
                start = index + 1
            }
            storage.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        storage.append(UInt8(ascii: "\""))
    }

    @inlinable mutating func appendEscaped(_ byte: UInt8) {
        let backslash = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""): storage.append(contentsOf: [backslash, UInt8(ascii: "\"")])
        case backslash: storage.append(contentsOf: [backslash, backslash])
        case 0x0A: storage.append(contentsOf: [backslash, UInt8(ascii: "n")])
        case 0x0D: storage.append(contentsOf: [backslash, UInt8(ascii: "r")])
        case 0x09: storage.append(contentsOf: [backslash, UInt8(ascii: "t")])
        case 0x08: storage.append(contentsOf: [backslash, UInt8(ascii: "b")])
        case 0x0C: storage.append(contentsOf: [backslash, UInt8(ascii: "f")])
        default:
            let hex: StaticString = "0123456789abcdef"
            storage.append(contentsOf: [backslash, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0x0F)]])
        }
    }
}
