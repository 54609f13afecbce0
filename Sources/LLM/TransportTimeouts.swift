import OracleCore

/// The four deadlines of one upstream HTTP exchange. None of them is infinite.
///
/// - `connect`: TCP + TLS handshake (`CURLOPT_CONNECTTIMEOUT_MS`).
/// - `firstByte`: from the start of the transfer until the first byte of the response body.
/// - `idle`: the longest silence allowed between two body reads once the body has started.
/// - `total`: the whole exchange, including a long streamed reply.
///
/// Each one, when hit, fails the transfer with `LLMError.timeout("connect" | "first byte" |
/// "idle stream" | "total")`.
///
/// ```swift
/// let quick = TransportTimeouts(connect: .seconds(2), firstByte: .seconds(20), idle: .seconds(10), total: .seconds(60))
/// ```
public struct TransportTimeouts: Sendable, Equatable {
    public var connect: Duration
    public var firstByte: Duration
    public var idle: Duration
    public var total: Duration

    public init(
        connect: Duration = .milliseconds(SettingsCatalog.defaults.integer(.llmConnectTimeoutMs)),
        firstByte: Duration = .milliseconds(SettingsCatalog.defaults.integer(.llmFirstByteTimeoutMs)),
        idle: Duration = .milliseconds(SettingsCatalog.defaults.integer(.llmIdleTimeoutMs)),
        total: Duration = .milliseconds(SettingsCatalog.defaults.integer(.llmTotalTimeoutMs))
    ) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }
}

extension Duration {
    /// Whole milliseconds, at least 1, as libcurl's `long` options want them.
    var curlMilliseconds: Int { max(1, Int(milliseconds)) }
}
