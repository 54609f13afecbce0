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

    public static func parse(_ raw: String) -> DatabaseLocation? {
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
