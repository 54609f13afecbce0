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

    /// `receiveBuffer`: a small kernel receive buffer, for a client that reads slowly or not at all.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
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
            if socketFD >= 0, var size = receiveBuffer {
                setsockopt(socketFD, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            if socketFD >= 0, connect(socketFD, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                fd = socketFD
                // A guard against a hang, not a time limit under test: generous for a loaded machine.
                var timeout = timeval(tv_sec: 60, tv_usec: 0)
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

    /// Reads until the server closes the connection (or 60 s pass without a byte, the socket's
    /// receive limit, which a test then sees as `closed == false`).
    func readToEnd() async -> (text: String, closed: Bool) {
        let fd = self.fd
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var received = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = recv(fd, &buffer, buffer.count, 0)
                    if count > 0 {
                        received += buffer[..<count]
                        continue
                    }
                    // 0: orderly close; ECONNRESET also ends the connection; EAGAIN: receive limit hit.
                    let closed = count == 0 || errno == ECONNRESET
                    continuation.resume(returning: (String(decoding: received, as: UTF8.self), closed))
                    return
                }
            }
        }
    }

    func send(bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw RawHTTPError(description: "send failed") }
            sent += count
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

/// One HTTP response as read off a socket: status, header fields (names lower-cased), body.
struct RawHTTPResponse {
    let status: Int
    let headers: [String: String]
    let body: String

    /// Parses the first response in `text`; nil if it is not one.
    init?(_ text: String) {
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else { return nil }
        self.status = status
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.headers = headers
        let rest = text[split.upperBound...]
        let length = headers["content-length"].flatMap(Int.init) ?? rest.utf8.count
        body = String(decoding: rest.utf8.prefix(length), as: UTF8.self)
    }

    /// `error.code` of a JSON error body.
    var errorCode: String? {
        let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return (json?["error"] as? [String: Any])?["code"] as? String
    }
}

struct RawHTTPError: Error, CustomStringConvertible {
    var description: String
}
