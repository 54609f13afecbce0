import Foundation
import Hummingbird

/// Server-Sent Events, the one way both streaming APIs answer: the response (headers that keep
/// proxies from buffering), the frames, and the relay of a stream of events to the client.
///
/// ```swift
/// ServerSentEvents.response(ending: nil) { writer in
///     await ServerSentEvents.relay(chat.events, to: &writer, frame: { event in ... }, failure: { error in ... })
/// }
/// ```
enum ServerSentEvents {
    /// A streamed response: `relay` writes the frames, then `ending` (if any) is written, always,
    /// so no client is left waiting for the end.
    static func response(ending: ByteBuffer?,
                         _ relay: @escaping @Sendable (inout any ResponseBodyWriter) async -> Void) -> Response {
        let body = ResponseBody { writer in
            await relay(&writer)
            if let ending { try await writer.write(ending) }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: body)
    }

    /// Writes each event's frame as it comes. When the stream fails, `failure`'s frame (if any)
    /// tells the client why; when the client is gone, writing fails and the relay stops, which
    /// drops `events` and so cancels whatever produces them.
    static func relay<Events: AsyncSequence>(
        _ events: Events, to writer: inout any ResponseBodyWriter,
        frame: (Events.Element) throws -> ByteBuffer, failure: (any Error) -> ByteBuffer?
    ) async {
        do {
            for try await event in events {
                try await writer.write(try frame(event))
            }
        } catch {
            if let last = failure(error) { try? await writer.write(last) }
        }
    }

    /// `event: NAME` (when named) and `data: JSON`.
    static func frame(event name: String? = nil, json: some Sequence<UInt8>) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let name { buffer.writeString("event: \(name)\n") }
        buffer.writeString("data: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    static func frame(event name: String? = nil, _ value: some Encodable) -> ByteBuffer {
        frame(event: name, json: (try? JSONResponse.encoder.encode(value)) ?? Data("{}".utf8))
    }
}
