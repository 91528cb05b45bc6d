import Foundation
public import Prometheus

/// The service's metrics in one Prometheus registry owned by the application (no global bootstrap).
public struct ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let eventsReceived: Counter
    let eventsDuplicate: Counter
    let fulfillmentLatency: DurationHistogram
    let emailsSent: Counter
    let emailsFailed: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        eventsReceived = registry.makeCounter(name: "fulfillment_events_received_total", help: "Verified webhook events stored.")
        eventsDuplicate = registry.makeCounter(
            name: "fulfillment_events_duplicate_total", help: "Webhook deliveries of an event already stored.")
        fulfillmentLatency = registry.makeDurationHistogram(
            name: "fulfillment_checkout_duration_seconds",
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)],
            help: "Time to fulfil a paid Checkout Session (re-fetch, plan, commit).")
        emailsSent = registry.makeCounter(name: "fulfillment_emails_sent_total", help: "Customer emails sent.")
        emailsFailed = registry.makeCounter(name: "fulfillment_email_failures_total", help: "Failed email attempts (retried).")
    }

    /// A webhook refused before storage, by reason (`signature`, `malformed`, `too_large`).
    func rejected(_ reason: String) {
        registry.makeCounter(
            name: "fulfillment_events_rejected_total", labels: [("reason", reason)],
            help: "Webhook requests refused before storage.").increment()
    }

    /// A worker's outcome for one event (`processed`, `retried`, `dead`).
    func processed(_ outcome: String) {
        registry.makeCounter(
            name: "fulfillment_events_processed_total", labels: [("outcome", outcome)],
            help: "Events handled by the event worker, by outcome.").increment()
    }

    /// Events the reconciler found missing and inserted into the inbox.
    func recovered(_ count: Int) {
        registry.makeCounter(
            name: "fulfillment_events_recovered_total", help: "Events recovered by the reconciler (no webhook brought them)."
        ).increment(by: Int64(count))
    }

    /// A reconciliation pass ended (`finished`, `skipped` while another instance held it, `failed`).
    func reconciled(outcome: String, at startedAt: Date?) {
        registry.makeCounter(
            name: "fulfillment_reconciliations_total", labels: [("outcome", outcome)], help: "Reconciliation passes, by outcome."
        ).increment()
        if let startedAt {
            registry.makeGauge(
                name: "fulfillment_reconciliation_last_success_timestamp_seconds",
                help: "When the last finished reconciliation pass began (Unix seconds)."
            ).set(to: startedAt.timeIntervalSince1970)
        }
    }

    /// Sets the gauges read from the store at scrape time.
    func observe(outboxBacklog: Int, inbox: [String: Int]) {
        registry.makeGauge(name: "fulfillment_outbox_backlog", help: "Customer emails queued and not yet sent.")
            .set(to: Double(outboxBacklog))
        for (status, count) in inbox {
            registry.makeGauge(name: "fulfillment_inbox_events", labels: [("status", status)], help: "Stored events by status.")
                .set(to: Double(count))
        }
    }
}
