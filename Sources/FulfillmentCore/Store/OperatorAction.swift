public import Foundation

/// One thing an operator did in the console (or tried: a refused sign-in), kept for the audit log.
public struct OperatorAction: Sendable, Hashable, Codable {
    public var at: Date
    /// Who: the console's operator, the API token, or the client address of a refused sign-in.
    public var actor: String
    /// What, as a short verb: `sign-in`, `sign-in refused`, `sign-out`, `replay event`, `replay events`.
    public var action: String
    /// On what, and how it went.
    public var detail: String

    public init(at: Date, actor: String, action: String, detail: String) {
        self.at = at
        self.actor = actor
        self.action = action
        self.detail = detail
    }
}
