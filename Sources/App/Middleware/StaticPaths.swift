/// Paths that are not pages: assets and machine endpoints.
enum StaticPaths {
    /// Files served from `Resources/public`.
    static func isAsset(_ path: String) -> Bool {
        path.hasPrefix("/css/") || path.hasPrefix("/img/") || path.hasPrefix("/js/") || path == "/favicon.svg"
    }

    /// Paths that never need a session, a CSRF cookie or a flash (analytics events and the tracking of campaign
    /// messages must set no cookie; the statistics API authenticates with a bearer token).
    static func skipsSession(_ path: String) -> Bool {
        isAsset(path) || path == "/healthz" || path == "/metrics" || path == "/favicon.ico" || path == "/api/event"
            || path.hasPrefix("/api/stats/") || path == "/api/openapi.yaml" || path.hasPrefix("/t/")
    }
}
