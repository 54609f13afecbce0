import Foundation
import OracleCore
import Yams

/// Reading the YAML configuration files (contacts, models): bounded in bytes, parsed without
/// echoing the file's text (it may hold URLs and keys), strict about keys and names. Every
/// error names the file and the entry.
enum YAMLConfigFile {
    /// The file's text; nil when it does not exist. Read through ``BoundedTextFile``: the
    /// watcher reads it twice a second, and a FIFO or a huge file must not hang or bloat it.
    static func read(_ path: String, maxBytes: Int) throws(ConfigFileError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var size = 0
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path), let bytes = attributes[.size] as? Int { size = bytes }
        guard size <= maxBytes else { throw ConfigFileError(path, "is larger than \(maxBytes / 1024) KiB") }
        do throws(BoundedTextFile.Refused) {
            return try BoundedTextFile.read(path, limit: maxBytes, kind: "configuration files")
        } catch {
            // Its message names the path already; ours puts the path first, as every other.
            throw ConfigFileError(path, String(error.description.dropFirst("cannot read \(path): ".count)))
        }
    }

    /// The most nodes a file may unfold to. Anchors and aliases are cheap to write and expensive
    /// to unfold (a few hundred bytes of nested aliases make gigabytes), so the tree is counted
    /// before it is turned into values; a real contacts or models file has a few thousand.
    static let maxNodes = 50_000

    static func parse(_ text: String, path: String) throws(ConfigFileError) -> Any? {
        let root: Node?
        do {
            // Composing keeps each alias as a shared reference: nothing is unfolded yet.
            root = try Yams.compose(yaml: text)
        } catch {
            // Only the first line (position and problem): the YAML library adds the offending
            // line of the file, which may hold a URL or key.
            let problem = String(describing: error).split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "unreadable"
            throw ConfigFileError(path, "is not valid YAML: \(problem.prefix(300))")
        }
        guard let root else { return nil }
        var budget = maxNodes
        guard fits(root, budget: &budget) else {
            throw ConfigFileError(path, "unfolds to more than \(maxNodes) YAML nodes (anchors and aliases count each time they are used)")
        }
        return root.any
    }

    /// Counts `node`'s tree, aliases unfolded, stopping as soon as the budget is spent.
    static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .mapping(let mapping):
            for (key, value) in mapping where !fits(key, budget: &budget) || !fits(value, budget: &budget) { return false }
            return true
        case .sequence(let sequence):
            for element in sequence where !fits(element, budget: &budget) { return false }
            return true
        }
    }

    /// An environment variable's name: echoing anything else could print a key pasted in its place.
    static func isVariableName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 128, first == 0x5f || (0x41...0x5a).contains(first) || (0x61...0x7a).contains(first) else {
            return false
        }
        return bytes.allSatisfy { $0 == 0x5f || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) }
    }

    enum Secret {
        case value(String)
        case unconfigured(String)
    }

    /// `key` inline or `key_env` naming an environment variable (so the file can be committed).
    static func secret(_ fields: [String: Any], _ key: String, at: String, environment: [String: String],
                       _ path: String) throws(ConfigFileError) -> Secret {
        let inline = fields[key].map { "\($0)" }
        let variable = fields["\(key)_env"].map { "\($0)" }
        switch (inline, variable) {
        case (let value?, nil):
            guard !value.isEmpty else { throw ConfigFileError(path, "\(at).\(key) is empty") }
            return .value(value)
        case (nil, let name?):
            guard isVariableName(name) else {
                throw ConfigFileError(path, "\(at).\(key)_env must name an environment variable (letters, digits and _, at most 128), not hold the value itself")
            }
            guard let value = environment[name], !value.isEmpty else { return .unconfigured("\(name) is not set") }
            return .value(value)
        default:
            throw ConfigFileError(path, "\(at) needs exactly one of `\(key)` and `\(key)_env`")
        }
    }

    static func checkURL(_ url: String, at: String, _ path: String) throws(ConfigFileError) {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil,
              url.utf8.count <= 2048 else {
            throw ConfigFileError(path, "\(at) must be an http(s) URL")
        }
    }

    static func checkName(_ name: String, what: String, _ path: String) throws(ConfigFileError) {
        let allowed = name.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
        guard !name.isEmpty, name.utf8.count <= 64, allowed else {
            throw ConfigFileError(path, "\(what) name '\(name.prefix(64))' must be 1–64 characters of a-z, 0-9, '.', '_', '-'")
        }
    }

    static func onlyKeys(_ fields: [String: Any], _ allowed: Set<String>, at: String, _ path: String) throws(ConfigFileError) {
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            let place = at.isEmpty ? "" : "\(at)."
            throw ConfigFileError(path, "unknown key \(place)\(unknown.prefix(64)) (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}

/// Why a configuration file was refused; names the file and the key. Never carries a URL or key.
public struct ConfigFileError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ path: String, _ problem: String) { description = "\(path): \(problem)" }
}
