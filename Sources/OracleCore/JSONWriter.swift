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
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Per open object or array: whether it has a member yet (a comma goes before the next).
    private var hasMember: [Bool] = []

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// `"name":` and its value, inside an object.
    public mutating func field(_ name: String, _ value: (inout JSONWriter) -> Void) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        value(&self)
    }

    /// An element of an array; members of objects go through ``field(_:_:)``.
    public mutating func element(_ value: (inout JSONWriter) -> Void) {
        separate()
        value(&self)
    }

    public mutating func string(_ text: String) { appendString(text) }
    public mutating func bool(_ flag: Bool) { bytes.append(contentsOf: (flag ? "true" : "false").utf8) }
    public mutating func integer(_ number: Int) { bytes.append(contentsOf: String(number).utf8) }

    /// A finite number (`description` is the shortest form that reads back the same, valid JSON);
    /// NaN and infinities, which JSON cannot hold, are written as `null`.
    public mutating func number(_ number: Double) {
        bytes.append(contentsOf: (number.isFinite ? number.description : "null").utf8)
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        hasMember.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        hasMember.removeLast()
        bytes.append(bracket)
    }

    private mutating func separate() {
        guard let last = hasMember.indices.last else { return }
        if hasMember[last] { bytes.append(UInt8(ascii: ",")) }
        hasMember[last] = true
    }

    private mutating func appendString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
