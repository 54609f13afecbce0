import Hummingbird
import Policies
import Sessions

extension ServerState {
    /// Asks admission for this call; a denial is `429 quota_exceeded` with `Retry-After` (in
    /// OpenAI's shape under `/v1`, as every error there is).
    func admit(_ context: OracleRequestContext, route: AdmissionInput.Route, endpoint: String, model: String,
               promptBytes: Int) async throws -> Admission.Ticket {
        do {
            return try await admission.check(.init(tenant: context.tenant, route: route, endpoint: endpoint,
                                                   model: model, promptBytes: promptBytes))
        } catch {
            throw APIError(.tooManyRequests, code: "quota_exceeded", message: "request refused by admission: \(error.reason)",
                           headers: [.retryAfter: String(error.retryAfterSeconds)])
        }
    }
}
