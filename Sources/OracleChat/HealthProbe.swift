import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Operations

/// Asks the local server for its health endpoints, for `oracle-chat diagnostics`.
enum HealthProbe {
    /// A fetcher for `http://host:port`, or why there can be none.
    static func fetcher(host: String, port: String) -> Result<HealthFetcher, HealthProbeFailure> {
        guard let portNumber = Int(port), portNumber > 0 else {
            return .failure(HealthProbeFailure("PORT=\(port): the server picks a random port, so its address is unknown"))
        }
        // A server listening on every address answers on loopback.
        let probeHost = ["0.0.0.0", "::", "[::]", ""].contains(host) ? "127.0.0.1" : host
        let base = "http://\(probeHost.contains(":") && !probeHost.hasPrefix("[") ? "[\(probeHost)]" : probeHost):\(portNumber)"
        return .success({ path in await get(base + path) })
    }

    static func get(_ address: String) async -> Result<String, HealthProbeFailure> {
        guard let url = URL(string: address) else { return .failure(HealthProbeFailure("invalid address \(address)")) }
        var request = URLRequest(url: url)
        request.timeoutInterval = 5
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (data, response) = try await session.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let body = String(decoding: data, as: UTF8.self)
            return .success(status == 200 ? body : "HTTP \(status)\n\(body)")
        } catch {
            return .failure(HealthProbeFailure("server not reachable at \(address): \(error.localizedDescription)"))
        }
    }
}
