import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One blocking TCP connection to `localhost`, for reading part of a streamed response and
/// then hanging up, as a browser tab that is closed mid-reply does.
///
/// ```swift
/// let connection = try RawHTTPConnection(port: port)
/// try connection.send("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}")
/// let head = try await connection.read(until: "event: delta")
/// connection.close()
/// ```
final class RawHTTPConnection: @unchecked Sendable {
    // @unchecked: the descriptor is used by one test at a time, and `close()` is idempotent.
    private var fd: Int32 = -1

    init(port: Int) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo("localhost", "\(port)", &hints, &list) == 0, let first = list else {
            throw RawHTTPError(description: "cannot resolve localhost")
        }
        defer { freeaddrinfo(list) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            let socketFD = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if socketFD >= 0, connect(socketFD, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                fd = socketFD
                var timeout = timeval(tv_sec: 10, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                return
            }
            if socketFD >= 0 { Glibc.close(socketFD) }
            candidate = address.pointee.ai_next
        }
        throw RawHTTPError(description: "cannot connect to localhost:\(port)")
    }

    deinit { close() }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw RawHTTPError(description: "send failed") }
            sent += count
        }
    }

    /// Reads (on a dispatch thread, not the test's) until `marker` has arrived; returns all read.
    func read(until marker: String) async throws -> String {
        let fd = self.fd
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var received = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !String(decoding: received, as: UTF8.self).contains(marker) {
                    let count = recv(fd, &buffer, buffer.count, 0)
                    guard count > 0 else {
                        continuation.resume(throwing: RawHTTPError(description: "connection ended before \(marker)"))
                        return
                    }
                    received += buffer[..<count]
                }
                continuation.resume(returning: String(decoding: received, as: UTF8.self))
            }
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

struct RawHTTPError: Error, CustomStringConvertible {
    var description: String
}
