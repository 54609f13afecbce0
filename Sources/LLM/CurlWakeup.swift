import CCurl

/// The one doorway into a multi handle from other threads: `curl_multi_wakeup`.
///
/// `@unchecked Sendable` because it carries a raw `CURLM*`. That is sound here because
/// libcurl documents `curl_multi_wakeup` as safe to call from any thread, this type exposes
/// nothing else, and ``TransportMailbox`` calls it only under its lock while the driver is
/// attached; the driver detaches (under the same lock) before `curl_multi_cleanup`.
final class CurlWakeup: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer

    init(_ multi: CurlMultiHandle) {
        self.multi = multi.raw
    }

    func wake() {
        _ = curl_multi_wakeup(multi)
    }
}
