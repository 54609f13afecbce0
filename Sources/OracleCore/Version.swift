/// The release of Oracle Chat, reported by `oracle-chat --version` and `/health`.
public enum OracleVersion {
    public static let current = "0.1.0"
}
