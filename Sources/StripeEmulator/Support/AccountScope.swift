/// Whose objects the work at hand sees (Connect). A request without `Stripe-Account` sees the platform's
/// objects, one with it that connected account's only (another account's object is "No such ...", as at
/// Stripe); what either makes belongs to its account. The emulator's own work (deliveries, timers, test
/// control before it knows the object) sees everything, and acts on an object as its owner.
///
/// A task-local, so every record lookup honours it without each operation passing it along: an API call runs
/// in one task, from the responder into the state's actor and back.
enum AccountScope: Sendable, Hashable {
    case everything
    case platform
    case account(String)

    @TaskLocal static var current: AccountScope = .everything

    /// The scope of an object's owner (nil: the platform).
    static func of(_ owner: String?) -> AccountScope {
        owner.map { .account($0) } ?? .platform
    }

    /// The account an object made now belongs to (nil: the platform).
    var owner: String? {
        if case .account(let account) = self { return account }
        return nil
    }

    func sees(_ owner: String?) -> Bool {
        switch self {
        case .everything: true
        case .platform: owner == nil
        case .account(let account): owner == account
        }
    }
}
