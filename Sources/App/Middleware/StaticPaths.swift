/// Paths that never need a session, a CSRF cookie or a flash: assets and machine endpoints.
enum StaticPaths {
    static func skipsSession(_ path: String) -> Bool {
        path.hasPrefix("/css/") || path.hasPrefix("/img/") || path.hasPrefix("/js/") || path == "/healthz"
            || path == "/metrics" || path == "/favicon.svg" || path == "/favicon.ico"
    }
}
