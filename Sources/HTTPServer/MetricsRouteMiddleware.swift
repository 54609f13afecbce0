import Hummingbird
import Metrics
import Synchronization

/// Counts every request and times it by route template, method and status:
/// `http_requests_total{route,method,status}` and `http_request_duration_seconds{route,method}`.
///
/// The route is the template the router matched (`/api/v1/sessions/{id}`), never the raw path,
/// and unknown methods collapse to `other`, so the number of series stays bounded whatever
/// clients send. Add it first, so it sees the status the error middleware chose.
///
/// ```swift
/// router.add(middleware: MetricsRouteMiddleware(factory: PrometheusMetricsFactory(registry: registry)))
/// ```
struct MetricsRouteMiddleware<Context: RequestContext>: RouterMiddleware {
    let series: Series

    init(factory: any MetricsFactory) {
        series = Series(factory: factory)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = Self.methodLabel(request.method)
        do {
            var response = try await next(request, context)
            let status = response.status.code
            // Streamed bodies (SSE) count when their last byte is written, or the write fails.
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { [series] writer in
                defer { series.record(route: Self.route(context), method: method, status: status, duration: .now - start) }
                try await body.write(writer)
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            series.record(route: Self.route(context), method: method, status: status, duration: .now - start)
            throw error
        }
    }

    /// The matched template; requests no route matched share one label.
    static func route(_ context: Context) -> String {
        guard let path = context.endpointPath, path != "NotFound" else { return "unmatched" }
        return path
    }

    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .patch, .delete, .options: method.rawValue
        default: "other"
        }
    }

    /// The counters and timers, created once per label set and kept.
    final class Series: Sendable {
        struct Key: Hashable {
            var route: String
            var method: String
            var status: Int
        }

        struct Timing: Hashable {
            var route: String
            var method: String
        }

        let factory: any MetricsFactory
        let counters = Mutex<[Key: Counter]>([:])
        let timers = Mutex<[Timing: Metrics.Timer]>([:])

        init(factory: any MetricsFactory) {
            self.factory = factory
        }

        func record(route: String, method: String, status: Int, duration: Duration) {
            let key = Key(route: route, method: method, status: status)
            let counter = counters.withLock { counters in
                if let counter = counters[key] { return counter }
                let counter = Counter(label: "http_requests_total",
                                      dimensions: [("route", route), ("method", method), ("status", String(status))],
                                      factory: factory)
                counters[key] = counter
                return counter
            }
            let timing = Timing(route: route, method: method)
            let timer = timers.withLock { timers in
                if let timer = timers[timing] { return timer }
                let timer = Metrics.Timer(label: "http_request_duration_seconds",
                                          dimensions: [("route", route), ("method", method)], factory: factory)
                timers[timing] = timer
                return timer
            }
            counter.increment()
            timer.record(duration: duration)
        }
    }
}
