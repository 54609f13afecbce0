import Foundation
import OracleCore

extension OperationStats {
    /// The window `METRICS_WINDOW_SECONDS` sets (validated 10–86400 by the settings catalog).
    public convenience init(settings config: OracleConfig) {
        self.init(window: .seconds(LoadedConfig(values: config.resolved).integer(.metricsWindowSeconds)))
    }
}
