import Foundation
import Yams

/// Reading the YAML configuration files (contacts, models): bounded in bytes, parsed without
/// echoing the file's text (it may hold URLs and keys), strict about keys and names. Every
/// error names the file and the entry.
enum YAMLConfigFile {
    /// The file's text; nil when it does not exist.
    static func read(_ path: String, maxBytes: Int) throws(ConfigFileError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigFileError(path, "cannot be read") }
        guard data.count <= maxBytes else { throw ConfigFileError(path, "is larger than \(maxBytes / 1024) KiB") }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigFileError(path, "is not UTF-8 text") }
        return text
    }

    static func parse(_ text: String, path: String) throws(ConfigFileError) -> Any? {
        do {
            return try Yams.load(yaml: text)
        } catch {
            // Only the first line (position and problem): the YAML library adds the offending
            // line of the file, which may hold a URL or key.
            let problem = String(describing: error).split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "unreadable"
            throw ConfigFileError(path, "is not valid YAML: \(problem.prefix(300))")
        }
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
