import Foundation

/// FakeUpstreamServer (built next to this executable) as a child process: the upstream runs
/// on the same two cores, but not on the gateway's Swift executor threads, as a remote provider
/// would not.
final class UpstreamProcess {
    let process = Process()
    private let input = Pipe()
    let port: Int

    var openAIBaseURL: String { "http://127.0.0.1:\(port)/v1" }

    init(reply: String) throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("FakeUpstreamServer")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw BenchError(description: "\(executable.path) is missing: swift build -c release --product FakeUpstreamServer")
        }
        let output = Pipe()
        process.executableURL = executable
        process.arguments = [reply]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The first line is the port it listens on.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A {
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw BenchError(description: "FakeUpstreamServer did not print its port")
        }
        self.port = port
    }

    /// Closing its standard input stops it.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
