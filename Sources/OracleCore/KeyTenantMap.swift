import Foundation

/// Client API keys mapped to tenants, from `CHAT_API_KEYS="key1:tenant-a,key2:tenant-b"`.
public struct KeyTenantMap: Sendable, Equatable {
    public static let minimumKeyLength = 16
    public let tenantsByKey: [String: String]

    public var isEmpty: Bool { tenantsByKey.isEmpty }

    public init(tenantsByKey: [String: String]) {
        self.tenantsByKey = tenantsByKey
    }

    public struct ParseError: Error {}

    public static func parse(_ raw: String) throws -> KeyTenantMap {
        var map: [String: String] = [:]
        for entry in raw.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let key = parts[0]
            let tenant = parts.count > 1 ? parts[1] : "default"
            guard key.count >= minimumKeyLength, !tenant.isEmpty else { throw ParseError() }
            map[key] = tenant
        }
        return KeyTenantMap(tenantsByKey: map)
    }

    /// The tenant of a presented key, compared in constant time per candidate.
    public func tenant(forKey presented: String) -> String? {
        var found: String?
        for (key, tenant) in tenantsByKey where ConstantTime.equals(key, presented) {
            found = tenant
        }
        return found
    }
}

/// Comparison whose duration does not depend on where two secrets first differ.
public enum ConstantTime {
    public static func equals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
