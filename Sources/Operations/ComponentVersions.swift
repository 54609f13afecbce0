import Foundation
import Storage
import OracleCore

/// Versions of what Oracle Chat is built from, for diagnostics: Swift, SQLite (asked at run
/// time), Lua and libcurl (from `pkg-config`, i.e. the headers it was built against).
enum ComponentVersions {
    static func collect() async -> [(name: String, value: String)] {
        var lines: [(String, String)] = [("oracle-chat", OracleVersion.current), ("swift (compiled with)", compiledSwift)]
        if let output = await ExternalCommand.run("swift", ["--version"]), output.status == 0 {
            lines.append(("swift (on PATH)", output.stdout.split(separator: "\n").first.map(String.init) ?? "?"))
        } else {
            lines.append(("swift (on PATH)", "unavailable: no swift on PATH"))
        }
        lines.append(("sqlite", sqlite))
        for (name, module) in [("lua", "lua5.4"), ("libcurl", "libcurl")] {
            if let output = await ExternalCommand.run("pkg-config", ["--modversion", module]), output.status == 0 {
                lines.append((name, output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + " (pkg-config \(module))"))
            } else {
                lines.append((name, "unavailable: pkg-config \(module) not found (install pkg-config and the -dev package)"))
            }
        }
        lines.append(("os", ProcessInfo.processInfo.operatingSystemVersionString))
        return lines
    }

    static var sqlite: String {
        do {
            return try DatabaseInspector.sqliteVersion()
        } catch {
            return "unavailable: \(error)"
        }
    }

    static var compiledSwift: String {
        #if compiler(>=6.4)
        ">= 6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "< 6.1"
        #endif
    }
}
