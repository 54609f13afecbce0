import Hummingbird

/// The methods registered for each route path, so a request for a known path with another method
/// is answered `405` with `Allow` rather than `404`.
///
/// Filled once the router has every route (``load(_:)``); matching uses Hummingbird's own path
/// elements, so a path that resolves to a route here resolves to it in the router too.
final class RouteMethods: @unchecked Sendable {
    // @unchecked: written once by `load` before the server starts, only read afterwards.
    private var routes: [(path: RouterPath, methods: Set<HTTPRequest.Method>)] = []

    func load(_ descriptions: [Router<OracleRequestContext>.RouteDescription]) {
        var byPath: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for route in descriptions {
            byPath[route.path.description, default: (route.path, [])].methods.insert(route.method)
        }
        routes = byPath.values.map { entry in
            // Hummingbird answers HEAD on every GET route (RouterOptions.autoGenerateHeadEndpoints).
            var methods = entry.methods
            if methods.contains(.get) { methods.insert(.head) }
            return (entry.path, methods)
        }
    }

    /// The methods a path answers, or nil when no route has this path.
    ///
    /// Like the router: where a literal component and a parameter both match, the literal wins
    /// and the router does not fall back to the parameter, so `PUT .../overrides/audit` is no
    /// `PUT .../overrides/{name}`. Only the routes with literals furthest to the left count.
    func allowed(for path: String) -> Set<HTTPRequest.Method>? {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        let matching = routes.compactMap { route -> (literals: [Bool], methods: Set<HTTPRequest.Method>)? in
            guard route.path.components.count == components.count,
                  zip(route.path.components, components).allSatisfy({ element, component in element ~= component })
            else { return nil }
            return (zip(route.path.components, components).map { $0.description == String($1) }, route.methods)
        }
        guard let best = matching.map(\.literals).max(by: { $0.lexicographicallyPrecedes($1) { !$0 && $1 } }) else { return nil }
        return matching.filter { $0.literals == best }.reduce(into: Set()) { $0.formUnion($1.methods) }
    }
}

/// Turns the router's "no route" into `405 method_not_allowed` with `Allow` when the path exists
/// under other methods. Route handlers throw ``APIError`` for their own 404s, so the router's
/// `HTTPError(.notFound)` here always means "no route".
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = routes.allowed(for: request.uri.path) else { throw error }
            let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            throw APIError(.methodNotAllowed, code: "method_not_allowed",
                           message: "\(request.method.rawValue) is not allowed on this path; allowed: \(list)",
                           headers: [.allow: list])
        }
    }
}
