import Foundation
import Hummingbird

/// `GET /openapi.yaml`: the OpenAPI document of every route, open like `/health`.
///
/// The document is `Resources/openapi.yaml`, a resource of this target: SwiftPM puts it in a
/// bundle beside the binary, so the server finds it whatever its working directory.
struct OpenAPIRoutes {
    static let contentType = "application/yaml"

    /// Read once, when the first router is made: a binary without its resource bundle stops at
    /// startup (`Bundle.module` says where it looked) rather than on the first request.
    static let document: ByteBuffer = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let data = try? Data(contentsOf: url) else {
            fatalError("openapi.yaml is missing from the HTTPServer resource bundle \(Bundle.module.bundlePath)")
        }
        return ByteBuffer(bytes: data)
    }()

    func register(on router: Router<OracleRequestContext>) {
        let document = Self.document
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: Self.contentType], body: .init(byteBuffer: document))
        }
    }
}
