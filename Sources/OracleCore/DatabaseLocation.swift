import Foundation

/// Where the SQLite database lives, from `DATABASE_URL` (a path, `sqlite:///abs/path`,
/// `sqlite://relative/path`, or `:memory:` for throwaway runs).
public struct DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var isInMemory: Bool { path == ":memory:" }
    public var description: String { path }

    /// The scheme of a URL (`postgres` of `postgres://...`), or nil for a path.
    public static func urlScheme(_ raw: String) -> String? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard let range = text.range(of: "://") else { return nil }
        let scheme = text[..<range.lowerBound]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }) else { return nil }
        return scheme.lowercased()
    }

    /// `DATABASE_URL`'s rule, naming what is wrong: a URL of another database is not taken for
    /// a file path (a `postgres://` URL once made a folder named `postgres:`).
    public static func problem(_ raw: String) -> String? {
        if let scheme = urlScheme(raw), scheme != "sqlite" {
            let what = ["postgres", "postgresql"].contains(scheme) ? "a PostgreSQL URL" : "a \(scheme.prefix(20)):// URL"
            return "be a SQLite file path or sqlite:// URL; \(what) is a database this build cannot serve"
        }
        return parse(raw) == nil ? "be a SQLite file path or sqlite:// URL" : nil
    }

    public static func parse(_ raw: String) -> DatabaseLocation? {
        if let scheme = urlScheme(raw), scheme != "sqlite" { return nil }
        var path = raw.trimmingCharacters(in: .whitespaces)
        if path.hasPrefix("sqlite:") {
            path.removeFirst("sqlite:".count)
            // sqlite:///abs → /abs ; sqlite://rel → rel
            if path.hasPrefix("//") { path.removeFirst(2) }
        }
        guard !path.isEmpty, !path.hasSuffix("/"), !path.contains("\0") else { return nil }
        return DatabaseLocation(path: path)
    }
}
