import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /openapi.yaml` serves the document, and the document names exactly the routes the
/// router registers: a route added without its description, or described and gone, fails here.
@Suite struct OpenAPIDocumentTests {
    static let keys = ["CHAT_API_KEYS": "acme-key-0123456789:acme", "ADMIN_API_KEY": "admin-key-0123456789"]

    @Test func theDocumentIsServedAsYAMLWithoutAKey() async throws {
        try await withApp(Self.keys) { client, _ in
            let response = try await client.get("/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(response.text.hasPrefix("openapi: 3.1"))
            // The same server still wants a key for the API it describes.
            #expect(try await client.get("/api/v1/sessions").status == .unauthorized)
        }
    }

    @Test func theDocumentDescribesExactlyTheRegisteredRoutes() async throws {
        // With a metrics registry, as `serve` has, so `/metrics` is registered too.
        try await withMetricsApp { client, state, _ in
            let routes = OracleApplication.makeRouter(state: state).routes
            // Hummingbird writes captures as `{id}`, the document's form; HEAD is answered wherever
            // GET is (the document says so once), so a registered HEAD twin of a GET is not a route of its own.
            let gets = Set(routes.filter { $0.method == .get }.map(\.path.description))
            let registered = Set(routes
                .filter { !($0.method == .head && gets.contains($0.path.description)) }
                .map { "\($0.method.rawValue) \($0.path.description)" })
            let documented = Self.operations(inYAML: try await client.get("/openapi.yaml").text)

            #expect(documented.count > 30, "the reader found too few operations: \(documented.sorted())")
            #expect(registered.subtracting(documented).sorted() == [], "registered but not in openapi.yaml")
            #expect(documented.subtracting(registered).sorted() == [], "in openapi.yaml but not registered")
        }
    }

    @Test func theReaderFindsOperationsAndSkipsOtherKeys() {
        let yaml = """
        openapi: 3.1.0
        paths:
          /a/{id}:
            parameters:
              - $ref: "#/components/parameters/ID"
            get:
              responses: {}
            delete:
              responses: {}
          /b:
            post:
              requestBody:
                content: {}
        components:
          schemas:
            get:
              type: string
        """
        #expect(Self.operations(inYAML: yaml) == ["GET /a/{id}", "DELETE /a/{id}", "POST /b"])
    }

    static let methods: Set<Substring> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// `"METHOD /path/{param}"` for every operation under `paths:`. The document keeps its
    /// path keys plain and two spaces in, their operations four, which is all this reads: the
    /// package has no YAML parser, and the document stays the one authoritative file.
    static func operations(inYAML text: String) -> Set<String> {
        var operations: Set<String> = []
        var inPaths = false
        var path: Substring?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first != " ", first != "#" {
                inPaths = line.trimmingCharacters(in: .whitespaces) == "paths:"
                path = nil
            } else if inPaths, line.hasPrefix("  /"), line.hasSuffix(":") {
                path = line.dropFirst(2).dropLast()
            } else if inPaths, let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if Self.methods.contains(key) { operations.insert("\(key.uppercased()) \(path)") }
            }
        }
        return operations
    }
}
