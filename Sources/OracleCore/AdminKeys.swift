import Foundation

/// The admin API's keys, each with the name an audit trail records for what it did:
/// `ADMIN_API_KEYS="alice:key1,ops-bot:key2"` plus `ADMIN_API_KEY`, whose name is `admin`.
///
/// The one owner of "which admin is calling": the admin middleware asks ``name(forKey:)`` and
/// puts the answer in the request context, and every admin action records it as its actor.
///
/// ```swift
/// let keys = try AdminKeys.parse("alice:k-alice,bob:k-bob", legacyKey: "")
/// keys.name(forKey: "k-bob")   // "bob"
/// ```
public struct AdminKeys: Sendable, Equatable {
    /// The name `ADMIN_API_KEY` is recorded under.
    public static let legacyName = "admin"
    /// Names are what audit lines and timelines show: short, lowercase, no spaces or separators.
    public static let namePattern = "[a-z0-9._-]+"

    public let namesByKey: [String: String]

    public var isEmpty: Bool { namesByKey.isEmpty }
    public var keys: [String] { Array(namesByKey.keys) }

    public init(namesByKey: [String: String]) {
        self.namesByKey = namesByKey
    }

    /// What is wrong with an `ADMIN_API_KEYS` value, as a sentence fragment following "must".
    /// It points at entries by position and never repeats a key (nor a name, which a swapped
    /// `key:name` pair would make a key).
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses `ADMIN_API_KEYS` and adds `ADMIN_API_KEY` (when not empty) as `admin`.
    public static func parse(_ raw: String, legacyKey: String = "") throws(ParseError) -> AdminKeys {
        var names: [String: String] = [:]
        var seenNames: Set<String> = []
        let entries = raw.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for (index, entry) in entries.enumerated() where !(entries.count == 1 && entry.isEmpty) {
            let position = "entry \(index + 1) of \(entries.count)"
            guard let colon = entry.firstIndex(of: ":") else {
                throw ParseError(description: "be comma-separated name:key pairs; \(position) has no ':'")
            }
            let name = entry[..<colon].trimmingCharacters(in: .whitespaces)
            let key = entry[entry.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard isValidName(name) else {
                throw ParseError(description: "have names of lowercase letters, digits, '.', '_' or '-' (\(namePattern)); \(position) does not")
            }
            guard !key.isEmpty else { throw ParseError(description: "have a non-empty key in every pair; \(position) has none") }
            guard !(legacyKey.isEmpty == false && name == legacyName) else {
                throw ParseError(description: "not name a key '\(legacyName)' while ADMIN_API_KEY is set (that key's name is '\(legacyName)')")
            }
            guard seenNames.insert(name).inserted else {
                throw ParseError(description: "name each key once; \(position) repeats an earlier name")
            }
            guard names[key] == nil, key != legacyKey else {
                throw ParseError(description: "give each name its own key; \(position) repeats an earlier key")
            }
            names[key] = name
        }
        if !legacyKey.isEmpty { names[legacyKey] = legacyName }
        return AdminKeys(namesByKey: names)
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" || scalar == "-"
        }
    }

    /// The name of the presented key, or nil. Every configured key is compared, each in
    /// constant time, so the answer's timing says nothing about which key came close.
    public func name(forKey presented: String) -> String? {
        var found: String?
        for (key, name) in namesByKey where ConstantTime.equals(key, presented) {
            found = name
        }
        return found
    }
}
