import Foundation

/// Timestamped names of backups, as the seed runbooks list them with `ls -t backups/...`:
/// `oracle_sessions_20250101_120000.db` (UTC), with `_2`, `_3` ... when a name is taken.
///
/// ```swift
/// let path = BackupName.database.newPath(in: "backups")   // backups/oracle_sessions_20250101_120000.db
/// BackupName.database.entries(in: "backups")              // newest first
/// ```
public struct BackupName: Sendable {
    public let prefix: String
    public let suffix: String

    public init(prefix: String, suffix: String) {
        self.prefix = prefix
        self.suffix = suffix
    }

    /// Regular backups; only these are pruned by `--keep`.
    public static let database = BackupName(prefix: "oracle_sessions_", suffix: ".db")
    /// Copies saved by `db restore` before it replaces a database; never pruned.
    public static let emergencyDatabase = BackupName(prefix: "oracle_sessions_emergency_", suffix: ".db")

    /// One file or folder matching the pattern.
    public struct Entry: Sendable, Equatable {
        public let path: String
        public let name: String
        public let stamp: String
        public let sequence: Int
    }

    /// `YYYYMMDD_HHMMSS` in UTC.
    public static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d_%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// A path in `directory` that does not exist yet and sorts after every entry of the same
    /// second (a freed lower suffix is not reused, or pruning would take the newest).
    public func newPath(in directory: String, date: Date = Date()) -> String {
        let stamp = Self.stamp(date)
        var sequence = (entries(in: directory).filter { $0.stamp == stamp }.map(\.sequence).max() ?? 0) + 1
        while true {
            let name = prefix + stamp + (sequence == 1 ? "" : "_\(sequence)") + suffix
            let path = (directory as NSString).appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: path) { return path }
            sequence += 1
        }
    }

    /// Parses a name of this pattern; nil for anything else (temp files, emergency copies).
    public func parse(_ name: String) -> (stamp: String, sequence: Int)? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        let middle = name.dropFirst(prefix.count).dropLast(suffix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard middle.count == 2 || middle.count == 3, middle[0].count == 8, middle[1].count == 6,
              middle.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
        let sequence = middle.count == 3 ? Int(middle[2]) ?? 0 : 1
        guard sequence >= 1 else { return nil }
        return ("\(middle[0])_\(middle[1])", sequence)
    }

    /// Every entry of this pattern in `directory`, newest first.
    public func entries(in directory: String) -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name in
            parse(name).map { Entry(path: (directory as NSString).appendingPathComponent(name), name: name,
                                    stamp: $0.stamp, sequence: $0.sequence) }
        }.sorted { ($0.stamp, $0.sequence) > ($1.stamp, $1.sequence) }
    }

    /// Removes all but the newest `keep` entries; returns the removed paths.
    public func prune(in directory: String, keep: Int) throws(DatabaseOperationError) -> [String] {
        let old = entries(in: directory).dropFirst(max(keep, 0))
        for entry in old {
            do {
                try FileManager.default.removeItem(atPath: entry.path)
            } catch {
                throw .fileOperation(path: entry.path, reason: "cannot remove old backup: \(error.localizedDescription)")
            }
        }
        return old.map(\.path)
    }
}
