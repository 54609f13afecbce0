import CCurl
import Foundation

/// One request in flight: its easy handle, the stream it feeds, and the clocks its
/// first-byte, idle and total deadlines are measured on.
///
/// Not `Sendable`: libcurl's callbacks and the driver loop touch it on the driver thread only.
final class CurlTransfer {
    let id: UInt64
    let easy: CurlEasyHandle
    let continuation: TransportMailbox.Continuation
    let timeouts: TransportTimeouts
    let maxResponseBytes: Int
    let startedAt: ContinuousClock.Instant
    private(set) var lastBodyByteAt: ContinuousClock.Instant?
    private var status = 0
    private var headers: [(name: String, value: String)] = []
    /// The header block is over (a final status's blank line, or the first body byte).
    private var headComplete = false
    private var headDelivered = false
    /// ``HTTPRequest/deliversWhole``: head and body are held and handed over when the transfer
    /// ends, so the waiting task is woken once, not once per part.
    private let deliversWhole: Bool
    private var heldBody: [UInt8] = []
    private var bodyBytes = 0
    /// Set by a callback that had to abort the transfer; reported instead of libcurl's write error.
    private(set) var abortReason: LLMError?

    init(id: UInt64, easy: CurlEasyHandle, continuation: TransportMailbox.Continuation, request: HTTPRequest, now: ContinuousClock.Instant) {
        self.id = id
        self.easy = easy
        self.continuation = continuation
        self.timeouts = request.timeouts
        self.maxResponseBytes = request.maxResponseBytes
        self.deliversWhole = request.deliversWhole
        self.startedAt = now
    }

    /// One header line as libcurl hands it over (CRLF included). Returns false to abort.
    ///
    /// Parsed as bytes: this runs for every header of every response on the one driver thread.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let line = HeaderBytes.trimmed(bytes[...])
        if line.starts(with: HeaderBytes.statusPrefix) {
            // A new status line (after a 1xx, say) starts a new header block: "HTTP/1.1 200 OK".
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
            status = fields.count > 1 ? HeaderBytes.integer(fields[1]) ?? 0 : 0
            headers.removeAll()
        } else if line.isEmpty {
            if status >= 200 { deliverHead() }
        } else if !headComplete, let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            let name = HeaderBytes.trimmed(line[..<colon]).map(HeaderBytes.lowercased)
            let value = HeaderBytes.trimmed(line[(colon + 1)...])
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return true
    }

    /// A piece of the response body. Returns false to abort (body too large).
    func receiveBody(_ bytes: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> Bool {
        deliverHead()
        lastBodyByteAt = now
        bodyBytes += bytes.count
        guard bodyBytes <= maxResponseBytes else {
            abortReason = .invalidResponse("response body larger than \(maxResponseBytes) bytes")
            return false
        }
        if deliversWhole {
            heldBody.append(contentsOf: bytes)
        } else if !bytes.isEmpty {
            continuation.yield(.body(Array(bytes)))
        }
        return true
    }

    /// The deadline this transfer has passed at `now`, if any.
    func missedDeadline(at now: ContinuousClock.Instant) -> LLMError? {
        if now - startedAt >= timeouts.total { return .timeout("total") }
        if let last = lastBodyByteAt {
            return now - last >= timeouts.idle ? .timeout("idle stream") : nil
        }
        guard now - startedAt >= timeouts.firstByte else { return nil }
        return isConnected ? .timeout("first byte") : .timeout("connect")
    }

    /// For a transfer libcurl reported as done: delivers the head if still due and returns the
    /// failure, if any. Call before the easy handle is freed; end the stream with ``end(_:)`` after.
    func settle(_ code: CURLcode) -> LLMError? {
        guard code == CURLE_OK else { return abortReason ?? error(for: code) }
        if status == 0 { status = easy.info(CURLINFO_RESPONSE_CODE) }
        deliverHead()
        return nil
    }

    func end(_ failure: LLMError?) {
        if let failure { return fail(failure) }
        if deliversWhole {
            yieldHead()
            if !heldBody.isEmpty { continuation.yield(.body(heldBody)) }
        }
        continuation.finish()
    }

    func fail(_ error: LLMError) {
        continuation.finish(throwing: error)
    }

    /// A reused connection may report a zero connect time, so the local port counts too.
    private var isConnected: Bool {
        easy.info(offset: CURLINFO_CONNECT_TIME_T) > 0 || easy.info(CURLINFO_LOCAL_PORT) > 0
    }

    private func deliverHead() {
        headComplete = true
        if !deliversWhole { yieldHead() }
    }

    private func yieldHead() {
        guard !headDelivered else { return }
        headDelivered = true
        continuation.yield(.head(HTTPResponseHead(status: status, headers: headers)))
    }

    private func error(for code: CURLcode) -> LLMError {
        let message = easy.errorMessage(for: code)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return isConnected ? .timeout("total") : .timeout("connect")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return .transport("could not connect: \(message)")
        default:
            return .transport(message)
        }
    }
}

/// Byte helpers for header lines.
enum HeaderBytes {
    static let statusPrefix = Array("HTTP/".utf8)

    /// Without leading and trailing spaces, tabs, CR and LF.
    static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, blank(bytes[start]) { start += 1 }
        while end > start, blank(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }

    static func integer(_ digits: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        var value = 0
        for byte in digits {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}
