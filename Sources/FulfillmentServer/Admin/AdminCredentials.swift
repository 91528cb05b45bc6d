import HummingbirdBcrypt

/// How operators prove who they are: `ADMIN_PASSWORD` for the console's pages (kept only as a bcrypt hash
/// in memory, checked by `PasswordVerifier`), `ADMIN_TOKEN` for its JSON twin under `/admin/api`. Without
/// either, the console is closed.
struct AdminCredentials: Sendable {
    let passwordHash: String?
    let token: String?

    init(password: String?, token: String?, cost: UInt8) {
        self.passwordHash = password.map { Bcrypt.hash($0, cost: cost) }
        self.token = token
    }

    var isOpen: Bool { passwordHash != nil || token != nil }
}
