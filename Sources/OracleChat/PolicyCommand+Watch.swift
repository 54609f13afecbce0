import Foundation

extension PolicyCommand {
    /// Runs `run` now and again whenever a file under `folders` is added, removed or modified
    /// (polled every 200 ms, so editors that replace files atomically are seen too). Never
    /// returns; Ctrl-C ends the process.
    static func watch(folders: [String], run: () -> Void) async throws -> Never {
        run()
        var last = fingerprint(folders)
        write("watching \(folders.joined(separator: " and ")) for changes (Ctrl-C to exit)\n")
        while true {
            try await Task.sleep(for: .milliseconds(200))
            let now = fingerprint(folders)
            guard now != last else { continue }
            // Taken before the run: a save during the run triggers another one.
            last = now
            write("\n--- change detected, rerunning ---\n")
            run()
        }
    }

    /// Path → (size, modification time) of every file under `folders`.
    static func fingerprint(_ folders: [String]) -> [String: [Double]] {
        var result: [String: [Double]] = [:]
        for folder in folders {
            guard let enumerator = FileManager.default.enumerator(atPath: folder) else { continue }
            while let relative = enumerator.nextObject() as? String {
                let path = (folder as NSString).appendingPathComponent(relative)
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                      attributes[.type] as? FileAttributeType == .typeRegular else { continue }
                let size = (attributes[.size] as? NSNumber)?.doubleValue ?? -1
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
                result[path] = [size, modified]
            }
        }
        return result
    }
}
