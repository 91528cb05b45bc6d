import Foundation
import FulfillmentCore
import HTTPTypes
import Hummingbird
import Logging
import StripeAPI

/// `GET /access/{token}`: the customer's access link. A purchase's access holds unless a refund or a dispute
/// ended or paused it; a subscription's holds while it is paid for (`SubscriptionEntitlement.grantsAccess`),
/// and its page shows its state and when it renews or ends, with a button to Stripe's billing portal
/// (`POST /access/{token}/billing-portal`, which makes a portal session and redirects there). No access: `403`.
/// The page names the item only: not the purchase's id, which would lead a forwarded link to its other lines.
struct AccessController<Context: RequestContext>: Sendable {
    let store: any FulfillmentStore
    let subscriptions: SubscriptionKeeper
    let pages: PageRenderer
    let publicURL: String
    let defaultLanguage: CustomerLanguage
    let now: @Sendable () -> Date
    let logger: Logger

    func register(on router: Router<Context>) {
        router.get("access/:token") { request, context in
            await page(token: context.parameters.get("token") ?? "", request: request)
        }
        router.post("access/:token/billing-portal") { request, context in
            await billingPortal(token: context.parameters.get("token") ?? "", request: request)
        }
    }

    static func isWellFormed(_ token: String) -> Bool {
        token.count <= 64 && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    func page(token: String, request: Request) async -> Response {
        let browser = request.headers.browserLanguage(default: defaultLanguage)
        guard Self.isWellFormed(token), let grant = try? await store.entitlement(token: token) else { return pages.notFound(language: browser) }
        do {
            let purchase = try await store.purchase(subjectID: grant.subjectID)
            let language = purchase?.language ?? browser
            if purchase?.kind == .subscription, let subscription = try await store.subscription(id: grant.subjectID) {
                return subscriptionPage(grant, subscription, token: token, language: language)
            }
            // A refund or a dispute may have ended or paused the access since it was granted.
            let access = try await store.afterPayment(subjectID: grant.subjectID)?.access ?? .active
            return pages.render(
                "access",
                [
                    "title": grant.description, "description": grant.description,
                    "active": access == .active, "suspended": access == .suspended, "revoked": access == .revoked,
                ],
                status: access == .active ? .ok : .forbidden, language: language)
        } catch {
            return pages.render("notfound", ["title": "Unavailable"], status: .serviceUnavailable, language: browser)
        }
    }

    func subscriptionPage(_ grant: Entitlement, _ subscription: StoredSubscription, token: String, language: CustomerLanguage) -> Response {
        let entitlement = subscription.entitlement
        let texts = language.texts
        let granted = entitlement.grantsAccess(at: now(), grace: subscriptions.grace)
        let state: String
        let message: String
        switch entitlement.access {
        case .active where granted:
            state = entitlement.cancelAtPeriodEnd ? "ending" : "active"
            message = texts(entitlement.cancelAtPeriodEnd ? "access_subscription_ending" : "access_subscription_active", ["date": texts.date(entitlement.validUntil)])
        case .pastDue where granted:
            state = "past_due"
            let graceEnds = (entitlement.pastDueSince ?? now()).addingTimeInterval(subscriptions.grace)
            message = texts("access_subscription_past_due", ["date": texts.date(graceEnds)])
        case .suspended:
            state = "suspended"
            message = texts("access_subscription_suspended")
        case .active, .pastDue, .ended:
            // Over: ended at Stripe, or its paid period ran out (a cancel at the period's end, or events not yet here).
            state = "ended"
            message = texts("access_subscription_ended")
        }
        return pages.render(
            "access",
            [
                "title": grant.description, "description": grant.description,
                "subscription": [
                    "state": state, "message": message, "tone": granted ? (state == "past_due" ? "warn" : "ok") : "bad",
                    "manage": entitlement.access == .ended ? "" : "/access/\(token)/billing-portal",
                ] as [String: Any],
            ],
            status: granted ? .ok : .forbidden, language: language)
    }

    /// Creates a billing portal session for the subscription's customer (on its account) and sends the browser
    /// there; back to this page after.
    func billingPortal(token: String, request: Request) async -> Response {
        let browser = request.headers.browserLanguage(default: defaultLanguage)
        guard Self.isWellFormed(token), let grant = try? await store.entitlement(token: token),
            let subscription = try? await store.subscription(id: grant.subjectID), subscription.entitlement.access != .ended
        else { return pages.notFound(language: browser) }
        do {
            let url = try await subscriptions.billingPortalURL(for: subscription, returnURL: "\(publicURL)/access/\(token)")
            return Response(status: .seeOther, headers: [.location: url])
        } catch {
            logger.warning("billing portal session failed", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            return pages.render("notfound", ["title": "Unavailable"], status: .serviceUnavailable, language: browser)
        }
    }
}
