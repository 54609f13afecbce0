import Foundation
import OracleCore

extension OperationStats {
    /// The window `METRICS_WINDOW_SECONDS` sets (validated 10–86400 by the settings catalog).
    public convenience init(settings config: OracleConfig) {
        let raw = config.resolved["METRICS_WINDOW_SECONDS"]?.raw.trimmingCharacters(in: .whitespaces) ?? ""
        self.init(window: .seconds(Int(raw) ?? 300))
    }
}
