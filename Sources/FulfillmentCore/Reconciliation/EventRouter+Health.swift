public import StripeAPI

extension EventRouter {
    /// Stripe's health alerts, which only thin events carry. `v2.core.health.event_generation_failure.resolved`
    /// says Stripe made no events for a while: no webhook, and no `GET /v1/events` entry, will ever tell of
    /// what was paid meanwhile. A reconciliation pass runs at once: it fulfils the paid sessions and pays the
    /// orders whose PaymentIntent succeeded, from Stripe's objects, not its events. If another process holds
    /// the pass, the event is retried (the running pass may have begun before the failure was resolved).
    public static func health(reconciler: Reconciler) -> EventRouter {
        var router = EventRouter()
        router.onThinOnly(.eventGenerationFailureResolved) { _ in
            let summary = try await reconciler.run()
            return "reconciled after Stripe's event generation failure: \(summary.line)"
        }
        return router
    }
}
