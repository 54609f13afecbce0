import Foundation

extension JSONValue {
    /// `bytes` read as one JSON document: the value `JSONDecoder().decode(JSONValue.self, ...)`
    /// gives, or the error it throws.
    ///
    /// Request bodies are read on every call, and `JSONDecoder` spent ~100k instructions on a
    /// one-message `/v1` body (its guesses in ``init(from:)`` each build a `DecodingError`), a
    /// tenth of the gateway's work per request (callgrind, bench/profile-v1.sh). So the plain
    /// documents nearly every client sends are read by ``JSONReader``; anything it does not
    /// handle itself (invalid JSON, a byte-order mark or UTF-16, surrogate escapes, duplicate
    /// keys, numbers out of range, deep nesting) goes to `JSONDecoder`, which stays the
    /// definition. JSONReaderTests holds the two to the same values.
    public init(json bytes: some Collection<UInt8>) throws {
        if let value = JSONReader.read(bytes) {
            self = value
        } else {
            self = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        }
    }
}

/// Reads strict RFC 8259 JSON into a ``JSONValue``; nil for whatever it leaves to `JSONDecoder`
/// (see ``JSONValue/init(json:)``): never a different value.
public struct JSONReader {
    /// Deeper documents go to `JSONDecoder` (which refuses past 512), and the recursion here stays shallow.
    static let maxDepth = 128

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    public static func read(_ bytes: some Collection<UInt8>) -> JSONValue? {
        if let value = bytes.withContiguousStorageIfAvailable({ read(buffer: $0) }) { return value }
        return Array(bytes).withUnsafeBufferPointer { read(buffer: $0) }
    }

    private static func read(buffer: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        var reader = JSONReader(buffer)
        reader.skipSpace()
        guard let value = reader.value() else { return nil }
        reader.skipSpace()
        return reader.index == buffer.count ? value : nil
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value() -> JSONValue? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func literal(_ text: StaticString, _ value: JSONValue) -> JSONValue? {
        let count = text.utf8CodeUnitCount
        guard bytes.count - index >= count else { return nil }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return nil }
        index += count
        return value
    }

    private mutating func object() -> JSONValue? {
        var fields: [String: JSONValue] = [:]
        let read = container(closing: UInt8(ascii: "}")) { reader in
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "\""),
                  let name = reader.string() else { return false }
            reader.skipSpace()
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: ":") else { return false }
            reader.index += 1
            reader.skipSpace()
            guard let value = reader.value() else { return false }
            // A repeated key is left to JSONDecoder, whichever it keeps.
            return fields.updateValue(value, forKey: name) == nil
        }
        return read ? .object(fields) : nil
    }

    private mutating func array() -> JSONValue? {
        var items: [JSONValue] = []
        let read = container(closing: UInt8(ascii: "]")) { reader in
            guard let item = reader.value() else { return false }
            items.append(item)
            return true
        }
        return read ? .array(items) : nil
    }

    /// An object or array from its opening bracket to past `closing`: `element` reads each
    /// member or item, false when it cannot.
    private mutating func container(closing: UInt8, _ element: (inout JSONReader) -> Bool) -> Bool {
        depth += 1
        guard depth <= Self.maxDepth else { return false }
        defer { depth -= 1 }
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == closing {
            index += 1
            return true
        }
        while true {
            guard element(&self) else { return false }
            skipSpace()
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipSpace()
            case closing:
                index += 1
                return true
            default:
                return false
            }
        }
    }

    /// From the opening quote to past the closing one.
    private mutating func string() -> String? {
        index += 1
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return ascii ? String(decoding: text, as: UTF8.self) : String(validating: text, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
            if byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        return nil
    }

    /// The rest of a string that holds escapes; `index` is at the first backslash.
    private mutating func escapedString(from start: Int) -> String? {
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { return nil }
                let escaped = bytes[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    // Surrogates (pairs, or lone ones) are left to JSONDecoder.
                    guard let code = hex4(), !(0xD800...0xDFFF).contains(code), let scalar = Unicode.Scalar(code) else { return nil }
                    utf8.append(contentsOf: UTF8.encode(scalar)!)
                default:
                    return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                utf8.append(byte)
                index += 1
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.count - index >= 4 else { return nil }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            code = code << 4 | UInt32(digit)
            index += 1
        }
        return code
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, as a finite Double (correctly rounded,
    /// as JSONDecoder reads it); anything else (out of range either way) is left to JSONDecoder.
    private mutating func number() -> JSONValue? {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits() > 0 else { return nil }
        }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            integral = false
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            integral = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
        // Short integers (token counts, `n`, `max_tokens`) need no float parsing.
        if integral, text.count <= 15 {
            var value = 0
            for byte in text where byte != UInt8(ascii: "-") { value = value * 10 + Int(byte - UInt8(ascii: "0")) }
            // `-0` stays a negative zero, as a Double parse gives it.
            return .number(text[0] == UInt8(ascii: "-") ? -Double(value) : Double(value))
        }
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else { return nil }
        // JSONDecoder refuses a number that underflows to zero (`1e-400`), and some zeros written
        // with an exponent (`0e5`, not `0e-5`): zeros other than `0` and `-0` are its to read.
        guard value != 0 else { return nil }
        return .number(value)
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }
}
