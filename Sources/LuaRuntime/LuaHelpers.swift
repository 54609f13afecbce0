#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Host helpers shared by Swift and Lua (each ``LuaState`` exposes `bucket` to scripts).
///
/// ```swift
/// LuaHelpers.bucket("session-1")   // 39, always
/// let ctx = try LuaHelpers.jsonDecode(#"{"settings": {"rollout_percentage": 50}}"#)
/// ```
public enum LuaHelpers {
    /// Sticky rollout bucket 1...100: `murmur3_x86_32(utf8(key), seed 0) % 100 + 1`, the same
    /// normalisation as Unleash. A key enabled at p% stays enabled at every higher percentage.
    public static func bucket(_ key: String) -> Int {
        var key = key
        return key.withUTF8 { bucket(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// ``bucket(_:)`` over raw UTF-8 bytes (no String needed, e.g. straight from a Lua string).
    public static func bucket(bytes: UnsafeRawBufferPointer) -> Int {
        Int(Murmur3.hash32(bytes) % 100) + 1
    }

    /// Decodes JSON text into a ``LuaValue`` (integers stay integers); errors are `.conversion`.
    public static func jsonDecode(_ text: String) throws(LuaError) -> LuaValue {
        do {
            return try JSONDecoder().decode(LuaValue.self, from: Data(text.utf8))
        } catch {
            throw LuaError(.conversion, "invalid JSON: \(error)")
        }
    }

    /// Encodes a ``LuaValue`` as JSON text (keys sorted, so output is stable).
    public static func jsonEncode(_ value: LuaValue) throws(LuaError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw LuaError(.conversion, "cannot encode as JSON: \(error)")
        }
    }
}
