import Foundation
public import StripeAPI

/// Which Checkout Sessions on the Stripe account are this service's to fulfil (`FULFILL_WHEN`). An account
/// often has other integrations (a subscription app, invoices, another shop): their sessions must not be
/// fulfilled or receipted here. Conditions, comma-separated, all of which must hold:
/// - `metadata.KEY=VALUE`: the session's metadata has KEY with exactly VALUE;
/// - `metadata.KEY`: the session's metadata has KEY (any non-empty value);
/// - `client_reference_id`: the session has a client reference id;
/// - `account=ACCT|ACCT...`: the session is on one of these connected accounts (Connect); `platform` names the
///   platform's own account (`account=platform|acct_1` takes both);
/// - `payment_link`: the session was made by a Payment Link; `payment_link=plink_...|plink_...`: by one of these.
/// An empty text (the default) takes every session.
public struct SessionFilter: Sendable, Hashable, CustomStringConvertible {
    enum Condition: Sendable, Hashable {
        case metadataEquals(key: String, value: String)
        case metadataPresent(key: String)
        case clientReferencePresent
        /// One of these accounts (`nil`: the platform's own).
        case accountIn(Set<String?>)
        /// Made by a Payment Link (any, when the set is empty).
        case paymentLink(Set<String>)
    }

    let conditions: [Condition]
    public let description: String

    /// Every session is ours.
    public static let all = SessionFilter(conditions: [], description: "all")

    init(conditions: [Condition], description: String) {
        self.conditions = conditions
        self.description = description
    }

    /// Parses `FULFILL_WHEN`; the error says what was wrong and what is accepted.
    public init(parsing text: String) throws(SessionFilterError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed != "all" else {
            self = .all
            return
        }
        var conditions: [Condition] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let condition = part.trimmingCharacters(in: .whitespaces)
            if condition == "client_reference_id" {
                conditions.append(.clientReferencePresent)
                continue
            }
            if condition == "payment_link" {
                conditions.append(.paymentLink([]))
                continue
            }
            if condition.hasPrefix("payment_link=") {
                let links = condition.dropFirst("payment_link=".count).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard links.allSatisfy({ $0.hasPrefix("plink_") && $0.count > 6 }) else { throw SessionFilterError(condition: condition) }
                conditions.append(.paymentLink(Set(links)))
                continue
            }
            if condition.hasPrefix("account=") {
                let names = condition.dropFirst("account=".count).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard !names.isEmpty, names.allSatisfy({ $0 == "platform" || ($0.hasPrefix("acct_") && $0.count > 5) }) else {
                    throw SessionFilterError(condition: condition)
                }
                conditions.append(.accountIn(Set(names.map { $0 == "platform" ? nil : $0 })))
                continue
            }
            guard condition.hasPrefix("metadata.") else { throw SessionFilterError(condition: condition) }
            let rest = condition.dropFirst("metadata.".count)
            if let equals = rest.firstIndex(of: "=") {
                let key = String(rest[..<equals]), value = String(rest[rest.index(after: equals)...])
                guard !key.isEmpty, !value.isEmpty else { throw SessionFilterError(condition: condition) }
                conditions.append(.metadataEquals(key: key, value: value))
            } else {
                guard !rest.isEmpty else { throw SessionFilterError(condition: condition) }
                conditions.append(.metadataPresent(key: String(rest)))
            }
        }
        self.init(conditions: conditions, description: trimmed)
    }

    /// Why the session (on `account`, nil for the platform's own) is not ours, or nil when it is.
    public func reasonToIgnore(_ session: CheckoutSession, account: String? = nil) -> String? {
        let metadata = session.metadata ?? [:]
        for condition in conditions {
            switch condition {
            case .metadataEquals(let key, let value) where metadata[key] != value:
                let actual = metadata[key].map { "'\($0)'" } ?? "absent"
                return "not ours: FULFILL_WHEN wants metadata.\(key)=\(value), the session has metadata.\(key) \(actual)"
            case .metadataPresent(let key) where (metadata[key] ?? "").isEmpty:
                return "not ours: FULFILL_WHEN wants metadata.\(key), the session has none"
            case .clientReferencePresent where (session.clientReferenceID ?? "").isEmpty:
                return "not ours: FULFILL_WHEN wants a client_reference_id, the session has none"
            case .paymentLink(let links) where session.paymentLink == nil:
                return "not ours: FULFILL_WHEN wants a session made by a Payment Link\(links.isEmpty ? "" : " (\(links.sorted().joined(separator: " or ")))"), the session was not"
            case .paymentLink(let links) where !links.isEmpty && !links.contains(session.paymentLink ?? ""):
                return "not ours: FULFILL_WHEN wants a session of Payment Link \(links.sorted().joined(separator: " or ")), the session is of \(session.paymentLink ?? "")"
            case .accountIn(let accounts) where !accounts.contains(account):
                return "not ours: FULFILL_WHEN wants the session on \(Self.names(accounts)), it is on \(account ?? "the platform")"
            default:
                continue
            }
        }
        return nil
    }

    private static func names(_ accounts: Set<String?>) -> String {
        accounts.map { $0 ?? "platform" }.sorted().joined(separator: " or ")
    }
}

/// A `FULFILL_WHEN` condition that does not parse.
public struct SessionFilterError: Error, Sendable, CustomStringConvertible {
    public let condition: String

    public var description: String {
        "FULFILL_WHEN: cannot read '\(condition.prefix(80))'; use metadata.KEY=VALUE, metadata.KEY, client_reference_id, account=acct_...|platform, payment_link or payment_link=plink_..., comma-separated (all must hold), or all."
    }
}
