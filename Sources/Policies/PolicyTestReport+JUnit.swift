import Foundation

extension PolicyTestReport {
    /// JUnit XML for CI dashboards: one `<testsuite>` per test file, one `<testcase>` per test,
    /// `<failure message="first line">full text</failure>` and `<skipped/>`. Every attribute
    /// and text is escaped; characters XML 1.0 cannot carry are replaced by `\u{FFFD}`.
    public func junit() -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let total = results.reduce(0) { $0 + $1.durationMs } / 1000
        xml += #"<testsuites name="policy tests" tests="\#(results.count)" failures="\#(failed)" skipped="\#(skipped)" time="\#(Self.seconds(total))">"# + "\n"
        var order: [String] = []
        for result in results where !order.contains(result.file) { order.append(result.file) }
        for file in order {
            let tests = results.filter { $0.file == file }
            let time = tests.reduce(0) { $0 + $1.durationMs } / 1000
            let failures = tests.count { $0.status == .failed }, skips = tests.count { $0.status == .skipped }
            xml += #"  <testsuite name="\#(Self.escape(file))" tests="\#(tests.count)" failures="\#(failures)" errors="0" skipped="\#(skips)" time="\#(Self.seconds(time))">"# + "\n"
            let className = Self.escape(((file as NSString).lastPathComponent as NSString).deletingPathExtension)
            for test in tests {
                let open = #"    <testcase classname="\#(className)" name="\#(Self.escape(test.name))" time="\#(Self.seconds(test.durationMs / 1000))""#
                switch test.status {
                case .passed:
                    xml += open + "/>\n"
                case .skipped:
                    xml += open + ">\n      <skipped message=\"\(Self.escape(test.message ?? "todo"))\"/>\n    </testcase>\n"
                case .failed:
                    let text = (test.location.map { "at \($0)\n" } ?? "") + (test.message ?? "failed")
                    let first = (test.message ?? "failed").split(separator: "\n").first.map(String.init) ?? "failed"
                    xml += open + ">\n      <failure message=\"\(Self.escape(first))\" type=\"failure\">\(Self.escape(text))</failure>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func seconds(_ value: Double) -> String { String(format: "%.6f", value) }

    /// Escapes for both attribute values and text content.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            case "\r": out += "&#13;"
            default:
                let v = scalar.value
                let allowed = v >= 0x20 && !(0xD800...0xDFFF).contains(v) && v != 0xFFFE && v != 0xFFFF
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}
