import Foundation

/// Figures from one wrk run.
struct WrkResult {
    /// Seconds.
    var p50: Double
    var p99: Double
    var requestsPerSecond: Double
    /// Non-2xx answers plus socket errors: a run with errors measured something else.
    var errors: Int
    /// CPU seconds this process (the gateways) spent per request during the run; nil when the
    /// run did not go through a gateway. Steadier than latency on a shared machine.
    var gatewayCPUPerRequest: Double? = nil
}

/// User plus system CPU seconds this process has used.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Runs `wrk --latency` with a Lua script that POSTs `body` (or GETs, without one) round-robin over `paths`.
struct WrkRunner {
    let executable: String
    let threads = 2

    static func locate() -> WrkRunner? {
        for directory in ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(directory)/wrk") {
            return WrkRunner(executable: "\(directory)/wrk")
        }
        return nil
    }

    /// `rate`: requests per second over all connections, paced (each connection waits
    /// `connections / rate` seconds after each response); nil sends as fast as answers come.
    func run(url: String, paths: [String], body: String?, connections: Int, seconds: Int, rate: Int? = nil) throws -> WrkResult {
        let script = NSTemporaryDirectory() + "gatewaybench-\(UUID().uuidString.prefix(8)).lua"
        try Self.script(paths: paths, body: body, pauseMilliseconds: rate.map { max(1, connections * 1000 / $0) })
            .write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-t", "\(min(threads, connections))", "-c", "\(connections)", "-d", "\(seconds)s",
                             "--timeout", "10s", "--latency", "-s", script, url]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return try Self.parse(output)
    }

    static func script(paths: [String], body: String?, pauseMilliseconds: Int?) -> String {
        let quoted = paths.map { "\"\($0)\"" }.joined(separator: ", ")
        // A pause drawn around the mean keeps the connections from marching in step.
        let pace = pauseMilliseconds.map { "delay = function() return math.random(\($0 / 2), \($0 * 3 / 2)) end" } ?? ""
        let request = body.map { """
            wrk.method = "POST"
            wrk.body = [==[\($0)]==]
            wrk.headers["Content-Type"] = "application/json"
            """ } ?? #"wrk.method = "GET""#
        return """
        \(request)
        local paths = { \(quoted) }
        local counter = 0
        request = function()
          counter = counter + 1
          return wrk.format(nil, paths[(counter % #paths) + 1])
        end
        \(pace)
        """
    }

    static func parse(_ output: String) throws -> WrkResult {
        func seconds(_ text: Substring) -> Double? {
            let units: [(String, Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60)]
            for (unit, scale) in units where text.hasSuffix(unit) {
                return Double(text.dropLast(unit.count)).map { $0 * scale }
            }
            return nil
        }
        var p50: Double?, p99: Double?, rate: Double?
        var errors = 0
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.first == "50%" { p50 = words.last.flatMap(seconds) }
            if words.first == "99%" { p99 = words.last.flatMap(seconds) }
            if words.first == "Requests/sec:" { rate = words.last.flatMap { Double($0) } }
            if line.contains("Non-2xx or 3xx responses:") { errors += Int(words.last ?? "") ?? 0 }
            if line.contains("Socket errors:") {
                // "Socket errors: connect 0, read 0, write 0, timeout 0"
                errors += words.compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }.reduce(0, +)
            }
        }
        guard let p50, let p99, let rate else {
            throw BenchError(description: "could not read wrk's output:\n\(output)")
        }
        return WrkResult(p50: p50, p99: p99, requestsPerSecond: rate, errors: errors)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
}
