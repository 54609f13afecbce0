import Hummingbird

/// CORS for the origins in `CORS_ALLOWED_ORIGINS` (`*` for any), off when the list is empty.
///
/// Hummingbird's `CORSMiddleware` writes the headers and answers preflights; this only decides
/// which origins reach it, because its own allow-list takes origins as literal variadic arguments
/// only. Requests from other origins pass through without CORS headers, so browsers refuse them.
struct AllowedOriginsCORS<Context: RequestContext>: RouterMiddleware {
    private let origins: Set<String>
    private let cors: CORSMiddleware<Context>

    /// Nil when `origins` is empty: no middleware, no CORS.
    init?(origins: [String]) {
        guard !origins.isEmpty else { return nil }
        self.origins = Set(origins)
        cors = CORSMiddleware(
            allowOrigin: origins.contains("*") ? .all : .originBased,
            allowHeaders: [.accept, .authorization, .contentType, .origin],
            allowMethods: [.get, .head, .post, .put, .delete, .options],
            exposedHeaders: ["Retry-After", "Allow"],
            maxAge: .seconds(600))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains("*") || origins.contains(origin) else {
            var response = try await next(request, context)
            // The answer depends on Origin (allowed ones get more headers): caches must key on it.
            if !origins.contains("*") { response.headers[values: .vary].append("Origin") }
            return response
        }
        return try await cors.handle(request, context: context, next: next)
    }
}
